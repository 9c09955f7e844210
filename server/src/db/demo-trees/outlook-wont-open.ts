import type { DemoTree } from './types.ts';
import { MFA_SIGN_IN_LOOP_TREE_ID, OUTLOOK_WONT_OPEN_TREE_ID } from './ids.ts';

export const outlookWontOpen: DemoTree = {
  id: OUTLOOK_WONT_OPEN_TREE_ID,
  title: 'Outlook won\'t open or hangs at "Loading profile"',
  description: 'Get classic Outlook for Microsoft 365 opening again: add-ins, sign-in loops, service health, licensing, a corrupt profile or OST, and Office repair.',
  category: 'Email & Microsoft 365',
  tags: ['outlook', 'microsoft-365', 'exchange-online', 'profile', 'add-ins'],
  status: 'published',
  root_node_id: 'start',
  nodes: [
    {
      id: 'start',
      kind: 'question',
      title: 'What happens when the user starts Outlook?',
      body: `Ask the user to describe it, or watch it over a remote session. Check whether it is classic Outlook or the **new Outlook** (toggle top right); this tree is for classic Outlook.`,
      options: [
        { label: 'Hangs at "Loading profile" or "Processing"', next: 'kill-processes' },
        { label: 'An error appears, then Outlook closes', next: 'kill-processes' },
        { label: 'A sign-in / password window keeps coming back', next: 'link-mfa' },
      ],
    },
    {
      id: 'kill-processes',
      kind: 'action',
      title: 'Close every Outlook process',
      body: `A hidden \`OUTLOOK.EXE\` left behind (often from a Teams or PDF add-in) stops the next start.

\`\`\`powershell
Get-Process outlook, ucmapi -ErrorAction SilentlyContinue | Stop-Process -Force
\`\`\`

Also check Outlook is not still open in a disconnected RDP / AVD session for the same user.`,
      next: 'safe-mode',
    },
    {
      id: 'link-mfa',
      kind: 'link',
      title: 'Work through the Microsoft 365 sign-in loop',
      body: `Repeated sign-in prompts are an authentication problem, not an Outlook one. Fix the sign-in first, then come back here.`,
      tree_id: MFA_SIGN_IN_LOOP_TREE_ID,
      next: 'retest-after-signin',
    },
    {
      id: 'retest-after-signin',
      kind: 'question',
      title: 'Does Outlook open now that sign-in works?',
      options: [
        { label: 'Yes, mail is loading', next: 'solved-signin' },
        { label: 'No, it still hangs or errors', next: 'safe-mode' },
      ],
    },
    {
      id: 'safe-mode',
      kind: 'question',
      title: 'Does Outlook open in safe mode?',
      body: `Press **Win + R** and run:

\`\`\`cmd
outlook.exe /safe
\`\`\`

Choose the normal profile when asked. Safe mode loads Outlook without add-ins or customised toolbars.`,
      options: [
        { label: 'Yes, it opens in safe mode', next: 'disable-addins' },
        { label: 'No, it hangs in safe mode too', next: 'check-owa' },
      ],
    },
    {
      id: 'disable-addins',
      kind: 'action',
      title: 'Disable COM add-ins',
      body: `In safe mode: **File > Options > Add-ins > Manage: COM Add-ins > Go**. Untick every third-party add-in (PDF, CRM, e-signature, phone system, archiving, anti-virus), close Outlook and start it normally.

If it opens, turn the add-ins back on one at a time to find the culprit. Check **File > Options > Add-ins** for add-ins Outlook has disabled for being slow.

The Teams meeting add-in (\`TeamsAddin.FastConnect\`) is rarely the cause; leave it on unless the others are cleared.`,
      next: 'addins-fixed',
    },
    {
      id: 'addins-fixed',
      kind: 'question',
      title: 'Does Outlook open normally with add-ins disabled?',
      options: [
        { label: 'Yes', next: 'solved-addin' },
        { label: 'No', next: 'check-owa' },
      ],
    },
    {
      id: 'check-owa',
      kind: 'question',
      title: 'Can the user read mail in Outlook on the web?',
      body: `Ask the user to sign in at <https://outlook.office.com> in a private browser window.

This tells you whether the mailbox and account are healthy (desktop problem) or not (service or account problem).`,
      options: [
        { label: 'Yes, Outlook on the web works', next: 'reset-navpane' },
        { label: 'No, Outlook on the web fails too', next: 'check-service-health' },
      ],
    },
    {
      id: 'check-service-health',
      kind: 'question',
      title: 'Is there a Microsoft 365 incident for Exchange Online?',
      body: `**Microsoft 365 admin centre > Health > Service health**: check Exchange Online and Microsoft 365 suite for active incidents and advisories. Also check whether other users in the tenant have the same problem.`,
      options: [
        { label: 'Yes, there is a matching incident', next: 'solved-incident' },
        { label: 'No incident', next: 'check-licence' },
      ],
    },
    {
      id: 'check-licence',
      kind: 'question',
      title: 'Is the user licensed and is the mailbox active?',
      body: `**Microsoft 365 admin centre > Users > Active users > user > Licenses and apps**: check for a licence that includes Exchange Online (e.g. Business Standard / Premium, E3) and that sign-in is not blocked.

\`\`\`powershell
Connect-ExchangeOnline
Get-EXOMailbox user@contoso.com | Format-List DisplayName,RecipientTypeDetails,WhenChanged
Get-EXOMailboxStatistics user@contoso.com | Format-List TotalItemSize,ItemCount
\`\`\`

A mailbox near its quota (50 GB / 100 GB) can also cause errors.`,
      options: [
        { label: 'Licence missing, or sign-in blocked', next: 'assign-licence' },
        { label: 'Licensed and the mailbox looks fine', next: 'escalate-outlook' },
      ],
    },
    {
      id: 'assign-licence',
      kind: 'action',
      title: 'Assign the licence / unblock sign-in',
      body: `Check with the customer's authorised contact before assigning a paid licence.

- **Users > Active users > user > Licenses and apps**: tick the right licence and save.
- If sign-in is blocked, check why first (leaver? security incident?) before unblocking.

The mailbox can take up to 30 minutes to come back after a licence is assigned again. Then restart Outlook.`,
      next: 'solved-licence',
    },
    {
      id: 'reset-navpane',
      kind: 'action',
      title: 'Reset the navigation pane',
      body: `A corrupt navigation pane file can stop Outlook at "Loading profile". Close Outlook and run:

\`\`\`cmd
outlook.exe /resetnavpane
\`\`\`

This removes custom folder favourites, nothing else.`,
      next: 'navpane-fixed',
    },
    {
      id: 'navpane-fixed',
      kind: 'question',
      title: 'Does Outlook open now?',
      options: [
        { label: 'Yes', next: 'solved-navpane' },
        { label: 'No', next: 'check-ost' },
      ],
    },
    {
      id: 'check-ost',
      kind: 'action',
      title: 'Check the OST size and free disk space',
      body: `\`\`\`powershell
Get-ChildItem "$env:LOCALAPPDATA\\Microsoft\\Outlook" -Filter *.ost |
  Select-Object Name, @{n='GB'; e={[math]::Round($_.Length / 1GB, 1)}}, LastWriteTime
Get-PSDrive C | Select-Object Used, Free
\`\`\`

- Less than ~5 GB free on C: → free up space before rebuilding anything.
- A very large OST (> 50 GB) or one not written to for days → rebuild the profile with a smaller **Download email for the past** setting (e.g. 1 year).`,
      next: 'new-profile',
    },
    {
      id: 'new-profile',
      kind: 'action',
      title: 'Create a new Outlook profile',
      body: `1. Close Outlook. Open **Control Panel > Mail (Microsoft Outlook) > Show Profiles > Add**, name it \`Outlook-New\`, and sign in with the user's address.
2. Select **Always use this profile** > \`Outlook-New\`.
3. Start Outlook and let it sync. Keep the old profile for now (shared mailboxes and PSTs may need adding back).

If Autodiscover fails, hold **Ctrl** and right-click the Outlook tray icon > **Test Email AutoConfiguration**, and check DNS:

\`\`\`powershell
Resolve-DnsName autodiscover.contoso.com -Type CNAME
\`\`\``,
      next: 'new-profile-works',
    },
    {
      id: 'new-profile-works',
      kind: 'question',
      title: 'Does Outlook open with the new profile?',
      options: [
        { label: 'Yes, mail is syncing', next: 'solved-new-profile' },
        { label: 'No, it hangs again', next: 'repair-office' },
      ],
    },
    {
      id: 'repair-office',
      kind: 'action',
      title: 'Repair Microsoft 365 Apps',
      body: `**Settings > Apps > Installed apps > Microsoft 365 Apps > Modify**:

1. **Quick Repair** (offline, a few minutes). Test Outlook.
2. If that fails, **Online Repair** (reinstalls Office; needs 30–60 min and a good connection; tell the user first).

Also bring Office up to date:

\`\`\`cmd
"C:\\Program Files\\Common Files\\microsoft shared\\ClickToRun\\OfficeC2RClient.exe" /update user
\`\`\``,
      next: 'repair-fixed',
    },
    {
      id: 'repair-fixed',
      kind: 'question',
      title: 'Does Outlook open after the repair?',
      options: [
        { label: 'Yes', next: 'solved-repair' },
        { label: 'No', next: 'escalate-outlook' },
      ],
    },
    {
      id: 'solved-signin',
      kind: 'solution',
      title: 'Resolved: sign-in fixed, Outlook opens',
      body: `**Tell the customer:** Outlook could not sign in to Microsoft 365, which made it stop while loading. Sign-in is fixed and your mail is loading again. If you get more sign-in prompts, call us straight away rather than cancelling them.`,
    },
    {
      id: 'solved-addin',
      kind: 'solution',
      title: 'Resolved: faulty add-in disabled',
      body: `Record which add-in caused it and its version. If it is a business add-in (CRM, DMS), raise it with the vendor or update it across the client.

**Tell the customer:** an Outlook add-in (*name*) was stopping Outlook from starting. We have turned it off. Outlook works normally; *feature X* is unavailable until it is updated.`,
    },
    {
      id: 'solved-incident',
      kind: 'solution',
      title: 'Known Microsoft 365 incident',
      body: `Record the incident ID (e.g. \`EX123456\`) in the ticket and link any other tickets for the same client.

**Tell the customer:** Microsoft has a service problem with Exchange Online (*incident ID*). It is not your PC. Microsoft is working on it; we will watch the incident and update you when it is fixed. Outlook on the web or the phone app may work in the meantime.`,
    },
    {
      id: 'solved-licence',
      kind: 'solution',
      title: 'Resolved: licence / sign-in restored',
      body: `Record who approved the licence change.

**Tell the customer:** your account had lost its Microsoft 365 mailbox licence. It has been put back and Outlook works again. No mail was lost.`,
    },
    {
      id: 'solved-navpane',
      kind: 'solution',
      title: 'Resolved: navigation pane reset',
      body: `**Tell the customer:** a damaged Outlook settings file stopped it opening. We reset it and Outlook works. You may need to pin your favourite folders again.`,
    },
    {
      id: 'solved-new-profile',
      kind: 'solution',
      title: 'Resolved: Outlook profile rebuilt',
      body: `Check shared mailboxes, calendars and any PST files are back, and signatures (\`%APPDATA%\\Microsoft\\Signatures\`) still show. Delete the old profile after a week.

**Tell the customer:** your Outlook profile was damaged. We built a new one; your mail is downloading again and may take a while to fully appear. Nothing is lost; it is all stored in Microsoft 365.`,
    },
    {
      id: 'solved-repair',
      kind: 'solution',
      title: 'Resolved: Office repaired',
      body: `Record whether Quick or Online Repair fixed it and the Office build number (**File > Office Account**).

**Tell the customer:** part of the Office installation was damaged. We repaired it and Outlook opens normally again.`,
    },
    {
      id: 'escalate-outlook',
      kind: 'escalate',
      title: 'Escalate: Outlook still will not open',
      body: `Include:

- User, mailbox, Office build and channel (**File > Office Account** or \`reg query HKLM\\SOFTWARE\\Microsoft\\Office\\ClickToRun\\Configuration /v VersionToReport\`)
- Whether Outlook on the web works
- Results of safe mode, add-ins, new profile and repair
- Mailbox size from \`Get-EXOMailboxStatistics\`
- Application event log errors for \`OUTLOOK.EXE\` (event IDs 1000 / 1002)
- Output of the **Get Help** app's Outlook diagnostics (replaces SaRA), if you ran it`,
    },
  ],
};
