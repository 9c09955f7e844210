import type { DemoTree } from './types.ts';
import { ACCOUNT_LOCKED_OUT_TREE_ID, MFA_SIGN_IN_LOOP_TREE_ID } from './ids.ts';

export const accountLockedOut: DemoTree = {
  id: ACCOUNT_LOCKED_OUT_TREE_ID,
  title: 'Account locked out (Active Directory / Entra ID)',
  description: 'Verify the caller, unlock the account, and find what keeps locking it: stale saved passwords, old devices, or a password-guessing attack. Covers on-prem AD, hybrid and cloud-only Entra ID accounts.',
  category: 'Accounts & Access',
  tags: ['active-directory', 'entra-id', 'lockout', 'password', 'accounts'],
  status: 'published',
  root_node_id: 'verify-identity',
  nodes: [
    {
      id: 'verify-identity',
      kind: 'action',
      title: "Verify the caller's identity",
      body: `Follow the client's verification policy **before** unlocking or resetting anything:

- Call the user back on the number held in the PSA / HR record, not the number they called from
- Or get approval from their manager or the client's authorised contact

Never unlock or reset on the strength of an unverified inbound call or email.`,
      next: 'account-type',
    },
    {
      id: 'account-type',
      kind: 'question',
      title: 'Where does the account live?',
      body: `Check the client documentation, or **Microsoft 365 admin centre > Users > Active users > user**: *Synced from on-premises* means hybrid.`,
      options: [
        { label: 'On-premises AD or hybrid (synced)', next: 'check-ad-lockout' },
        { label: 'Cloud-only (Entra ID)', next: 'check-entra-signins' },
      ],
    },
    {
      id: 'check-ad-lockout',
      kind: 'action',
      title: 'Check the account in AD',
      body: `\`\`\`powershell
Get-ADUser jsmith -Properties LockedOut,Enabled,BadLogonCount,LastBadPasswordAttempt,PasswordExpired,PasswordLastSet,AccountLockoutTime |
  Format-List Name,Enabled,LockedOut,AccountLockoutTime,BadLogonCount,LastBadPasswordAttempt,PasswordExpired,PasswordLastSet
Search-ADAccount -LockedOut | Select-Object SamAccountName, LastLogonDate
\`\`\`

\`BadLogonCount\` is per DC; the PDC emulator has the authoritative lockout state.`,
      next: 'ad-status',
    },
    {
      id: 'ad-status',
      kind: 'question',
      title: 'What does AD show?',
      options: [
        { label: 'Locked out', next: 'find-source' },
        { label: 'Password expired', next: 'reset-password' },
        { label: 'Account disabled', next: 'escalate-disabled' },
        { label: 'Not locked, enabled, password valid', next: 'check-entra-signins' },
      ],
    },
    {
      id: 'find-source',
      kind: 'action',
      title: 'Find the lockout source (event 4740)',
      body: `Lockouts are logged as event **4740** on the PDC emulator:

\`\`\`powershell
$pdc = (Get-ADDomain).PDCEmulator
Get-WinEvent -ComputerName $pdc -FilterHashtable @{LogName='Security'; Id=4740} -MaxEvents 50 |
  Where-Object { $_.Properties[0].Value -eq 'jsmith' } |
  Select-Object TimeCreated, @{n='CallerComputer'; e={$_.Properties[1].Value}}
\`\`\`

For more detail, check event **4625** (failed logon) on the caller computer, or **4771** (Kerberos pre-auth failed) on the DCs, for the source IP.`,
      next: 'source-question',
    },
    {
      id: 'source-question',
      kind: 'question',
      title: 'What is the Caller Computer Name?',
      options: [
        { label: "The user's own PC or laptop", next: 'clear-stale-creds' },
        { label: 'Another device: old laptop, RDS / terminal server, phone', next: 'clear-stale-creds' },
        { label: 'Exchange / ADFS / web server, or blank', next: 'check-external' },
      ],
    },
    {
      id: 'check-external',
      kind: 'question',
      title: 'Are the failures coming from outside the organisation?',
      body: `A blank caller or an Exchange/ADFS/RD Gateway server means the bad passwords come in through that service. Check its logs (IIS logs, ADFS event 411, RD Gateway events) for the source IPs, and the Entra sign-in logs if the service is federated.`,
      options: [
        { label: 'Yes, unknown IPs or countries (password guessing)', next: 'escalate-security' },
        { label: "No, it's the user's own phone mail app or device", next: 'clear-stale-creds' },
      ],
    },
    {
      id: 'clear-stale-creds',
      kind: 'action',
      title: 'Remove the stale saved password',
      body: `On the source device, look for anything still using the **old** password:

\`\`\`cmd
cmdkey /list
cmdkey /delete:TERMSRV/rds01.contoso.local
net use
\`\`\`

- Credential Manager entries, mapped drives with saved credentials, and Wi-Fi (802.1X) profiles
- Disconnected RDP sessions: \`quser /server:rds01\`, then \`logoff <id> /server:rds01\`
- Scheduled tasks or services running as the user: \`schtasks /query /v /fo list | findstr /i jsmith\`
- Phone mail / Wi-Fi profiles still using the old password`,
      next: 'unlock-account',
    },
    {
      id: 'unlock-account',
      kind: 'action',
      title: 'Unlock the account',
      body: `\`\`\`powershell
Unlock-ADAccount -Identity jsmith -Server (Get-ADDomain).PDCEmulator
\`\`\`

Ask the user to sign in with their current password, and to update it on their phone and any other devices.`,
      next: 'relock-check',
    },
    {
      id: 'relock-check',
      kind: 'question',
      title: 'Does the account stay unlocked, and can the user work?',
      body: `Check again after 30 minutes: \`Get-ADUser jsmith -Properties LockedOut\``,
      options: [
        { label: 'Stays unlocked and everything works', next: 'solved-unlocked' },
        { label: 'Stays unlocked, but Microsoft 365 keeps asking to sign in', next: 'link-mfa' },
        { label: 'Locks out again', next: 'escalate-account' },
      ],
    },
    {
      id: 'reset-password',
      kind: 'action',
      title: 'Reset the password',
      body: `\`\`\`powershell
Set-ADAccountPassword jsmith -Reset -NewPassword (Read-Host -AsSecureString 'Temporary password')
Set-ADUser jsmith -ChangePasswordAtLogon $true
Unlock-ADAccount jsmith
\`\`\`

- Give the temporary password to the user over the phone (never in the ticket or by email).
- Remote user on VPN: set \`-ChangePasswordAtLogon $false\` instead and have them change it once connected.
- Hybrid: sync it to Entra ID straight away on the Entra Connect server:

\`\`\`powershell
Start-ADSyncSyncCycle -PolicyType Delta
\`\`\``,
      next: 'm365-check',
    },
    {
      id: 'check-entra-signins',
      kind: 'question',
      title: 'What do the Entra ID sign-in logs show?',
      body: `**Entra admin centre > Users > user > Sign-in logs** (or **Monitoring & health > Sign-in logs**, filtered by user). Look at the error codes and the IP addresses / locations of the failures.`,
      options: [
        { label: '50053: locked by Smart Lockout', next: 'check-smart-lockout' },
        { label: '50126: invalid username or password', next: 'reset-entra-password' },
        { label: '50057: account disabled / sign-in blocked', next: 'escalate-disabled' },
        { label: 'MFA failures or an MFA prompt loop', next: 'link-mfa' },
      ],
    },
    {
      id: 'check-smart-lockout',
      kind: 'question',
      title: 'Where are the failed attempts coming from?',
      body: `Smart Lockout locks the account in Entra ID for 60 seconds (longer with each repeat) after 10 failures. It is separate from on-prem AD lockout. In the sign-in logs, check the IP addresses, locations and client apps of the failed attempts.`,
      options: [
        { label: 'Unknown IPs / countries, many attempts', next: 'escalate-security' },
        { label: "The user's own devices (old password saved)", next: 'reset-entra-password' },
      ],
    },
    {
      id: 'reset-entra-password',
      kind: 'action',
      title: 'Reset the Entra ID password',
      body: `**Microsoft 365 admin centre > Users > Active users > user > Reset password**: require a change at next sign-in. For a hybrid user, reset it in on-prem AD instead (see above).

Then **Entra admin centre > Users > user > Revoke sessions** so old tokens and saved passwords stop working, and have the user update their phone and other devices.

If the client has SSPR, remind the user of <https://aka.ms/sspr> for next time.`,
      next: 'm365-check',
    },
    {
      id: 'm365-check',
      kind: 'question',
      title: 'Can the user sign in to Microsoft 365 and Windows with the new password?',
      options: [
        { label: 'Yes', next: 'solved-password-reset' },
        { label: 'Microsoft 365 keeps prompting / MFA loops', next: 'link-mfa' },
        { label: 'No, the account locks again', next: 'escalate-account' },
      ],
    },
    {
      id: 'link-mfa',
      kind: 'link',
      title: 'Fix the Microsoft 365 sign-in loop',
      body: `The account is unlocked, but Office apps or the browser keep asking to sign in. Work through the MFA sign-in loop tree, then come back here.`,
      tree_id: MFA_SIGN_IN_LOOP_TREE_ID,
      next: 'm365-recheck',
    },
    {
      id: 'm365-recheck',
      kind: 'question',
      title: 'Is Microsoft 365 sign-in working now?',
      options: [
        { label: 'Yes', next: 'solved-unlocked' },
        { label: 'No', next: 'escalate-account' },
      ],
    },
    {
      id: 'solved-unlocked',
      kind: 'solution',
      title: 'Resolved: account unlocked, source removed',
      body: `Record the lockout source (device and what held the old password) and how the caller was verified.

**Tell the customer:** your account was locked because *device* kept trying an old password. We removed it and unlocked your account. When you change your password, update it on your phone and other devices straight away.`,
    },
    {
      id: 'solved-password-reset',
      kind: 'solution',
      title: 'Resolved: password reset',
      body: `Record how identity was verified and who approved the reset. Do not write the password in the ticket.

**Tell the customer:** your password has been reset and you can sign in again. Please change it to one only you know if you were asked to, and update it on your phone and other devices.`,
    },
    {
      id: 'escalate-disabled',
      kind: 'escalate',
      title: 'Escalate: account disabled',
      body: `A disabled account may be a leaver, a security hold or HR action. **Do not re-enable it** on the user's request.

Include: the account name, when and by whom it was disabled (\`Get-ADUser <user> -Properties whenChanged, Description\` or the Entra audit log), and the caller's verification. The escalation engineer will confirm with the client's authorised contact.`,
    },
    {
      id: 'escalate-security',
      kind: 'escalate',
      title: 'Escalate: suspected password attack',
      body: `Treat as a security incident. Include:

- Account(s) targeted and the time range
- Source IPs, countries and client apps from the sign-in logs / service logs, and the failure count
- Whether any attempt **succeeded** (check successful sign-ins from the same IPs)
- Whether the user has MFA registered

Recommend a password reset, session revoke and blocking the IPs / legacy authentication while it is investigated.`,
    },
    {
      id: 'escalate-account',
      kind: 'escalate',
      title: 'Escalate: repeated lockouts',
      body: `The account locks again after the obvious sources were cleared. Include:

- 4740 events (time + caller computer) from the PDC emulator, and 4625/4771 details with source IPs
- Devices and services already checked (credential manager, RDS sessions, phone, scheduled tasks)
- Entra sign-in log error codes for the same period
- Suggest running Microsoft's Account Lockout Status tool (\`LockoutStatus.exe\`) across all DCs`,
    },
  ],
};
