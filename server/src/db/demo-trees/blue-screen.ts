import type { DemoTree } from './types.ts';
import { BLUE_SCREEN_TREE_ID } from './ids.ts';

export const blueScreen: DemoTree = {
  id: BLUE_SCREEN_TREE_ID,
  title: 'Blue screen (BSOD)',
  description: 'Diagnose Windows stop errors from the bugcheck code and minidumps: drivers, memory, system files and failed updates. Includes recovery when the PC crashes on every boot.',
  category: 'Windows',
  tags: ['bsod', 'bugcheck', 'crash', 'windows', 'drivers'],
  status: 'published',
  root_node_id: 'start',
  nodes: [
    {
      id: 'start',
      kind: 'question',
      title: 'Can Windows still reach the desktop?',
      body: `Ask the user for a photo of the blue screen (stop code and "What failed" line) and how often it happens.`,
      options: [
        { label: 'Yes, it crashes now and then', next: 'get-bugcheck' },
        { label: 'No, it blue-screens on every boot', next: 'winre' },
      ],
    },
    {
      id: 'winre',
      kind: 'action',
      title: 'Boot into the recovery environment',
      body: `1. Interrupt the boot three times (hold the power button as the Windows logo appears) to reach **Automatic Repair > Advanced options**.
2. If asked for a **BitLocker recovery key**: Entra admin centre > Devices > device > **BitLocker keys**, or AD: computer object > **BitLocker Recovery** tab, or the client's documentation.
3. Try in order:
   - **Troubleshoot > Advanced options > Uninstall Updates > Uninstall latest quality update**
   - **Startup Settings > Restart > 4 (Safe Mode)**`,
      next: 'recovery-result',
    },
    {
      id: 'recovery-result',
      kind: 'question',
      title: 'What worked?',
      options: [
        { label: 'It boots normally after removing the latest update', next: 'pause-updates' },
        { label: 'It boots in Safe Mode only', next: 'get-bugcheck' },
        { label: 'Neither; it still crashes', next: 'escalate-hardware' },
      ],
    },
    {
      id: 'pause-updates',
      kind: 'action',
      title: 'Pause the update and report it',
      body: `- Pause updates on this device (Intune: **Windows Update rings > Pause**, or your RMM patch policy) so the update does not reinstall tonight.
- Note the KB number: \`Get-HotFix | Sort-Object InstalledOn -Descending | Select-Object -First 5\`.
- Check whether other devices on the same model / driver got the same update, and tell the patch-management owner.`,
      next: 'solved-update-rollback',
    },
    {
      id: 'get-bugcheck',
      kind: 'action',
      title: 'Find the bugcheck code',
      body: `\`\`\`powershell
Get-WinEvent -FilterHashtable @{LogName='System'; Id=1001; ProviderName='Microsoft-Windows-WER-SystemErrorReporting'} -MaxEvents 5 |
  Format-List TimeCreated, Message
Get-WinEvent -FilterHashtable @{LogName='System'; Id=41} -MaxEvents 5 | Format-List TimeCreated, Message
Get-ChildItem C:\\Windows\\Minidump | Sort-Object LastWriteTime -Descending
\`\`\`

Event 1001 gives the bugcheck code (e.g. \`0x000000d1\`). Event 41 (Kernel-Power) with **BugcheckCode 0** means a power loss or hard hang, not a BSOD.`,
      next: 'bugcheck-code',
    },
    {
      id: 'bugcheck-code',
      kind: 'question',
      title: 'Which stop code is it?',
      options: [
        { label: 'DRIVER_IRQL_NOT_LESS_OR_EQUAL (0xD1), IRQL_NOT_LESS_OR_EQUAL (0xA), DPC_WATCHDOG_VIOLATION (0x133), VIDEO_TDR_FAILURE (0x116)', next: 'identify-driver' },
        { label: 'MEMORY_MANAGEMENT (0x1A), PAGE_FAULT_IN_NONPAGED_AREA (0x50)', next: 'test-memory' },
        { label: 'CRITICAL_PROCESS_DIED (0xEF), SYSTEM_SERVICE_EXCEPTION (0x3B)', next: 'system-files' },
        { label: 'WHEA_UNCORRECTABLE_ERROR (0x124)', next: 'escalate-hardware' },
        { label: 'Event 41 only, no bugcheck (power loss / hang)', next: 'escalate-hardware' },
      ],
    },
    {
      id: 'identify-driver',
      kind: 'action',
      title: 'Find the faulting driver',
      body: `Open the latest minidump in **WinDbg** (Microsoft Store) and run:

\`\`\`text
!analyze -v
\`\`\`

Note \`MODULE_NAME\`, \`IMAGE_NAME\` and \`PROCESS_NAME\`. Then find the driver and its version:

\`\`\`powershell
driverquery /v /fo csv | ConvertFrom-Csv | Where-Object 'Module Name' -like 'nvlddmkm*'
Get-CimInstance Win32_PnPSignedDriver | Where-Object DriverName -like '*nvlddmkm*' |
  Select-Object DeviceName, DriverVersion, DriverDate
\`\`\``,
      next: 'driver-known',
    },
    {
      id: 'driver-known',
      kind: 'question',
      title: 'Does the dump name a third-party driver?',
      body: `Common culprits: GPU (\`nvlddmkm.sys\`, \`igdkmd64.sys\`, \`atikmdag.sys\`), Wi-Fi/NIC (\`Netwtw*.sys\`, \`rt640x64.sys\`), dock/DisplayLink, antivirus/EDR filter drivers, VPN adapters.`,
      options: [
        { label: 'Yes, a named third-party driver', next: 'update-driver' },
        { label: 'No, only ntoskrnl.exe / a Windows component', next: 'test-memory' },
      ],
    },
    {
      id: 'update-driver',
      kind: 'action',
      title: 'Update or roll back the driver',
      body: `- Installed or updated recently? Roll it back: **Device Manager > device > Driver > Roll Back Driver**.
- Otherwise install the current OEM-approved version (Dell Command Update, Lenovo System Update, HP Image Assistant), and update BIOS and dock firmware at the same time.
- Security/EDR filter drivers: do not remove them; check the vendor's known issues and raise it with them.

List third-party driver packages:

\`\`\`cmd
pnputil /enum-drivers
\`\`\``,
      next: 'monitor',
    },
    {
      id: 'test-memory',
      kind: 'action',
      title: 'Test memory and hardware',
      body: `- Windows Memory Diagnostic: \`mdsched.exe\` > *Restart now and check for problems*. Read the result afterwards in **Event Viewer > System**, source *MemoryDiagnostics-Results*.
- Better: the OEM's pre-boot diagnostics (Dell **F12 > Diagnostics**, Lenovo **F10**, HP **F2**), which also test the disk and motherboard.
- Check the storage: \`Get-PhysicalDisk | Format-Table FriendlyName, HealthStatus\`.`,
      next: 'memory-result',
    },
    {
      id: 'memory-result',
      kind: 'question',
      title: 'Did the diagnostics report any errors?',
      options: [
        { label: 'Yes, memory or hardware errors', next: 'escalate-hardware' },
        { label: 'No, all tests passed', next: 'system-files' },
      ],
    },
    {
      id: 'system-files',
      kind: 'action',
      title: 'Repair system files and the disk',
      body: `From an elevated prompt:

\`\`\`cmd
DISM /Online /Cleanup-Image /RestoreHealth
sfc /scannow
chkdsk C: /scan
\`\`\`

Check what changed around the first crash in **Reliability Monitor** (\`perfmon /rel\`): new software, updates, drivers.`,
      next: 'monitor',
    },
    {
      id: 'monitor',
      kind: 'question',
      title: 'Has the PC run crash-free since the fix?',
      body: `Leave it at least 48 hours of normal use, or repeat whatever used to trigger the crash (docking, video calls, waking from sleep).`,
      options: [
        { label: 'Yes, no more crashes', next: 'solved-bsod' },
        { label: 'No, it crashed again', next: 'escalate-crash' },
      ],
    },
    {
      id: 'solved-update-rollback',
      kind: 'solution',
      title: 'Resolved: faulty update removed',
      body: `Record the KB number and the device model. Keep updates paused on this device until a fixed update or a Microsoft known-issue rollback is out.

**Tell the customer:** a recent Windows update made your PC crash at start-up. We removed it and your PC works again. We have paused that update while Microsoft fixes it.`,
    },
    {
      id: 'solved-bsod',
      kind: 'solution',
      title: 'Resolved: blue screens stopped',
      body: `Record the stop code, the faulting module and what fixed it (driver version, system file repair). If a driver was the cause, check the same model across the client in the RMM.

**Tell the customer:** the crashes were caused by *cause*. We fixed it and your PC has been stable since. If you see another blue screen, take a photo of it and let us know.`,
    },
    {
      id: 'escalate-hardware',
      kind: 'escalate',
      title: 'Escalate: suspected hardware fault',
      body: `Include:

- Make, model, service tag and warranty status
- Stop codes and dates (event 1001 / 41 output), and photos of the blue screen
- Diagnostic results (OEM pre-boot diagnostics codes, memory test results)
- Whether the device boots at all, and whether the BitLocker key is known
- Backup status (OneDrive KFM synced?) before any hardware swap or reimage`,
    },
    {
      id: 'escalate-crash',
      kind: 'escalate',
      title: 'Escalate: recurring BSOD',
      body: `Include:

- The latest minidumps from \`C:\\Windows\\Minidump\` (zip them to the ticket) and the \`!analyze -v\` output
- Stop codes, times, and anything that triggers them
- Driver/BIOS versions before and after your changes
- DISM/SFC results, memory test results, and what you already rolled back or updated`,
    },
  ],
};
