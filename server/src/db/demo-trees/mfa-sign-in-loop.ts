import type { DemoTree } from './types.ts';
import { MFA_SIGN_IN_LOOP_TREE_ID } from './ids.ts';

export const mfaSignInLoop: DemoTree = {
  id: MFA_SIGN_IN_LOOP_TREE_ID,
  title: 'Microsoft 365 MFA sign-in loop',
  description: 'The user approves MFA but gets sent back to sign in, Office apps keep asking for a password, or the MFA prompt never arrives. Covers tokens, cached credentials, the Authenticator app, Conditional Access and compliance.',
  category: 'Email & Microsoft 365',
  tags: ['mfa', 'entra-id', 'microsoft-365', 'authenticator', 'conditional-access'],
  status: 'published',
  root_node_id: 'start',
  nodes: [
    {
      id: 'start',
      kind: 'question',
      title: 'Where does the loop happen?',
      body: `Get a screenshot or screen recording of the loop, and check whether it affects one app, all Office apps, or the browser.`,
      options: [
        { label: 'Desktop apps (Outlook, Teams, OneDrive) keep asking to sign in', next: 'check-time' },
        { label: 'Browser: sign in, approve MFA, back to the sign-in page', next: 'browser-clean' },
        { label: 'The MFA prompt never arrives on the phone', next: 'check-authenticator' },
      ],
    },
    {
      id: 'check-time',
      kind: 'action',
      title: 'Check the PC clock',
      body: `Tokens are rejected if the clock is more than a few minutes out.

\`\`\`cmd
w32tm /query /status
w32tm /resync /force
\`\`\`

Check the time zone is right too (**Settings > Time & language > Date & time**).`,
      next: 'check-join',
    },
    {
      id: 'check-join',
      kind: 'question',
      title: 'What does dsregcmd show about the device and the token?',
      body: `Run as the affected user (not elevated):

\`\`\`cmd
dsregcmd /status
\`\`\`

Look at:
- **Device State**: \`AzureAdJoined\`, \`DomainJoined\` (both YES = hybrid)
- **SSO State**: \`AzureAdPrt : YES\` and a recent \`AzureAdPrtUpdateTime\`
- **Diagnostic Data**: any \`AttemptStatus\`/\`Error\` values
- Personal / BYOD device: the account under **Settings > Accounts > Access work or school**`,
      options: [
        { label: 'AzureAdPrt : YES and the device looks healthy', next: 'clear-creds' },
        { label: 'AzureAdPrt : NO, or errors shown', next: 'fix-prt' },
      ],
    },
    {
      id: 'fix-prt',
      kind: 'action',
      title: 'Refresh the Primary Refresh Token',
      body: `1. Make sure the device can reach \`login.microsoftonline.com\` (no proxy or SSL inspection blocking it).
2. Lock the PC and unlock with the user's **password** (not the PIN); this forces a new PRT.
3. If that fails, sign out and back in.
4. For a registered (BYOD) device, remove and re-add the account in **Access work or school**.

Hybrid-joined devices that show \`DeviceAuthStatus : FAILED. Device is either disabled or deleted\` need the device object fixed in Entra ID; escalate instead of re-joining.`,
      next: 'prt-ok',
    },
    {
      id: 'prt-ok',
      kind: 'question',
      title: 'Does dsregcmd /status now show AzureAdPrt : YES?',
      options: [
        { label: 'Yes', next: 'clear-creds' },
        { label: 'No', next: 'escalate-identity' },
      ],
    },
    {
      id: 'clear-creds',
      kind: 'action',
      title: 'Clear cached Office credentials',
      body: `Close all Office apps, Teams and OneDrive, then:

1. **Credential Manager > Windows Credentials**: remove entries starting \`MicrosoftOffice16_Data:\` and \`msteams\`.

\`\`\`cmd
cmdkey /list | findstr /i "MicrosoftOffice msteams"
\`\`\`

2. Remove the Office identity caches (as the user):

\`\`\`powershell
Remove-Item "$env:LOCALAPPDATA\\Microsoft\\IdentityCache" -Recurse -Force -ErrorAction SilentlyContinue
Remove-Item "$env:LOCALAPPDATA\\Microsoft\\OneAuth" -Recurse -Force -ErrorAction SilentlyContinue
\`\`\`

3. In any Office app, **File > Account**: sign out of stale accounts (old tenant, personal account).
4. Restart the PC and sign in once in Word or Outlook.`,
      next: 'retest',
    },
    {
      id: 'browser-clean',
      kind: 'action',
      title: 'Rule out the browser',
      body: `- Try an **InPrivate / Incognito** window and a different browser.
- Clear cookies for \`login.microsoftonline.com\` and \`login.live.com\`.
- Check that third-party cookies are not blocked for \`*.microsoftonline.com\`, and that no ad blocker or privacy extension is running.
- Check the user is not signed in to two accounts or tenants (personal and work, or a guest tenant); use **Sign out everywhere** on the account picker.`,
      next: 'browser-works',
    },
    {
      id: 'browser-works',
      kind: 'question',
      title: 'Does sign-in work in a private window?',
      options: [
        { label: 'Yes', next: 'solved-browser-cache' },
        { label: 'No, it loops there too', next: 'check-signin-logs' },
      ],
    },
    {
      id: 'check-authenticator',
      kind: 'question',
      title: "Which device is the user's MFA on?",
      body: `**Entra admin centre > Users > user > Authentication methods**: check which methods and devices are registered and when.`,
      options: [
        { label: 'New or replaced phone (the old one had the Authenticator app)', next: 'reregister-mfa' },
        { label: 'Same phone, but notifications do not arrive', next: 'fix-notifications' },
      ],
    },
    {
      id: 'fix-notifications',
      kind: 'action',
      title: 'Fix Authenticator notifications',
      body: `On the phone:

- Open the **Microsoft Authenticator** app; pending requests often only appear once it is open.
- Allow notifications for Authenticator; turn off battery optimisation / Low Power Mode for it.
- Set the phone's date and time to automatic.
- As a workaround, choose **Use a verification code** on the sign-in page and enter the 6-digit code from the app.`,
      next: 'retest',
    },
    {
      id: 'reregister-mfa',
      kind: 'action',
      title: 'Reset MFA and register the new phone',
      body: `After verifying the user's identity (call back on a known number):

1. **Entra admin centre > Users > user > Authentication methods**: delete the old Microsoft Authenticator entry, or choose **Require re-register multifactor authentication**.
2. Issue a **Temporary Access Pass** (1 hour, one-time use) under **Add authentication method**.
3. The user signs in at <https://aka.ms/mysecurityinfo> with the TAP and adds Authenticator on the new phone.`,
      next: 'retest',
    },
    {
      id: 'check-signin-logs',
      kind: 'question',
      title: 'What do the Entra sign-in logs show?',
      body: `**Entra admin centre > Monitoring & health > Sign-in logs**: filter by the user and the last hour. Open the failed or interrupted entries and check **Basic info > Sign-in error code** and the **Conditional Access** tab.

\`\`\`powershell
Connect-MgGraph -Scopes AuditLog.Read.All
Get-MgAuditLogSignIn -Filter "userPrincipalName eq 'user@contoso.com'" -Top 20 |
  Select-Object CreatedDateTime, AppDisplayName, @{n='Error'; e={$_.Status.ErrorCode}}, @{n='Reason'; e={$_.Status.FailureReason}}
\`\`\``,
      options: [
        { label: '53000 / 53003: device not compliant or blocked by Conditional Access', next: 'check-compliance' },
        { label: '50074 / 50076 / 500121: MFA required again and again or interrupted', next: 'revoke-sessions' },
        { label: '50126 / 50053: wrong password or account locked', next: 'reset-password' },
        { label: 'No clear failure, or something else', next: 'escalate-identity' },
      ],
    },
    {
      id: 'check-compliance',
      kind: 'action',
      title: 'Fix device compliance',
      body: `**Intune admin centre > Devices > All devices > device > Device compliance**: see which setting fails (BitLocker, OS version, Defender, password).

- Fix the failing setting (e.g. install updates, finish BitLocker encryption).
- Sync: **Settings > Accounts > Access work or school > account > Info > Sync**, or **Company Portal > Settings > Sync**.
- Compliance can take up to 30 minutes to update in Entra ID.

If the device is not enrolled in Intune at all, that is why it fails a *require compliant device* policy; enrol it or escalate.`,
      next: 'retest',
    },
    {
      id: 'revoke-sessions',
      kind: 'action',
      title: 'Revoke sessions and clear tokens',
      body: `Revoke the user's refresh tokens so every app gets a fresh sign-in:

\`\`\`powershell
Connect-MgGraph -Scopes User.ReadWrite.All
Revoke-MgUserSignInSession -UserId user@contoso.com
\`\`\`

Or **Entra admin centre > Users > user > Revoke sessions**. Then clear the cached credentials on the PC.`,
      next: 'clear-creds',
    },
    {
      id: 'reset-password',
      kind: 'action',
      title: 'Reset the password',
      body: `After verifying identity, reset the password (**Microsoft 365 admin centre > Users > Active users > Reset password**) and check the account is not blocked.

For a synced (hybrid) user, reset it in on-prem AD and run a delta sync on the Entra Connect server:

\`\`\`powershell
Start-ADSyncSyncCycle -PolicyType Delta
\`\`\`

Repeated 50053 errors from unknown IP addresses mean someone is guessing the password; escalate as a security issue.`,
      next: 'retest',
    },
    {
      id: 'retest',
      kind: 'question',
      title: 'Can the user sign in without looping now?',
      body: `Test in the app that was failing, and one other (e.g. Outlook and <https://portal.office.com>).`,
      options: [
        { label: 'Yes, sign-in works', next: 'solved-signin' },
        { label: 'No, still looping', next: 'check-signin-logs' },
      ],
    },
    {
      id: 'solved-signin',
      kind: 'solution',
      title: 'Resolved: sign-in loop fixed',
      body: `Record the cause (clock, PRT, cached credentials, Authenticator, compliance, password) and the sign-in error code if there was one.

**Tell the customer:** Microsoft 365 could not confirm your sign-in, which caused the repeated prompts. This is fixed and you are signed in. Only approve MFA prompts you have just started yourself; if one appears out of the blue, deny it and call us.`,
    },
    {
      id: 'solved-browser-cache',
      kind: 'solution',
      title: 'Resolved: browser cookies / extensions',
      body: `Note which browser and extension (if any) caused it.

**Tell the customer:** old sign-in data saved in your browser caused the loop. We cleared it and you can sign in again. If you use a personal Microsoft account as well, use a separate browser profile for it.`,
    },
    {
      id: 'escalate-identity',
      kind: 'escalate',
      title: 'Escalate: Entra ID / Conditional Access problem',
      body: `Include:

- UPN, device name, and join type from \`dsregcmd /status\` (attach the full output)
- Sign-in log **Request IDs** and **Correlation IDs** of failed attempts, with error codes
- Conditional Access policies that applied (from the sign-in log **Conditional Access** tab)
- What you already tried: clock, PRT refresh, credential cleanup, session revoke, MFA reset
- Whether other users in the tenant are affected (possible policy change)`,
    },
  ],
};
