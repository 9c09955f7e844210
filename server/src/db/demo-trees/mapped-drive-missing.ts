import type { DemoTree } from './types.ts';
import { MAPPED_DRIVE_MISSING_TREE_ID, VPN_WONT_CONNECT_TREE_ID } from './ids.ts';

export const mappedDriveMissing: DemoTree = {
  id: MAPPED_DRIVE_MISSING_TREE_ID,
  title: 'Mapped network drive missing',
  description: 'A mapped drive (e.g. S: or H:) is missing or shows a red X. Check connectivity to the file server, how the drive is mapped (Group Policy, logon script, manual) and share permissions.',
  category: 'Network',
  tags: ['mapped-drives', 'file-share', 'group-policy', 'smb', 'network'],
  status: 'published',
  root_node_id: 'start',
  nodes: [
    {
      id: 'start',
      kind: 'question',
      title: 'What does the user see in File Explorer?',
      body: `Get the drive letter and the path it should point to (e.g. \`S:\` → \`\\\\fs01\\Shared\`). Check the client documentation for the standard drive map.

\`\`\`cmd
net use
\`\`\``,
      options: [
        { label: 'Red X, but it opens when double-clicked', next: 'fix-red-x' },
        { label: "Red X and it won't open", next: 'check-network' },
        { label: 'The drive letter is missing completely', next: 'check-network' },
      ],
    },
    {
      id: 'fix-red-x',
      kind: 'action',
      title: 'Stop the red X at sign-in',
      body: `Windows shows the red X when it tries to reconnect the drive before the network (often Wi-Fi) is up. It is cosmetic.

- Domain-joined clients: enable the GPO **Computer Configuration > Administrative Templates > System > Logon > Always wait for the network at computer startup and logon**.
- Group Policy drive maps: set the action to **Update** (not **Replace**) and, if needed, turn on **Reconnect**.`,
      next: 'solved-red-x',
    },
    {
      id: 'check-network',
      kind: 'question',
      title: 'Can the PC reach the file server?',
      body: `\`\`\`powershell
Resolve-DnsName fs01.contoso.local
Test-NetConnection fs01.contoso.local -Port 445
ipconfig /all
\`\`\`

In \`ipconfig /all\`, the DNS servers must be the domain controllers, not the router or \`8.8.8.8\`.`,
      options: [
        { label: 'Yes, TCP 445 succeeds', next: 'check-mapping-method' },
        { label: 'User is working remotely and not on the VPN', next: 'link-vpn' },
        { label: "Name doesn't resolve, or DNS points at the router", next: 'fix-dns' },
        { label: 'Server unreachable from every PC', next: 'escalate-server' },
      ],
    },
    {
      id: 'link-vpn',
      kind: 'link',
      title: 'Get the VPN connected',
      body: `Drive maps to office servers need the VPN when the user is off-site. Work through the VPN tree, then come back to check the drive map.`,
      tree_id: VPN_WONT_CONNECT_TREE_ID,
      next: 'check-mapping-method',
    },
    {
      id: 'fix-dns',
      kind: 'action',
      title: 'Fix DNS on the PC',
      body: `- On DHCP: check the scope's DNS option (006) hands out the DCs, renew the lease.
- Static settings: point DNS at the DCs.

\`\`\`cmd
ipconfig /release
ipconfig /renew
ipconfig /flushdns
ipconfig /registerdns
\`\`\`

Confirm with \`Resolve-DnsName fs01.contoso.local\` and \`Test-NetConnection fs01.contoso.local -Port 445\`.`,
      next: 'retest-drive',
    },
    {
      id: 'check-mapping-method',
      kind: 'question',
      title: 'How are drives mapped for this client?',
      body: `Check the client documentation, or look at \`gpresult /r\` (GPO names like *Drive Maps*) and the user's logon script in AD (**Profile** tab).`,
      options: [
        { label: 'Group Policy Preferences (Drive Maps)', next: 'check-gpresult' },
        { label: 'Logon script', next: 'check-logon-script' },
        { label: 'Intune script / manually mapped', next: 'manual-map' },
      ],
    },
    {
      id: 'check-gpresult',
      kind: 'action',
      title: 'Check Group Policy and group membership',
      body: `As the user (not elevated):

\`\`\`cmd
gpresult /r /scope user
gpresult /h %TEMP%\\gp.html
whoami /groups
\`\`\`

Drive Maps often use item-level targeting on a security group. Check the user is in it:

\`\`\`powershell
Get-ADPrincipalGroupMembership jsmith | Select-Object Name
\`\`\`

Errors: **Event Viewer > Application**, source *Group Policy Drive Maps* (event 4098).`,
      next: 'gp-applied',
    },
    {
      id: 'gp-applied',
      kind: 'question',
      title: 'What did you find?',
      options: [
        { label: 'User is not in the targeted group', next: 'add-group' },
        { label: 'GPO not applied, or 4098 errors', next: 'run-gpupdate' },
        { label: 'GPO applied and the group is right', next: 'check-permissions' },
      ],
    },
    {
      id: 'add-group',
      kind: 'action',
      title: 'Add the user to the group',
      body: `Get approval from the data owner or the customer's authorised contact first.

\`\`\`powershell
Add-ADGroupMember -Identity 'FS-Finance-RW' -Members jsmith
\`\`\`

The user must get a new Kerberos ticket: sign out and in, or run \`klist purge\` and lock/unlock.`,
      next: 'run-gpupdate',
    },
    {
      id: 'run-gpupdate',
      kind: 'action',
      title: 'Reapply Group Policy',
      body: `\`\`\`cmd
gpupdate /force
\`\`\`

Then sign out and back in (drive maps apply at logon). Off-site users must be on the VPN **before** signing in, or run \`gpupdate /force\` once connected.`,
      next: 'retest-drive',
    },
    {
      id: 'check-logon-script',
      kind: 'action',
      title: 'Run the logon script by hand',
      body: `Find the script in AD (**user > Profile > Logon script**) or the GPO, then run it as the user and watch for errors:

\`\`\`cmd
\\\\contoso.local\\NETLOGON\\logon.bat
net use
\`\`\`

Look for a wrong server name, a drive letter already taken by a USB drive or card reader, or \`System error 85\` (letter in use).`,
      next: 'retest-drive',
    },
    {
      id: 'manual-map',
      kind: 'action',
      title: 'Map the drive manually',
      body: `As the user, in a **normal (not elevated)** window; drives mapped as admin are not visible to the user's Explorer:

\`\`\`cmd
net use S: /delete
net use S: \\\\fs01\\Shared /persistent:yes
\`\`\`

or

\`\`\`powershell
New-PSDrive -Name S -PSProvider FileSystem -Root '\\\\fs01\\Shared' -Persist
\`\`\`

For Intune-managed clients, fix the drive-mapping script or policy so it does not go missing again.`,
      next: 'retest-drive',
    },
    {
      id: 'check-permissions',
      kind: 'question',
      title: 'Can the user open the UNC path directly?',
      body: `**Win + R** → \`\\\\fs01\\Shared\``,
      options: [
        { label: 'Yes, it opens', next: 'manual-map' },
        { label: 'Access denied', next: 'escalate-permissions' },
        { label: 'Network path not found', next: 'escalate-server' },
      ],
    },
    {
      id: 'retest-drive',
      kind: 'question',
      title: 'Is the drive back, and can the user open files on it?',
      options: [
        { label: 'Yes', next: 'solved-drive' },
        { label: 'No', next: 'check-permissions' },
      ],
    },
    {
      id: 'solved-red-x',
      kind: 'solution',
      title: 'Resolved: red X at sign-in is cosmetic',
      body: `Record whether you changed a policy, and for which client.

**Tell the customer:** the drive shows a red cross because Windows checks it before your network is ready. The drive works; we have changed a setting so it should reconnect cleanly from now on.`,
    },
    {
      id: 'solved-drive',
      kind: 'solution',
      title: 'Resolved: mapped drive restored',
      body: `Record the cause (DNS, VPN, group membership, Group Policy, logon script, manual map).

**Tell the customer:** your *S:* drive is back and you can open files on it. If it disappears again, note whether you were at home or in the office and let us know.`,
    },
    {
      id: 'escalate-server',
      kind: 'escalate',
      title: 'Escalate: file server unreachable',
      body: `Possible server or site outage. Include:

- Server name and IP, and which sites and users are affected
- \`Test-NetConnection <server> -Port 445\` and \`Resolve-DnsName\` output from two PCs
- Whether the server responds in the RMM / hypervisor console
- Time the problem started and any recent changes or patching`,
    },
    {
      id: 'escalate-permissions',
      kind: 'escalate',
      title: 'Escalate: access denied on the share',
      body: `Do not change permissions on a business share without the data owner's approval. Include:

- The share and folder path and the access the user needs (read / modify)
- The user's groups: \`Get-ADPrincipalGroupMembership <user>\`
- Share and NTFS permissions:

\`\`\`powershell
Get-SmbShareAccess -CimSession fs01 -Name Shared
icacls \\\\fs01\\Shared\\Finance
\`\`\`

- Who approved the access request`,
    },
  ],
};
