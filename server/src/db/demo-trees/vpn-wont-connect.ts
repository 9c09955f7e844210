import type { DemoTree } from './types.ts';
import { ACCOUNT_LOCKED_OUT_TREE_ID, VPN_WONT_CONNECT_TREE_ID, WIFI_DROPPING_TREE_ID } from './ids.ts';

export const vpnWontConnect: DemoTree = {
  id: VPN_WONT_CONNECT_TREE_ID,
  title: "VPN won't connect",
  description: "Troubleshoot a remote user whose client VPN (FortiClient, GlobalProtect, SonicWall, Windows built-in) will not connect or connects but cannot reach anything. Covers the user's internet, credentials, the gateway, certificates and routing.",
  category: 'Network',
  tags: ['vpn', 'remote-access', 'network', 'firewall', 'remote-working'],
  status: 'published',
  root_node_id: 'start',
  nodes: [
    {
      id: 'start',
      kind: 'question',
      title: 'Does the user have working internet where they are?',
      body: `Ask the user to open a couple of websites, or check from your remote session:

\`\`\`powershell
Test-NetConnection 1.1.1.1 -Port 443
Resolve-DnsName www.microsoft.com
\`\`\``,
      options: [
        { label: 'Yes, internet works', next: 'check-error' },
        { label: 'Hotel / guest Wi-Fi with a login page', next: 'captive-portal' },
        { label: 'No internet, or the Wi-Fi keeps dropping', next: 'link-wifi' },
      ],
    },
    {
      id: 'captive-portal',
      kind: 'action',
      title: 'Get through the captive portal',
      body: `The VPN cannot connect until the guest network's login page has been accepted.

- Open <http://neverssl.com> in a browser to make the login page appear; accept the terms.
- If the page still does not appear, turn off any "always-on" VPN lock-down so the browser can reach it, then turn it back on.
- Some guest networks block VPN traffic; if so, use a phone hotspot instead.`,
      next: 'retry-vpn',
    },
    {
      id: 'link-wifi',
      kind: 'link',
      title: "Fix the user's Wi-Fi first",
      body: `The VPN needs a stable connection. Work through the Wi-Fi tree, then come back to retry the VPN.`,
      tree_id: WIFI_DROPPING_TREE_ID,
      next: 'retry-vpn',
    },
    {
      id: 'retry-vpn',
      kind: 'question',
      title: 'Does the VPN connect, and can the user reach internal resources?',
      body: `Test a real resource, not just the client status:

\`\`\`powershell
Test-NetConnection fs01.contoso.local -Port 445
\`\`\``,
      options: [
        { label: 'Yes, everything works', next: 'solved-vpn' },
        { label: 'No, a different error now', next: 'check-error' },
        { label: 'No, same problem as before', next: 'escalate-vpn' },
      ],
    },
    {
      id: 'check-error',
      kind: 'question',
      title: 'What does the VPN client show?',
      body: `Get the exact message and a screenshot. Most clients also keep a log (FortiClient: **Logs** tab; GlobalProtect: **Settings > Troubleshooting > Collect Logs**; Windows built-in: \`Get-WinEvent -LogName Application -MaxEvents 50 | Where-Object ProviderName -eq 'RasClient'\`).`,
      options: [
        { label: 'Credentials / authentication failed', next: 'check-account' },
        { label: 'Times out / gateway unreachable', next: 'test-gateway' },
        { label: 'Certificate error', next: 'check-cert' },
        { label: "Connected, but can't reach internal servers", next: 'check-routes' },
      ],
    },
    {
      id: 'check-account',
      kind: 'question',
      title: "What state is the user's account in?",
      body: `On a domain controller or admin workstation:

\`\`\`powershell
Get-ADUser jsmith -Properties LockedOut,Enabled,PasswordExpired,PasswordLastSet,LastBadPasswordAttempt |
  Format-List Name,Enabled,LockedOut,PasswordExpired,PasswordLastSet,LastBadPasswordAttempt
Get-ADPrincipalGroupMembership jsmith | Select-Object Name
\`\`\`

Check the user is in the VPN group the firewall or RADIUS/NPS policy expects (e.g. \`VPN-Users\`). If the VPN uses MFA, check that the push arrived.`,
      options: [
        { label: 'Account is locked out', next: 'link-lockout' },
        { label: 'Password has expired', next: 'reset-expired-password' },
        { label: 'Not in the VPN group', next: 'add-vpn-group' },
        { label: 'Account looks fine', next: 'escalate-vpn' },
      ],
    },
    {
      id: 'link-lockout',
      kind: 'link',
      title: 'Unlock the account and find the lockout source',
      body: `Work through the account lockout tree, then come back to retry the VPN.`,
      tree_id: ACCOUNT_LOCKED_OUT_TREE_ID,
      next: 'retry-vpn',
    },
    {
      id: 'reset-expired-password',
      kind: 'action',
      title: 'Reset the expired password',
      body: `The user cannot change an expired password from off the network. After verifying identity:

\`\`\`powershell
Set-ADAccountPassword jsmith -Reset -NewPassword (Read-Host -AsSecureString 'Temporary password')
Set-ADUser jsmith -ChangePasswordAtLogon $false
\`\`\`

Do **not** set *must change at next logon*; the VPN cannot handle the change prompt. Ask the user to change it with **Ctrl+Alt+Del > Change a password** once connected.

The laptop still caches the old password: once the VPN is up, the user should lock and unlock with the **new** password so the cached credentials update.`,
      next: 'retry-vpn',
    },
    {
      id: 'add-vpn-group',
      kind: 'action',
      title: 'Add the user to the VPN group',
      body: `Confirm the customer has approved VPN access for this user, then:

\`\`\`powershell
Add-ADGroupMember -Identity 'VPN-Users' -Members jsmith
\`\`\`

If the firewall reads group membership through LDAP/RADIUS, it may cache it; wait a few minutes, or clear the cache on the firewall.`,
      next: 'retry-vpn',
    },
    {
      id: 'test-gateway',
      kind: 'action',
      title: "Test the VPN gateway from the user's PC",
      body: `\`\`\`powershell
Resolve-DnsName vpn.contoso.com
Test-NetConnection vpn.contoso.com -Port 443      # SSL VPN
Test-NetConnection vpn.contoso.com -Port 10443    # FortiGate SSL VPN on a custom port
\`\`\`

IPsec/IKEv2 uses UDP 500/4500, which \`Test-NetConnection\` cannot test; rely on the client log instead.

Note the user's public IP (some firewalls geo-block or block repeated failures):

\`\`\`powershell
Invoke-RestMethod https://ifconfig.me/ip
\`\`\``,
      next: 'gateway-reachable',
    },
    {
      id: 'gateway-reachable',
      kind: 'question',
      title: 'Does the gateway answer?',
      options: [
        { label: 'Yes, the port answers', next: 'update-client' },
        { label: "No: DNS fails, or the port doesn't answer", next: 'check-other-users' },
      ],
    },
    {
      id: 'check-other-users',
      kind: 'question',
      title: 'Can other remote users connect?',
      body: `Check the firewall's VPN monitor (e.g. FortiGate **Dashboard > Network > SSL-VPN**) or ask another remote user to try.`,
      options: [
        { label: 'No, nobody can connect', next: 'escalate-firewall' },
        { label: 'Yes, only this user is affected', next: 'try-hotspot' },
      ],
    },
    {
      id: 'try-hotspot',
      kind: 'action',
      title: 'Test from a phone hotspot',
      body: `Ask the user to connect the laptop to their phone's hotspot and try the VPN.

- **Works on the hotspot:** the home or hotel network is blocking VPN traffic (common with IPsec and some ISP routers). Ask the user to restart their router, or turn on "IPsec passthrough" on it.
- Also check the firewall has not blocked the user's public IP (FortiGate: **Log & Report > Events > VPN Events**).`,
      next: 'retry-vpn',
    },
    {
      id: 'update-client',
      kind: 'action',
      title: 'Update and reset the VPN client',
      body: `- Check the client version against the version the firewall supports; install the client your RMM deploys.
- Delete and recreate the connection profile (gateway address, port, realm).
- Clear saved credentials in the client.
- Windows built-in VPN: check the profile settings with

\`\`\`powershell
Get-VpnConnection -AllUserConnection | Format-List Name,ServerAddress,TunnelType,AuthenticationMethod,SplitTunneling
\`\`\``,
      next: 'retry-vpn',
    },
    {
      id: 'check-cert',
      kind: 'question',
      title: 'Which certificate is the problem?',
      body: `Read the error carefully: is it the **gateway's** certificate (name mismatch, expired, untrusted) or the **device/user** certificate used for authentication?

\`\`\`powershell
w32tm /query /status   # a wrong clock breaks certificate checks
Get-ChildItem Cert:\\CurrentUser\\My, Cert:\\LocalMachine\\My | Format-Table Subject, Issuer, NotAfter
\`\`\``,
      options: [
        { label: 'Gateway certificate expired or name mismatch', next: 'escalate-firewall' },
        { label: 'Device/user certificate missing or expired', next: 'renew-device-cert' },
        { label: 'Clock on the PC was wrong', next: 'fix-clock' },
      ],
    },
    {
      id: 'renew-device-cert',
      kind: 'action',
      title: 'Renew the device certificate',
      body: `- Intune (SCEP/PKCS): **Settings > Accounts > Access work or school > Info > Sync**, then check **Intune admin centre > Devices > device > Device configuration** for the certificate profile state.
- On-prem ADCS autoenrolment (device needs line of sight to a DC, e.g. in the office):

\`\`\`cmd
certutil -pulse
gpupdate /force
\`\`\``,
      next: 'retry-vpn',
    },
    {
      id: 'fix-clock',
      kind: 'action',
      title: 'Correct the system clock',
      body: `\`\`\`cmd
tzutil /g
w32tm /resync /force
\`\`\`

If the time is wrong again after a restart, the CMOS battery may be flat; note it in the ticket.`,
      next: 'retry-vpn',
    },
    {
      id: 'check-routes',
      kind: 'question',
      title: 'What do routing and DNS show while connected?',
      body: `\`\`\`powershell
Get-NetIPConfiguration
route print -4
Resolve-DnsName fs01.contoso.local
Test-NetConnection 10.10.0.20 -Port 445
\`\`\`

Compare the user's home LAN (e.g. \`192.168.1.0/24\`) with the office subnets.`,
      options: [
        { label: 'Home network uses the same subnet as the office', next: 'solved-subnet-overlap' },
        { label: "IP works but internal names don't resolve", next: 'fix-vpn-dns' },
        { label: 'No routes to the internal subnets', next: 'escalate-firewall' },
      ],
    },
    {
      id: 'fix-vpn-dns',
      kind: 'action',
      title: 'Fix DNS over the VPN',
      body: `\`\`\`powershell
Get-DnsClientServerAddress | Where-Object InterfaceAlias -match 'VPN|Forti|PANGP'
ipconfig /flushdns
\`\`\`

- The VPN adapter should hand out the internal DNS servers (DCs) and the DNS suffix \`contoso.local\`.
- If the internal servers are listed but not used, set the VPN adapter's interface metric lower:

\`\`\`powershell
Set-NetIPInterface -InterfaceAlias 'Ethernet 3' -InterfaceMetric 5
\`\`\``,
      next: 'retry-vpn',
    },
    {
      id: 'solved-vpn',
      kind: 'solution',
      title: 'Resolved: VPN connects',
      body: `Record what fixed it (captive portal, password, group, client version, certificate, DNS).

**Tell the customer:** your VPN is connecting again and you can reach the office systems. If it drops again, note the time and the exact message and call us.`,
    },
    {
      id: 'solved-subnet-overlap',
      kind: 'solution',
      title: 'Resolved: home network clashed with the office network',
      body: `The user's home router uses the same IP range as the office, so traffic for office servers stays on the home network.

Fix: change the home router's LAN range (e.g. from \`192.168.1.0/24\` to \`192.168.77.0/24\`) with the user, restart the router and reconnect the VPN. Record the office subnets in the client notes so the next engineer spots this quickly.

**Tell the customer:** your home router used the same addresses as the office, which confused the VPN. We changed your router's settings and it works now.`,
    },
    {
      id: 'escalate-firewall',
      kind: 'escalate',
      title: 'Escalate: VPN gateway or firewall problem',
      body: `This needs someone with firewall access. Include:

- Gateway name/address, VPN type (SSL, IPsec, IKEv2) and client version
- Username, the time of the failed attempts and the user's public IP
- Whether other users can connect
- Output of the \`Test-NetConnection\`, \`route print\` and \`Resolve-DnsName\` checks
- Any certificate error text and screenshots`,
    },
    {
      id: 'escalate-vpn',
      kind: 'escalate',
      title: 'Escalate: VPN still fails for this user',
      body: `Include:

- User, device and VPN client/version; home, hotel or hotspot connection
- The exact error and the VPN client log from the time of the attempt
- Account state (\`Get-ADUser ... -Properties LockedOut,PasswordExpired,Enabled\`) and VPN group membership
- What you have already tried: hotspot, client reinstall, profile reset, password reset`,
    },
  ],
};
