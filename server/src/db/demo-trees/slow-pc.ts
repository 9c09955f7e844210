import type { DemoTree } from './types.ts';
import { SLOW_PC_TREE_ID } from './ids.ts';

export const slowPc: DemoTree = {
  id: SLOW_PC_TREE_ID,
  title: 'Slow PC',
  description: 'Find out why a Windows PC is slow: uptime, CPU, memory and disk pressure, startup apps, malware and damaged system files. Ends with a fix, a hardware recommendation or an escalation with evidence.',
  category: 'Windows',
  tags: ['performance', 'windows', 'disk', 'startup', 'malware'],
  status: 'published',
  root_node_id: 'start',
  nodes: [
    {
      id: 'start',
      kind: 'question',
      title: 'When is the PC slow?',
      body: `Ask for specifics: "slow to start", "Excel freezes", "everything lags". Check the RMM for the device's performance history and any alerts.`,
      options: [
        { label: 'All the time, everything is slow', next: 'check-uptime' },
        { label: 'Slow for the first few minutes after sign-in', next: 'check-startup' },
        { label: 'Only in one application', next: 'app-specific' },
      ],
    },
    {
      id: 'check-uptime',
      kind: 'action',
      title: 'Check uptime and restart',
      body: `Fast Startup means "shut down" does not reset uptime; many users never truly restart.

\`\`\`powershell
(Get-Date) - (Get-CimInstance Win32_OperatingSystem).LastBootUpTime
\`\`\`

If uptime is more than a few days, or updates are pending, restart with the user's agreement:

\`\`\`cmd
shutdown /r /t 60 /c "IT support restart - please save your work"
\`\`\``,
      next: 'slow-after-restart',
    },
    {
      id: 'slow-after-restart',
      kind: 'question',
      title: 'Is it still slow after a proper restart?',
      options: [
        { label: 'No, it is fine now', next: 'solved-restart' },
        { label: 'Yes, still slow', next: 'check-resources' },
      ],
    },
    {
      id: 'check-resources',
      kind: 'question',
      title: 'What is under pressure?',
      body: `Open **Task Manager > Processes** sorted by CPU, Memory and Disk, or:

\`\`\`powershell
Get-Process | Sort-Object CPU -Descending | Select-Object -First 10 Name, Id, CPU, @{n='MemMB'; e={[int]($_.WorkingSet64 / 1MB)}}
Get-Counter '\\Processor(_Total)\\% Processor Time', '\\Memory\\Available MBytes', '\\PhysicalDisk(_Total)\\% Disk Time' -SampleInterval 2 -MaxSamples 5
\`\`\``,
      options: [
        { label: 'CPU near 100% from one process', next: 'identify-process' },
        { label: 'Memory near 100%', next: 'check-ram' },
        { label: 'Disk at 100%', next: 'check-disk' },
        { label: 'Nothing obviously high', next: 'check-startup' },
      ],
    },
    {
      id: 'identify-process',
      kind: 'question',
      title: 'Which process is using the CPU?',
      options: [
        { label: 'Unknown or suspicious process', next: 'run-av-scan' },
        { label: 'Windows Update, TiWorker, Search Indexer or Defender scan', next: 'let-updates-finish' },
        { label: 'A business application', next: 'app-specific' },
      ],
    },
    {
      id: 'run-av-scan',
      kind: 'action',
      title: 'Scan for malware',
      body: `Check where the process runs from (\`Get-Process -Id <pid> | Select-Object Path\`) and whether it is signed. Then scan:

\`\`\`powershell
Update-MpSignature
Start-MpScan -ScanType QuickScan
Get-MpThreatDetection | Select-Object InitialDetectionTime, ThreatID, Resources
\`\`\`

If the client has an EDR (Defender for Endpoint, SentinelOne, Huntress), check its console for alerts on this device.`,
      next: 'threats-found',
    },
    {
      id: 'threats-found',
      kind: 'question',
      title: 'Did the scan or EDR find anything?',
      options: [
        { label: 'Yes, threats or suspicious activity', next: 'escalate-security' },
        { label: 'No, clean', next: 'check-startup' },
      ],
    },
    {
      id: 'let-updates-finish',
      kind: 'action',
      title: 'Let updates and maintenance finish',
      body: `These processes are heavy but temporary.

- **Settings > Windows Update**: finish installing and restart if pending.
- Check recent updates: \`Get-HotFix | Sort-Object InstalledOn -Descending | Select-Object -First 5\`
- Search Indexer stuck high for hours: **Settings > Privacy & security > Searching Windows > Advanced indexing options > Advanced > Rebuild**.
- Move the Defender scheduled scan out of working hours in the client's policy.`,
      next: 'recheck',
    },
    {
      id: 'check-ram',
      kind: 'question',
      title: 'How much memory does the PC have?',
      body: `\`\`\`powershell
'{0} GB' -f ((Get-CimInstance Win32_PhysicalMemory | Measure-Object Capacity -Sum).Sum / 1GB)
\`\`\`

Teams, Outlook and a browser with many tabs easily use 8 GB. Check whether one process is leaking (memory growing all day).`,
      options: [
        { label: '8 GB or less', next: 'solved-ram-upgrade' },
        { label: '16 GB or more', next: 'check-startup' },
      ],
    },
    {
      id: 'check-disk',
      kind: 'action',
      title: 'Check disk space, type and health',
      body: `\`\`\`powershell
Get-PSDrive C | Select-Object @{n='FreeGB'; e={[int]($_.Free / 1GB)}}, @{n='UsedGB'; e={[int]($_.Used / 1GB)}}
Get-PhysicalDisk | Format-Table FriendlyName, MediaType, HealthStatus, OperationalStatus
Get-PhysicalDisk | Get-StorageReliabilityCounter | Format-Table DeviceId, Wear, ReadErrorsUncorrected, Temperature
\`\`\`

Also check **Event Viewer > System** for \`disk\` / \`storahci\` / \`stornvme\` errors (event IDs 7, 51, 153).`,
      next: 'disk-result',
    },
    {
      id: 'disk-result',
      kind: 'question',
      title: 'What did the disk checks show?',
      options: [
        { label: 'Less than 10% free space', next: 'cleanup-disk' },
        { label: 'Spinning HDD, or health warnings / disk errors', next: 'escalate-hardware' },
        { label: 'SSD, healthy, enough space', next: 'check-startup' },
      ],
    },
    {
      id: 'cleanup-disk',
      kind: 'action',
      title: 'Free up disk space',
      body: `\`\`\`cmd
cleanmgr /d C: /verylowdisk
DISM /Online /Cleanup-Image /StartComponentCleanup
\`\`\`

- Turn on **Storage Sense** and OneDrive **Files On-Demand** (make cloud files online-only).
- Find large folders with TreeSize / WinDirStat: old user profiles, \`Downloads\`, PST archives, \`C:\\Windows\\SoftwareDistribution\\Download\`.
- Check with the user before deleting anything of theirs.`,
      next: 'recheck',
    },
    {
      id: 'check-startup',
      kind: 'action',
      title: 'Trim startup apps',
      body: `**Task Manager > Startup apps**: disable items with *High* impact the user does not need (updaters, vendor utilities, duplicate sync tools). Do not disable security or RMM agents.

\`\`\`powershell
Get-CimInstance Win32_StartupCommand | Select-Object Name, Command, Location, User
\`\`\``,
      next: 'system-files',
    },
    {
      id: 'system-files',
      kind: 'action',
      title: 'Repair Windows system files',
      body: `From an elevated prompt (takes 10–20 minutes):

\`\`\`cmd
DISM /Online /Cleanup-Image /RestoreHealth
sfc /scannow
\`\`\`

Check **Reliability Monitor** (\`perfmon /rel\`) for repeated app crashes and the date the problem started.`,
      next: 'recheck',
    },
    {
      id: 'app-specific',
      kind: 'action',
      title: 'Troubleshoot the slow application',
      body: `- Update the application; check the vendor's known issues.
- Office apps: try safe mode (\`excel.exe /safe\`), turn off COM add-ins, and turn off hardware graphics acceleration.
- Browser: check extensions and tab count; **Shift+Esc** opens the browser's own task manager.
- Apps that open files from a server: compare opening a file from the network against a local copy; if only network files are slow, check the VPN / network link.`,
      next: 'recheck',
    },
    {
      id: 'recheck',
      kind: 'question',
      title: 'Is the PC performing acceptably now?',
      body: `Confirm with the user, not just from the metrics.`,
      options: [
        { label: 'Yes', next: 'solved-performance' },
        { label: 'No, still slow', next: 'escalate-performance' },
      ],
    },
    {
      id: 'solved-restart',
      kind: 'solution',
      title: 'Resolved: restart cleared it',
      body: `Record the uptime you found. If the client has many long-uptime devices, suggest a restart policy (Intune / RMM reboot reminders).

**Tell the customer:** your PC had not been fully restarted for a long time and had updates waiting. After a restart it is back to normal. Restarting (not just shutting the lid) once a week keeps it running well.`,
    },
    {
      id: 'solved-performance',
      kind: 'solution',
      title: 'Resolved: performance fixed',
      body: `Record what made the difference (updates, disk cleanup, startup apps, system file repair, app fix).

**Tell the customer:** we found what was slowing your PC (*cause*) and fixed it. Let us know if it gets slow again, and roughly when it happens.`,
    },
    {
      id: 'solved-ram-upgrade',
      kind: 'solution',
      title: 'Outcome: recommend more memory',
      body: `The PC runs out of memory with a normal workload. Raise a quote for a RAM upgrade (check the model's maximum and free slots: \`Get-CimInstance Win32_PhysicalMemoryArray | Select-Object MaxCapacity, MemoryDevices\`) or a replacement if RAM is soldered.

Meanwhile: close unused apps and browser tabs, turn on browser sleeping tabs, and check startup apps.

**Tell the customer:** your PC does not have enough memory for the programs you use at the same time. We will send a quote for an upgrade; until then, closing programs you are not using will help.`,
    },
    {
      id: 'escalate-security',
      kind: 'escalate',
      title: 'Escalate: possible malware',
      body: `Treat it as a security incident. **Do not** let the user keep working on the device.

- Isolate the device in the EDR console, or disconnect it from the network
- Include device name, user, detections (\`Get-MpThreatDetection\` output or EDR alert IDs) and the process path
- Note the time you found it and anything you already removed or quarantined`,
    },
    {
      id: 'escalate-hardware',
      kind: 'escalate',
      title: 'Escalate: disk hardware problem',
      body: `Include:

- Make, model, serial / service tag and warranty status
- \`Get-PhysicalDisk\` and \`Get-StorageReliabilityCounter\` output, and System log disk errors
- Whether the disk is a spinning HDD (recommend an SSD replacement)
- Backup status of the user's data (OneDrive KFM synced?) before any hardware work`,
    },
    {
      id: 'escalate-performance',
      kind: 'escalate',
      title: 'Escalate: slow with no clear cause',
      body: `Include:

- A performance report: \`perfmon /report\` (60-second system diagnostics) saved to the ticket
- Task Manager / \`Get-Counter\` figures while it is slow, and when it is slow
- Everything already done: restart, scan, disk cleanup, startup apps, DISM/SFC
- Device age and specification; suggest a reimage or replacement if it is near end of life`,
    },
  ],
};
