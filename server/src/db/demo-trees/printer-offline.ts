import type { DemoTree } from './types.ts';
import { PRINTER_OFFLINE_TREE_ID } from './ids.ts';

export const printerOffline: DemoTree = {
  id: PRINTER_OFFLINE_TREE_ID,
  title: "Printer offline / won't print",
  description: 'Work out whether a print failure is the printer, the network, the print server or the PC, and fix the spooler, port or driver. Covers shared print-server queues and direct IP printing.',
  category: 'Printing',
  tags: ['printing', 'print-spooler', 'drivers', 'network-printer', 'print-server'],
  status: 'published',
  root_node_id: 'start',
  nodes: [
    {
      id: 'start',
      kind: 'question',
      title: 'Is it one user or everyone who cannot print to this printer?',
      body: `Ask the customer to try printing from a second PC, or check the ticket queue for other reports about the same printer.

Get the exact printer name and location (e.g. \`HP-Finance-2F\`) before continuing.`,
      options: [
        { label: 'Only this user / this PC', next: 'check-local-queue' },
        { label: 'Everyone / several PCs', next: 'check-printer-panel' },
      ],
    },
    {
      id: 'check-printer-panel',
      kind: 'question',
      title: "What does the printer's own display show?",
      body: `Ask someone on site to look at the front panel (or open the printer's web page, e.g. \`https://10.0.20.45\`).

Look for: paper jam, empty tray, toner/drum, cover open, "Offline", or a service code (e.g. \`49.XXXX\`, \`C-xxxx\`).`,
      options: [
        { label: 'Error: jam, paper, toner, cover open', next: 'clear-hw-error' },
        { label: 'Ready, no errors shown', next: 'ping-printer' },
        { label: "Dead, won't power on, or a service/fuser code", next: 'escalate-hardware' },
      ],
    },
    {
      id: 'clear-hw-error',
      kind: 'action',
      title: 'Clear the error on the printer',
      body: `Talk the user through it:

- Clear jams from **every** door and tray the panel lists (not just the one they can see).
- Reseat or replace the toner/drum; remove the orange shipping tape on new cartridges.
- Reload the tray and check the paper size matches the tray setting.
- Power-cycle the printer and wait until it shows **Ready**.`,
      next: 'hw-fixed',
    },
    {
      id: 'hw-fixed',
      kind: 'question',
      title: 'Does a test page print now?',
      body: `Print a configuration/test page from the printer's own menu, then send a job from a PC.`,
      options: [
        { label: 'Yes, jobs print', next: 'solved-hw-error' },
        { label: 'Test page prints but PC jobs do not', next: 'ping-printer' },
        { label: 'No, the error comes back', next: 'escalate-hardware' },
      ],
    },
    {
      id: 'ping-printer',
      kind: 'question',
      title: 'Does the printer respond on the network?',
      body: `Get the printer's IP from its configuration page, then from a PC on the same site:

\`\`\`powershell
Test-Connection 10.0.20.45 -Count 2
Test-NetConnection 10.0.20.45 -Port 9100   # RAW / JetDirect
\`\`\`

Compare the IP with the port the queue uses:

\`\`\`powershell
Get-Printer -ComputerName PRINT01 -Name 'HP-Finance-2F' | Format-List Name,PrinterStatus,PortName,DriverName
Get-PrinterPort -ComputerName PRINT01 | Where-Object Name -like '*10.0.20*'
\`\`\``,
      options: [
        { label: 'Responds on 9100 and the IP matches the port', next: 'check-print-server' },
        { label: 'No response, or the IP has changed', next: 'fix-printer-ip' },
      ],
    },
    {
      id: 'fix-printer-ip',
      kind: 'action',
      title: 'Fix the printer IP or network link',
      body: `- Check the network cable and the link light on the printer's port; try another wall socket.
- If the printer got a new DHCP address, create a **DHCP reservation** for its MAC (from the config page) and power-cycle it, or set the port to the new address:

\`\`\`powershell
Add-PrinterPort -ComputerName PRINT01 -Name 'IP_10.0.20.46' -PrinterHostAddress '10.0.20.46'
Set-Printer -ComputerName PRINT01 -Name 'HP-Finance-2F' -PortName 'IP_10.0.20.46'
\`\`\`

- On Wi-Fi printers, check it is still joined to the right SSID (often lost after a router change).`,
      next: 'ip-fixed',
    },
    {
      id: 'ip-fixed',
      kind: 'question',
      title: 'Does the printer respond on port 9100 now?',
      body: `\`\`\`powershell
Test-NetConnection 10.0.20.45 -Port 9100
\`\`\``,
      options: [
        { label: 'Yes', next: 'check-print-server' },
        { label: 'No, still unreachable', next: 'escalate-network' },
      ],
    },
    {
      id: 'check-print-server',
      kind: 'question',
      title: 'Is the printer shared from a print server?',
      body: `Check the user's queue name: \`\\\\PRINT01\\HP-Finance-2F\` means a shared queue; a local name with an \`IP_\` port means direct IP printing.

\`\`\`powershell
Get-Printer | Format-Table Name,Type,ComputerName,PortName
\`\`\``,
      options: [
        { label: 'Yes, shared from a print server', next: 'restart-server-spooler' },
        { label: 'No, PCs print direct to the IP', next: 'test-page' },
      ],
    },
    {
      id: 'restart-server-spooler',
      kind: 'action',
      title: 'Clear stuck jobs and restart the spooler on the print server',
      body: `Look for a stuck job at the top of the queue:

\`\`\`powershell
Get-PrintJob -ComputerName PRINT01 -PrinterName 'HP-Finance-2F' | Format-Table Id,DocumentName,UserName,JobStatus,SubmittedTime
Get-PrintJob -ComputerName PRINT01 -PrinterName 'HP-Finance-2F' | Remove-PrintJob
\`\`\`

If jobs will not delete, restart the spooler. **This briefly affects every queue on the server**; warn the site first.

\`\`\`powershell
Invoke-Command -ComputerName PRINT01 { Restart-Service Spooler -Force }
\`\`\`

Check **Event Viewer > Applications and Services Logs > Microsoft > Windows > PrintService > Admin** for driver crashes.`,
      next: 'server-fixed',
    },
    {
      id: 'server-fixed',
      kind: 'question',
      title: 'Can users print again?',
      options: [
        { label: 'Yes', next: 'solved-server-spooler' },
        { label: 'No, jobs still stick or error', next: 'escalate-printing' },
      ],
    },
    {
      id: 'check-local-queue',
      kind: 'question',
      title: "What do you see in the user's printer list and queue?",
      body: `On the user's PC:

\`\`\`powershell
Get-Printer | Format-Table Name,PrinterStatus,Type,PortName,DriverName
Get-PrintJob -PrinterName 'HP-Finance-2F'
\`\`\`

In **Settings > Bluetooth & devices > Printers & scanners**, open the printer and check:
- Is it the default? Is **Let Windows manage my default printer** switched on?
- Queue window > **Printer** menu: is **Use Printer Offline** ticked?`,
      options: [
        { label: "Wrong default printer, or 'Use Printer Offline' is ticked", next: 'fix-default' },
        { label: 'Jobs stuck in the local queue', next: 'clear-local-spooler' },
        { label: 'Printer missing from the list', next: 'readd-printer' },
      ],
    },
    {
      id: 'fix-default',
      kind: 'action',
      title: 'Set the right default and bring the queue online',
      body: `- Untick **Use Printer Offline** in the queue window.
- Switch off **Let Windows manage my default printer**, then set the correct default:

\`\`\`powershell
Get-CimInstance Win32_Printer | Where-Object Name -eq '\\\\PRINT01\\HP-Finance-2F' | Invoke-CimMethod -MethodName SetDefaultPrinter
\`\`\`

Or right-click the printer > **Set as default printer** in the classic Devices and Printers window (\`control printers\`).`,
      next: 'test-page',
    },
    {
      id: 'clear-local-spooler',
      kind: 'action',
      title: 'Clear the local print spooler',
      body: `From an elevated PowerShell on the user's PC:

\`\`\`powershell
Stop-Service Spooler -Force
Remove-Item "$env:SystemRoot\\System32\\spool\\PRINTERS\\*" -Force
Start-Service Spooler
\`\`\`

Ask the user to close and reopen the application before printing again.`,
      next: 'test-page',
    },
    {
      id: 'readd-printer',
      kind: 'action',
      title: 'Re-add the printer',
      body: `Shared queue (run as the user, not elevated):

\`\`\`powershell
Add-Printer -ConnectionName '\\\\PRINT01\\HP-Finance-2F'
\`\`\`

Direct IP:

\`\`\`powershell
Add-PrinterPort -Name 'IP_10.0.20.45' -PrinterHostAddress '10.0.20.45'
Add-Printer -Name 'HP Finance 2F' -DriverName 'HP Universal Printing PCL 6' -PortName 'IP_10.0.20.45'
\`\`\`

If Windows asks for admin rights to install the driver, that is the PrintNightmare Point and Print restriction (KB5005652). Install the driver with your RMM tool or an admin account; do not relax the policy on one PC.

If the printer comes from a GPO or Intune policy, run \`gpupdate /force\` or sync the device instead.`,
      next: 'test-page',
    },
    {
      id: 'test-page',
      kind: 'question',
      title: 'Does a test page print from the PC?',
      body: `Printer properties > **Print Test Page**, or:

\`\`\`cmd
rundll32 printui.dll,PrintUIEntry /k /n "\\\\PRINT01\\HP-Finance-2F"
\`\`\``,
      options: [
        { label: 'Yes, it prints', next: 'solved-local' },
        { label: 'Prints garbage, or the job errors (driver problem)', next: 'reinstall-driver' },
        { label: 'Nothing happens at all', next: 'escalate-printing' },
      ],
    },
    {
      id: 'reinstall-driver',
      kind: 'action',
      title: 'Remove and reinstall the printer driver',
      body: `1. Remove the printer, then the driver package:

\`\`\`powershell
Remove-Printer -Name '\\\\PRINT01\\HP-Finance-2F'
Get-PrinterDriver | Format-Table Name,MajorVersion,Manufacturer
Remove-PrinterDriver -Name 'HP Universal Printing PCL 6' -RemoveFromDriverStore
\`\`\`

If the driver is in use, restart the spooler first, or use \`printui /s /t2\` > **Drivers** > *Remove driver and driver package*.

2. Install the current vendor **universal** driver (HP UPD PCL 6, Kyocera KX, Ricoh PCL6 V4) and re-add the printer.
3. Swap PCL for PostScript if one application prints garbage.`,
      next: 'driver-fixed',
    },
    {
      id: 'driver-fixed',
      kind: 'question',
      title: 'Does it print correctly with the new driver?',
      options: [
        { label: 'Yes', next: 'solved-driver' },
        { label: 'No', next: 'escalate-printing' },
      ],
    },
    {
      id: 'solved-hw-error',
      kind: 'solution',
      title: 'Resolved: hardware error cleared on the printer',
      body: `Record which error it was (jam location, toner, tray) in the ticket.

**Tell the customer:** the printer had a paper/toner error that stopped all printing. It is cleared. If the same jam keeps coming back, let us know so we can book a service visit.

If toner was low, check whether the printer is on a managed-print contract and order a spare.`,
    },
    {
      id: 'solved-server-spooler',
      kind: 'solution',
      title: 'Resolved: stuck job cleared on the print server',
      body: `Note the document or user that caused the stuck job, and any PrintService errors.

**Tell the customer:** a stuck print job was blocking the queue for everyone. We have cleared it and printing is working again. Jobs sent while it was stuck may need to be sent again.`,
    },
    {
      id: 'solved-local',
      kind: 'solution',
      title: "Resolved: user's print queue fixed",
      body: `Record what was wrong (offline flag, default printer, stuck spooler, missing printer).

**Tell the customer:** the printer was set up wrongly on your PC. It is fixed and a test page printed. Send any documents that did not print again.`,
    },
    {
      id: 'solved-driver',
      kind: 'solution',
      title: 'Resolved: printer driver reinstalled',
      body: `Record the old and new driver names and versions. If other PCs use the same driver, check whether they need the same update (RMM script or print server driver update).

**Tell the customer:** the printer driver on your PC was damaged or out of date. We installed a fresh one and printing works again.`,
    },
    {
      id: 'escalate-hardware',
      kind: 'escalate',
      title: 'Escalate: printer hardware fault',
      body: `Hand this to a senior engineer to book a vendor or managed-print service call. Include:

- Make, model, **serial number** and asset tag
- The exact error or service code and a photo of the panel
- The page count from the configuration page (if it will print)
- Whether it is under warranty or a managed-print contract
- A suggested alternative printer for users in the meantime`,
    },
    {
      id: 'escalate-network',
      kind: 'escalate',
      title: 'Escalate: printer unreachable on the network',
      body: `The printer is powered on but does not answer on the network. Include:

- Printer IP, MAC address and the switch port / wall socket if known
- Output of \`Test-NetConnection <ip> -Port 9100\` and \`arp -a | findstr <ip>\`
- Whether other devices in the same area are online (VLAN, switch or PoE problem)
- Any recent network, firewall or router changes at the site`,
    },
    {
      id: 'escalate-printing',
      kind: 'escalate',
      title: 'Escalate: print server or driver problem',
      body: `Standard fixes have not worked. Include:

- Printer name, queue (\`\\\\PRINT01\\...\`) or IP, model and driver name/version
- How many users are affected and since when
- What you tried: spooler restart, job purge, driver reinstall, test page result
- Errors from **PrintService > Admin** (event IDs 372, 808) and **System** (event 7031 / 7034 for spooler crashes)
- Output of \`Get-Printer -ComputerName PRINT01 -Name '<queue>' | Format-List *\``,
    },
  ],
};
