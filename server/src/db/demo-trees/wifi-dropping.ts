import type { DemoTree } from './types.ts';
import { WIFI_DROPPING_TREE_ID } from './ids.ts';

export const wifiDropping: DemoTree = {
  id: WIFI_DROPPING_TREE_ID,
  title: 'Wi-Fi keeps dropping',
  description: 'A laptop keeps losing its Wi-Fi connection. Separate a site or access point problem from a single device, read the WLAN report, and fix signal, drivers, power saving or 802.1X authentication.',
  category: 'Network',
  tags: ['wifi', 'wireless', 'network', 'drivers', 'access-point'],
  status: 'published',
  root_node_id: 'start',
  nodes: [
    {
      id: 'start',
      kind: 'question',
      title: 'Is it only this device, or several devices in the same area?',
      body: `Ask whether colleagues nearby (or other devices at home) drop at the same time. Note the SSID, location (office floor / home) and roughly when the drops happen.`,
      options: [
        { label: 'Only this device', next: 'wlan-report' },
        { label: 'Several devices / the whole area', next: 'check-ap' },
      ],
    },
    {
      id: 'check-ap',
      kind: 'question',
      title: 'What does the wireless controller show for the nearest access point?',
      body: `In the client's controller (UniFi, Meraki, Aruba Instant On, Ruckus), check the AP serving that area:

- Uptime and reboot history
- Channel, channel width and **channel utilisation**
- Number of clients, and neighbouring (rogue) networks on the same channel`,
      options: [
        { label: 'AP is rebooting or going offline', next: 'check-poe' },
        { label: 'High channel utilisation or interference', next: 'fix-channels' },
        { label: 'AP looks healthy', next: 'wlan-report' },
      ],
    },
    {
      id: 'check-poe',
      kind: 'action',
      title: 'Check the AP power and uplink',
      body: `APs that reboot are usually short of PoE power or have a bad cable.

- On the switch, check the port's PoE draw and the switch's PoE budget (e.g. Cisco \`show power inline\`, UniFi **Ports** view).
- Check the port for errors / flapping (link up/down in the switch log).
- Try a different port or patch lead; power-cycle the AP from the switch.`,
      next: 'area-fixed',
    },
    {
      id: 'fix-channels',
      kind: 'action',
      title: 'Fix channel plan and interference',
      body: `- 2.4 GHz: use only channels 1, 6 and 11, at 20 MHz.
- 5 GHz: 20 or 40 MHz width in busy offices; avoid DFS channels if radar events are logged.
- Reduce transmit power on APs close together so clients roam properly.
- Turn on band steering so capable clients use 5 GHz.

Make changes out of hours; every client on the AP reconnects.`,
      next: 'area-fixed',
    },
    {
      id: 'area-fixed',
      kind: 'question',
      title: 'Have the drops stopped in that area?',
      body: `Monitor for at least an hour of normal use, or until the next time drops usually happen.`,
      options: [
        { label: 'Yes', next: 'solved-ap' },
        { label: 'No', next: 'escalate-wireless' },
      ],
    },
    {
      id: 'wlan-report',
      kind: 'action',
      title: 'Generate the WLAN report',
      body: `From an elevated prompt on the laptop:

\`\`\`cmd
netsh wlan show wlanreport
netsh wlan show interfaces
\`\`\`

Open \`C:\\ProgramData\\Microsoft\\Windows\\WlanReport\\wlan-report-latest.html\`. Look at the disconnect events, their **reason codes**, and the signal quality around them. \`show interfaces\` gives current signal %, radio type, channel and BSSID.`,
      next: 'signal-question',
    },
    {
      id: 'signal-question',
      kind: 'question',
      title: 'What does the report show around the drops?',
      options: [
        { label: 'Weak signal (below ~60%, or worse than -70 dBm)', next: 'weak-signal' },
        { label: 'Drops with good signal (driver / adapter reason codes)', next: 'check-driver' },
        { label: 'Drops after sleep or when idle', next: 'power-mgmt' },
        { label: 'Authentication failures (802.1X / wrong password)', next: 'check-auth' },
      ],
    },
    {
      id: 'weak-signal',
      kind: 'action',
      title: 'Improve the signal',
      body: `- Move closer to the AP or router, away from metal cabinets, microwaves and baby monitors.
- Prefer the 5 GHz network; forget 2.4 GHz-only SSIDs that the laptop keeps switching to:

\`\`\`cmd
netsh wlan show profiles
netsh wlan delete profile name="Contoso-Guest"
\`\`\`

- At home: suggest a mesh system or wired connection if the router is far away.`,
      next: 'retest-wifi',
    },
    {
      id: 'check-driver',
      kind: 'action',
      title: 'Update the Wi-Fi driver',
      body: `\`\`\`powershell
Get-NetAdapter -Name Wi-Fi | Format-List InterfaceDescription, DriverVersion, DriverDate, DriverProvider
\`\`\`

Install the latest driver from the laptop maker (Dell Command Update \`dcu-cli.exe /applyUpdates\`, Lenovo System Update / Commercial Vantage, HP Image Assistant) or Intel's driver for Intel adapters. Also update BIOS/firmware; check whether the dock's firmware is current if it happens when docked.`,
      next: 'retest-wifi',
    },
    {
      id: 'power-mgmt',
      kind: 'action',
      title: 'Turn off Wi-Fi power saving',
      body: `- **Device Manager > Network adapters > Wi-Fi adapter > Power Management**: untick **Allow the computer to turn off this device to save power** (if present).
- **Advanced** tab: set *MIMO Power Save Mode* to *No SMPS* and *Roaming Aggressiveness* to *Medium* on Intel adapters.
- **Control Panel > Power Options > Change plan settings > Advanced > Wireless Adapter Settings > Power Saving Mode**: *Maximum Performance* on battery and plugged in.

Check the sleep type; Modern Standby (S0) laptops drop Wi-Fi on purpose when the lid is closed:

\`\`\`cmd
powercfg /a
\`\`\``,
      next: 'retest-wifi',
    },
    {
      id: 'check-auth',
      kind: 'action',
      title: 'Check 802.1X / password authentication',
      body: `- WPA2/WPA3 Personal: forget the network and rejoin with the current key.
- 802.1X (corporate SSID): on the NPS/RADIUS server, look for event **6273** (access denied) in the Security log and note the *Reason Code*. Check the user or device certificate has not expired:

\`\`\`powershell
Get-ChildItem Cert:\\LocalMachine\\My | Format-Table Subject, NotAfter
\`\`\`

- Push a new certificate or Wi-Fi profile (Intune sync / \`gpupdate /force\`) if it has expired.`,
      next: 'retest-wifi',
    },
    {
      id: 'retest-wifi',
      kind: 'question',
      title: 'Is the connection stable now?',
      body: `Have the user work normally for an hour or through the time of day it normally drops.`,
      options: [
        { label: 'Yes, stable', next: 'solved-client' },
        { label: 'Still dropping', next: 'reset-stack' },
      ],
    },
    {
      id: 'reset-stack',
      kind: 'action',
      title: 'Reset the network stack',
      body: `Save any VPN or proxy settings first, then from an elevated prompt:

\`\`\`cmd
netsh wlan delete profile name="Contoso-Corp"
netsh winsock reset
netsh int ip reset
\`\`\`

Restart, rejoin the Wi-Fi, and test with a USB Wi-Fi adapter or a phone hotspot to see whether the problem follows the laptop's adapter or the network.`,
      next: 'retest-after-reset',
    },
    {
      id: 'retest-after-reset',
      kind: 'question',
      title: 'Is it stable after the reset?',
      options: [
        { label: 'Yes, stable', next: 'solved-client' },
        { label: 'Drops only on the built-in adapter', next: 'escalate-hardware' },
        { label: 'Drops on every adapter / network', next: 'escalate-wireless' },
      ],
    },
    {
      id: 'solved-ap',
      kind: 'solution',
      title: 'Resolved: access point / channel problem fixed',
      body: `Record the AP name, what you changed (PoE port, cable, channel, power) and why, in the client's network documentation.

**Tell the customer:** the wireless access point in your area was the problem, not your laptops. We have fixed it and connections are stable again.`,
    },
    {
      id: 'solved-client',
      kind: 'solution',
      title: "Resolved: laptop's Wi-Fi fixed",
      body: `Record the cause (signal, driver version, power setting, certificate) and the WLAN report finding. If it was a driver, check other laptops of the same model in the RMM.

**Tell the customer:** your laptop's Wi-Fi settings (*cause*) were causing the drops. They are fixed; let us know if it happens again and roughly at what time.`,
    },
    {
      id: 'escalate-hardware',
      kind: 'escalate',
      title: 'Escalate: faulty Wi-Fi adapter',
      body: `The problem follows the built-in adapter. Include:

- Make, model, service tag, warranty status
- Adapter model and driver version (\`Get-NetAdapter\` output)
- The WLAN report and the USB adapter / hotspot test result
- Whether a loan laptop or USB adapter has been given to the user`,
    },
    {
      id: 'escalate-wireless',
      kind: 'escalate',
      title: 'Escalate: wireless network problem',
      body: `Include:

- Site, SSID, AP names and the area affected
- WLAN reports from affected devices (\`C:\\ProgramData\\Microsoft\\Windows\\WlanReport\\\`)
- Controller screenshots: channel utilisation, client count, AP uptime
- Changes already made and the result
- Suggest a site survey if coverage is the likely cause`,
    },
  ],
};
