import type { DemoTree } from './types.ts';
import { MAPPED_DRIVE_MISSING_TREE_ID, MFA_SIGN_IN_LOOP_TREE_ID, NEW_STARTER_LAPTOP_TREE_ID } from './ids.ts';

export const newStarterLaptop: DemoTree = {
  id: NEW_STARTER_LAPTOP_TREE_ID,
  title: 'New-starter laptop setup (Autopilot/Intune or manual)',
  description: "Get a new starter's laptop ready for day one, through Windows Autopilot and Intune or a manual on-premises domain join. Covers registration, the Enrollment Status Page, compliance checks and handover.",
  category: 'Onboarding',
  tags: ['onboarding', 'autopilot', 'intune', 'new-starter', 'laptop'],
  status: 'published',
  root_node_id: 'check-account-ready',
  nodes: [
    {
      id: 'check-account-ready',
      kind: 'action',
      title: "Check the user's account is ready",
      body: `Before touching the laptop, confirm from the onboarding ticket:

- The account exists and is licensed (e.g. Microsoft 365 Business Premium / E3 + Intune)
- It is in the right groups (department, app assignment, drive-map and licence groups)
- A **Temporary Access Pass** is ready for passwordless MFA registration on day one

\`\`\`powershell
Connect-MgGraph -Scopes User.Read.All
Get-MgUserLicenseDetail -UserId new.starter@contoso.com | Select-Object SkuPartNumber
\`\`\``,
      next: 'deployment-type',
    },
    {
      id: 'deployment-type',
      kind: 'question',
      title: 'How are devices deployed for this client?',
      body: `Check the client documentation.`,
      options: [
        { label: 'Windows Autopilot + Intune', next: 'check-autopilot-reg' },
        { label: 'Manual build, on-premises domain join', next: 'manual-setup' },
      ],
    },
    {
      id: 'check-autopilot-reg',
      kind: 'question',
      title: 'Is the laptop registered in Autopilot with a profile assigned?',
      body: `Get the serial number from the box/label, or in OOBE press **Shift+F10** and run:

\`\`\`cmd
wmic bios get serialnumber
\`\`\`

**Intune admin centre > Devices > Enrollment > Windows > Windows Autopilot > Devices**: search the serial and check **Profile status**.`,
      options: [
        { label: 'Registered, profile status Assigned', next: 'run-oobe' },
        { label: 'Not listed', next: 'register-hash' },
        { label: 'Listed, but no profile assigned', next: 'assign-profile' },
      ],
    },
    {
      id: 'register-hash',
      kind: 'action',
      title: 'Register the hardware hash',
      body: `Ideally the reseller registers devices at purchase. Otherwise, in OOBE press **Shift+F10**:

\`\`\`cmd
powershell -ExecutionPolicy Bypass
\`\`\`

\`\`\`powershell
Install-Script Get-WindowsAutopilotInfo -Force
Get-WindowsAutopilotInfo -Online -GroupTag 'Standard'
\`\`\`

Sign in with an Intune admin account when asked. Import takes 5–15 minutes.`,
      next: 'assign-profile',
    },
    {
      id: 'assign-profile',
      kind: 'action',
      title: 'Get the deployment profile assigned',
      body: `Profiles are normally assigned through a dynamic device group, e.g.:

\`\`\`text
(device.devicePhysicalIds -any (_ -eq "[OrderID]:Standard"))
\`\`\`

- Check the group tag on the Autopilot device matches the group rule.
- Wait until **Profile status** is *Assigned* (can take 15+ minutes), then restart the laptop at the OOBE screen.`,
      next: 'run-oobe',
    },
    {
      id: 'run-oobe',
      kind: 'action',
      title: 'Run the Autopilot out-of-box experience',
      body: `- Connect to a wired network or the office Wi-Fi (not a guest network with a login page).
- If the laptop is already past OOBE, reset it: **Settings > System > Recovery > Reset this PC > Remove everything**.
- The company branding should appear on the sign-in page. Sign in with the new starter's account (or use pre-provisioning: press the Windows key 5 times at the first OOBE screen).
- Watch the **Enrollment Status Page** (device setup, then account setup).`,
      next: 'esp-result',
    },
    {
      id: 'esp-result',
      kind: 'question',
      title: 'How did the Enrollment Status Page finish?',
      options: [
        { label: 'Completed, desktop reached', next: 'verify-device' },
        { label: 'Failed or timed out while installing apps', next: 'esp-apps' },
        { label: 'Error 80180014 or 801c03ed', next: 'fix-enrollment-error' },
      ],
    },
    {
      id: 'fix-enrollment-error',
      kind: 'action',
      title: 'Fix the enrollment error',
      body: `- **80180014**: the device is blocked by enrollment restrictions, or was deleted from Intune and is re-enrolling. Check **Devices > Enrollment > Device platform restrictions** (personally owned Windows blocked?) and unblock the device under **Devices > Windows > Windows enrollment > Devices**.
- **801c03ed**: the Entra device object was deleted, or the user may not join devices. Check **Entra admin centre > Devices > Device settings > Users may join devices to Microsoft Entra**. If the object was deleted, remove the Autopilot registration, re-import the hash and reassign the profile.

Then reset the laptop and start OOBE again.`,
      next: 'retry-enrollment',
    },
    {
      id: 'retry-enrollment',
      kind: 'question',
      title: 'Did enrollment succeed on retry?',
      options: [
        { label: 'Yes', next: 'verify-device' },
        { label: 'No, the same error', next: 'escalate-intune' },
      ],
    },
    {
      id: 'esp-apps',
      kind: 'action',
      title: 'Find the app that blocked the ESP',
      body: `Press **Shift+F10** on the error screen (or **Collect logs** to USB):

\`\`\`cmd
mdmdiagnosticstool.exe -area Autopilot;DeviceEnrollment;DeviceProvisioning -cab C:\\Temp\\autopilot.cab
\`\`\`

\`\`\`powershell
Get-Content 'C:\\ProgramData\\Microsoft\\IntuneManagementExtension\\Logs\\IntuneManagementExtension.log' -Tail 200
\`\`\`

- **Intune admin centre > Apps > Windows > app > Device install status**: find the failing app.
- Common causes: a Win32 app detection rule that never matches, an app needing a restart, or mixing Win32 and LOB MSI installs.
- Remove the app from the ESP **blocking apps** list if it is not needed on day one, then retry.`,
      next: 'esp-retry',
    },
    {
      id: 'esp-retry',
      kind: 'question',
      title: 'Did the ESP complete after the fix?',
      options: [
        { label: 'Yes', next: 'verify-device' },
        { label: 'No', next: 'escalate-intune' },
      ],
    },
    {
      id: 'verify-device',
      kind: 'action',
      title: 'Verify the device before handover',
      body: `Signed in as the user:

\`\`\`cmd
dsregcmd /status
\`\`\`

\`\`\`powershell
Get-BitLockerVolume -MountPoint C: | Select-Object VolumeStatus, ProtectionStatus, EncryptionPercentage
\`\`\`

Check:
- \`AzureAdJoined : YES\` and \`AzureAdPrt : YES\`
- **Company Portal > Devices**: the laptop shows *Can access company resources*
- BitLocker is on and its key is stored in Entra ID
- Outlook, Teams and OneDrive sign in; Known Folder Move is on
- Windows Update has finished; required apps and printers are installed`,
      next: 'checks-ok',
    },
    {
      id: 'checks-ok',
      kind: 'question',
      title: 'Do all checks pass?',
      options: [
        { label: 'Yes, everything passes', next: 'handover' },
        { label: 'Device is not compliant', next: 'fix-compliance' },
        { label: 'Microsoft 365 apps keep asking to sign in', next: 'link-mfa' },
      ],
    },
    {
      id: 'fix-compliance',
      kind: 'action',
      title: 'Make the device compliant',
      body: `**Intune admin centre > Devices > All devices > device > Device compliance**: see which setting fails.

- BitLocker/Secure Boot: restart once encryption finishes; check TPM is on in the BIOS (\`Get-Tpm\`).
- OS version: install pending updates.
- Defender: update signatures (\`Update-MpSignature\`).

Then sync: **Settings > Accounts > Access work or school > account > Info > Sync**, and wait up to 30 minutes.`,
      next: 'checks-ok',
    },
    {
      id: 'link-mfa',
      kind: 'link',
      title: 'Fix the Microsoft 365 sign-in loop',
      body: `Work through the MFA sign-in loop tree, then come back to finish the checks.`,
      tree_id: MFA_SIGN_IN_LOOP_TREE_ID,
      next: 'checks-ok',
    },
    {
      id: 'handover',
      kind: 'action',
      title: 'Hand over to the new starter',
      body: `With the user (in person or on a call):

- Sign in, set up **Windows Hello for Business** (PIN / fingerprint / face)
- Register **Microsoft Authenticator** with the Temporary Access Pass at <https://aka.ms/mysecurityinfo>
- Show OneDrive, Teams, printers, and how to raise a ticket
- Record the asset (serial, user, date) in the PSA / documentation platform`,
      next: 'solved-autopilot',
    },
    {
      id: 'manual-setup',
      kind: 'action',
      title: 'Build the laptop manually',
      body: `Signed in as local admin:

\`\`\`powershell
Rename-Computer -NewName 'CON-LT-0123' -Restart
Add-Computer -DomainName contoso.local -OUPath 'OU=Laptops,OU=Computers,OU=Contoso,DC=contoso,DC=local' -Credential (Get-Credential) -Restart
\`\`\`

Then:
- Install the RMM agent and antivirus/EDR, and Microsoft 365 Apps (ODT: \`setup.exe /configure configuration.xml\`)
- Install all Windows updates and OEM driver/BIOS updates
- Turn on BitLocker and back the key up to AD:

\`\`\`powershell
Enable-BitLocker -MountPoint C: -EncryptionMethod XtsAes256 -RecoveryPasswordProtector
$kp = (Get-BitLockerVolume C:).KeyProtector | Where-Object KeyProtectorType -eq 'RecoveryPassword'
Backup-BitLockerKeyProtector -MountPoint C: -KeyProtectorId $kp.KeyProtectorId
\`\`\``,
      next: 'manual-verify',
    },
    {
      id: 'manual-verify',
      kind: 'question',
      title: 'Does the user sign in and get their drives, printers and policies?',
      body: `Signed in as the new starter, on the office network:

\`\`\`cmd
gpresult /r
net use
\`\`\``,
      options: [
        { label: 'Yes, everything is there', next: 'solved-manual' },
        { label: 'The domain join failed', next: 'domain-join-fail' },
        { label: 'Mapped drives are missing', next: 'link-mapped-drive' },
        { label: 'Other problems', next: 'escalate-onboarding' },
      ],
    },
    {
      id: 'domain-join-fail',
      kind: 'action',
      title: 'Fix the domain join',
      body: `\`\`\`cmd
ipconfig /all
nltest /dsgetdc:contoso.local
w32tm /query /status
\`\`\`

- DNS must point at the domain controllers, not the router.
- The clock must be within 5 minutes of the DCs.
- The account used must be allowed to join computers, and a computer object with the same name must not exist (or must be reset).`,
      next: 'manual-verify',
    },
    {
      id: 'link-mapped-drive',
      kind: 'link',
      title: 'Troubleshoot the missing drives',
      body: `Work through the mapped drive tree, then come back to finish the checks.`,
      tree_id: MAPPED_DRIVE_MISSING_TREE_ID,
      next: 'manual-verify',
    },
    {
      id: 'solved-autopilot',
      kind: 'solution',
      title: 'Done: Autopilot laptop handed over',
      body: `Close the onboarding task with the serial number, device name, and confirmation that the device is compliant and BitLocker's key is stored.

**Tell the customer:** *Name*'s laptop is set up and handed over. It is managed and encrypted, and all their apps and files are ready.`,
    },
    {
      id: 'solved-manual',
      kind: 'solution',
      title: 'Done: manually built laptop handed over',
      body: `Record the device name, OU, serial number and BitLocker key location in the documentation.

**Tell the customer:** *Name*'s laptop is joined to the network and set up with their drives, printers and apps. They are ready to start.`,
    },
    {
      id: 'escalate-intune',
      kind: 'escalate',
      title: 'Escalate: Autopilot / Intune deployment failure',
      body: `Include:

- Serial number, model, group tag and the Autopilot profile assigned
- The error code and a photo of the ESP screen
- The \`mdmdiagnosticstool\` CAB and \`IntuneManagementExtension.log\`
- Which app or policy was failing, and what you already tried (reset, re-import, restriction check)
- The new starter's start date, so it can be prioritised`,
    },
    {
      id: 'escalate-onboarding',
      kind: 'escalate',
      title: 'Escalate: manual build problem',
      body: `Include:

- Device name, serial, OU, and what is missing or failing
- \`gpresult /h\` report, \`nltest /dsgetdc\` output and \`ipconfig /all\`
- The new starter's start date and whether a loan laptop is needed`,
    },
  ],
};
