/**
 * A deterministic, realistic-looking library of troubleshooting trees for the
 * tree benchmarks: titles, descriptions, tags and node text drawn by a seeded
 * PRNG from an IT help-desk vocabulary, so searches see realistic hit rates
 * (a word like "printer" occurs in a share of the trees, not all or none).
 *
 * Every tree is a valid graph: a chain of questions whose "No" leads to the
 * next question and whose "Yes" leads to an action (or two) and a solution;
 * the last question's "No" escalates. Every node is reachable from the root
 * and reaches an end.
 */
import type { TreeBody, TreeNode } from '@flowpilot/contracts';

/** mulberry32: small, fast, good enough for test data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Topic {
  category: string;
  /** Capitalised product or component names, first word of titles. */
  products: string[];
  /** Lower-case nouns the tree is about. */
  objects: string[];
  tags: string[];
  tools: string[];
  team: string;
}

const TOPICS: Topic[] = [
  {
    category: 'Printing',
    products: ['Printer', 'Print spooler', 'Label printer', 'Print server', 'Plotter'],
    objects: ['spooler', 'driver', 'queue', 'toner', 'tray', 'port', 'duplex unit', 'print job'],
    tags: ['printing', 'print-spooler', 'drivers', 'network-printer', 'print-server'],
    tools: ['services.msc', 'Print Management', 'the printer web page', 'Devices and Printers'],
    team: 'Desktop Support L2',
  },
  {
    category: 'Email',
    products: ['Outlook', 'Exchange', 'Shared mailbox', 'Calendar', 'Outlook on the web'],
    objects: ['profile', 'mailbox', 'ost file', 'autodiscover', 'signature', 'delegate access', 'calendar', 'add-in'],
    tags: ['outlook', 'exchange', 'mailbox', 'email', 'autodiscover'],
    tools: ['the Exchange admin center', 'Mail in Control Panel', 'Test-OutlookConnectivity', 'the Microsoft Support and Recovery Assistant'],
    team: 'Messaging team',
  },
  {
    category: 'Network',
    products: ['VPN', 'DNS', 'DHCP', 'Wi-Fi', 'Proxy', 'Firewall'],
    objects: ['certificate', 'lease', 'gateway', 'tunnel', 'resolver', 'access point', 'ssid', 'split tunnel'],
    tags: ['network', 'vpn', 'dns', 'dhcp', 'wifi', 'firewall'],
    tools: ['ipconfig /all', 'nslookup', 'the VPN client log', 'Test-NetConnection', 'the DHCP console'],
    team: 'Network team',
  },
  {
    category: 'Security',
    products: ['BitLocker', 'Certificate', 'Defender', 'MFA', 'TPM', 'Smart card'],
    objects: ['recovery key', 'certificate', 'tpm', 'authenticator', 'encryption', 'quarantine', 'pin', 'policy'],
    tags: ['security', 'bitlocker', 'certificates', 'mfa', 'defender'],
    tools: ['manage-bde -status', 'certlm.msc', 'tpm.msc', 'the Defender portal', 'the Entra sign-in logs'],
    team: 'Security operations',
  },
  {
    category: 'Device management',
    products: ['Intune', 'Autopilot', 'Company Portal', 'Configuration Manager', 'Windows Update'],
    objects: ['enrollment', 'compliance', 'policy', 'profile', 'app deployment', 'device record', 'update ring', 'hash'],
    tags: ['intune', 'autopilot', 'mdm', 'compliance', 'enrollment'],
    tools: ['the Intune admin center', 'dsregcmd /status', 'Event Viewer', 'mdmdiagnosticstool'],
    team: 'Endpoint engineering',
  },
  {
    category: 'Hardware',
    products: ['Laptop', 'Docking station', 'Monitor', 'SSD', 'Battery', 'Keyboard'],
    objects: ['firmware', 'bios', 'ssd', 'battery', 'driver', 'dock', 'display', 'usb-c port'],
    tags: ['hardware', 'firmware', 'bios', 'drivers', 'docking'],
    tools: ['Device Manager', 'the vendor update utility', 'the BIOS setup', 'the hardware diagnostics'],
    team: 'Hardware repair',
  },
  {
    category: 'Collaboration',
    products: ['Teams', 'SharePoint', 'OneDrive', 'Teams meeting', 'SharePoint site'],
    objects: ['sync', 'library', 'permission', 'channel', 'cache', 'sharing link', 'meeting', 'file lock'],
    tags: ['teams', 'sharepoint', 'onedrive', 'sync', 'collaboration'],
    tools: ['the OneDrive activity center', 'the Teams admin center', 'SharePoint site settings', 'the Teams cache folder'],
    team: 'Collaboration team',
  },
  {
    category: 'Accounts',
    products: ['Account', 'License', 'Password', 'Sign-in', 'Azure AD join'],
    objects: ['license', 'password', 'lockout', 'account', 'group membership', 'sign-in', 'token', 'mfa method'],
    tags: ['accounts', 'license', 'password', 'identity', 'sign-in'],
    tools: ['the Microsoft 365 admin center', 'Active Directory Users and Computers', 'the Entra admin center', 'whoami /groups'],
    team: 'Identity team',
  },
];

const SYMPTOMS = [
  'corrupt',
  'not syncing',
  'keeps crashing',
  'missing',
  'fails to start',
  'very slow',
  'shows offline',
  'rejected',
  'expired',
  'stuck loading',
  'prompts repeatedly',
  'disconnects',
];
const CONTEXTS = [
  'after update',
  'after reboot',
  'on VPN',
  'for new starters',
  'on the docking station',
  'after password change',
  'after migration',
  'on Windows 11',
  'on shared devices',
  'in the branch office',
  'after reimage',
  'for remote users',
];
const CHANGES = ['Windows update', 'reboot', 'password change', 'policy change', 'office move', 'hardware swap'];
const DEVICES = ['laptop', 'PC', 'Windows profile', 'network', 'user account', 'browser'];
const VERBS = ['Restart', 'Reinstall', 'Clear', 'Reset', 'Update', 'Rebuild', 'Renew', 'Re-sync', 'Reassign', 'Remove and re-add', 'Re-enroll', 'Repair'];
const RESOLVED = ['works again', 'is back to normal', 'syncs again', 'connects again', 'is fixed'];

type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The first `n` items of a seeded Fisher-Yates shuffle. */
function sample<T>(rng: Rng, items: readonly T[], n: number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, n);
}

function errorCode(rng: Rng): string {
  return `0x${Math.floor(rng() * 0xffffffff).toString(16).padStart(8, '0')}`;
}

/** Mostly the tree's own topic, now and then another's: real trees wander a little. */
function topicFor(rng: Rng, own: Topic): Topic {
  return rng() < 0.95 ? own : pick(rng, TOPICS);
}

function questionText(rng: Rng, own: Topic): { title: string; body: string } {
  const t = topicFor(rng, own);
  const obj = pick(rng, t.objects);
  const product = pick(rng, t.products);
  const tool = pick(rng, t.tools);
  const title = pick(rng, [
    () => `Does the ${obj} ${pick(rng, SYMPTOMS)} ${pick(rng, CONTEXTS)}?`,
    () => `Is the ${product} ${obj} listed in ${tool}?`,
    () => `Did the ${obj} work before the last ${pick(rng, CHANGES)}?`,
    () => `Can the user reproduce it on a second ${pick(rng, DEVICES)}?`,
    () => `Does ${tool} show an error for the ${obj}?`,
  ])();
  const body = pick(rng, [
    () => `Ask the user when the ${obj} problem started and whether anything changed (${pick(rng, CHANGES)}, new ${pick(rng, DEVICES)}).`,
    () => `Open ${tool} and look at the ${obj}. Note any error code such as \`${errorCode(rng)}\` in the ticket.`,
    () =>
      `Check the ${product} ${obj} with the user:\n\n- Is it reported as ${pick(rng, SYMPTOMS)}?\n- Does it happen ${pick(rng, CONTEXTS)}?\n- Is the ${pick(rng, t.objects)} affected too?`,
  ])();
  return { title, body };
}

function actionText(rng: Rng, own: Topic): { title: string; body: string } {
  const t = topicFor(rng, own);
  const obj = pick(rng, t.objects);
  const verb = pick(rng, VERBS);
  const tool = pick(rng, t.tools);
  return {
    title: `${verb} the ${pick(rng, t.products)} ${obj}`,
    body:
      `In ${tool}, ${verb.toLowerCase()} the ${obj}. ` +
      pick(rng, [
        `Then restart the ${pick(rng, DEVICES)} and ask the user to try again.`,
        `Wait five minutes for the ${pick(rng, t.objects)} to refresh, then test again.`,
        `If it reports \`${errorCode(rng)}\`, copy the full message into the ticket before continuing.`,
      ]),
  };
}

function solutionText(rng: Rng, own: Topic): { title: string; body: string } {
  const obj = pick(rng, own.objects);
  return {
    title: `${cap(obj)} ${pick(rng, RESOLVED)}`,
    body: `Confirm with the user that the ${pick(rng, own.products)} ${obj} ${pick(rng, RESOLVED)}, then close the ticket under ${own.category}.`,
  };
}

/** One tree of `nodeCount` nodes (at least 4), the same every time for the same seed. */
export function generateTree(seed: number, nodeCount: number, number = seed): TreeBody {
  if (nodeCount < 4) throw new Error('a generated tree needs at least 4 nodes');
  const rng = prng(seed * 2654435761);
  const topic = pick(rng, TOPICS);
  const product = pick(rng, topic.products);
  const obj = pick(rng, topic.objects);
  const title = `${product} ${obj} ${pick(rng, SYMPTOMS)} ${pick(rng, CONTEXTS)} ${number}`;
  const others = sample(rng, topic.objects, 3);
  const description =
    `Troubleshoot ${product} ${obj} problems: ${pick(rng, SYMPTOMS)}, ${pick(rng, SYMPTOMS)} or ${pick(rng, SYMPTOMS)}. ` +
    `Covers the ${others.join(', ')} and what ${pick(rng, topic.tools)} shows.`;
  const tags = sample(rng, topic.tags, 2 + Math.floor(rng() * 3));

  // nodeCount = 3 * steps + 1 (escalate) + extra actions (0-2) on the first steps.
  const steps = Math.floor((nodeCount - 1) / 3);
  let extra = nodeCount - 1 - 3 * steps;
  const nodes: TreeNode[] = [];
  for (let k = 1; k <= steps; k++) {
    const next = k < steps ? `q${k + 1}` : 'escalate';
    const q = questionText(rng, topic);
    const options = [
      { label: 'Yes', next: `a${k}` },
      { label: 'No', next },
    ];
    if (k % 3 === 0) options.push({ label: 'Not sure', next });
    nodes.push({ id: `q${k}`, kind: 'question', ...q, options, position: { x: 0, y: k * 160 } });
    const a = actionText(rng, topic);
    if (extra > 0) {
      extra--;
      nodes.push({ id: `a${k}`, kind: 'action', ...a, next: `a${k}b`, position: { x: 320, y: k * 160 } });
      nodes.push({ id: `a${k}b`, kind: 'action', ...actionText(rng, topic), next: `s${k}`, position: { x: 480, y: k * 160 } });
    } else {
      nodes.push({ id: `a${k}`, kind: 'action', ...a, next: `s${k}`, position: { x: 320, y: k * 160 } });
    }
    nodes.push({ id: `s${k}`, kind: 'solution', ...solutionText(rng, topic), position: { x: 640, y: k * 160 } });
  }
  nodes.push({
    id: 'escalate',
    kind: 'escalate',
    title: `Escalate to the ${topic.team}`,
    body: `Assign the ticket to the ${topic.team}. Attach the output of ${pick(rng, topic.tools)}, the device name and every step tried.`,
    position: { x: 0, y: (steps + 1) * 160 },
  });
  return { title, description, category: topic.category, tags, status: 'published', root_node_id: 'q1', nodes };
}

/** The search library: `count` trees of `nodeCount` nodes each. */
export function generateLibrary(count: number, nodeCount: number): TreeBody[] {
  return Array.from({ length: count }, (_, i) => generateTree(i + 1, nodeCount));
}

/** The distinct words of the trees as search sees them (lower case, letters and digits). */
export function libraryWords(trees: readonly TreeBody[]): Set<string> {
  const words = new Set<string>();
  const add = (text: string | undefined) => {
    for (const w of (text ?? '').toLowerCase().split(/[^\p{L}\p{N}]+/u)) if (w) words.add(w);
  };
  for (const t of trees) {
    add(t.title);
    add(t.description);
    add(t.category);
    (t.tags ?? []).forEach(add);
    for (const n of t.nodes) {
      add(n.title);
      add(n.body);
    }
  }
  return words;
}

/** Queries of words that occur in the library, as a technician types them. */
export const EXACT_QUERIES = [
  'printer spooler',
  'outlook profile',
  'vpn certificate',
  'dhcp',
  'bitlocker recovery key',
  'intune enrollment',
  'onedrive sync',
  'teams',
  'firmware',
  'license',
];

/** Misspelled queries: one word per query with a dropped or two swapped letters. Each maps to the word meant. */
export const TYPO_QUERIES: { q: string; meant: Record<string, string> }[] = [
  { q: 'pritner', meant: { pritner: 'printer' } },
  { q: 'spoolr queue', meant: { spoolr: 'spooler' } },
  { q: 'outlok profile', meant: { outlok: 'outlook' } },
  { q: 'certifcate', meant: { certifcate: 'certificate' } },
  { q: 'bitlokcer', meant: { bitlokcer: 'bitlocker' } },
  { q: 'sharepiont', meant: { sharepiont: 'sharepoint' } },
  { q: 'autopliot', meant: { autopliot: 'autopilot' } },
  { q: 'mailbx', meant: { mailbx: 'mailbox' } },
  { q: 'frimware update', meant: { frimware: 'firmware' } },
  { q: 'dhpc lease', meant: { dhpc: 'dhcp' } },
];

/** One edit apart: a dropped letter or two adjacent letters swapped. */
function isTypoOf(typo: string, word: string): boolean {
  if (typo.length === word.length - 1) return [...word].some((_, i) => word.slice(0, i) + word.slice(i + 1) === typo);
  if (typo.length !== word.length) return false;
  return [...word].some((_, i) => i + 1 < word.length && word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2) === typo);
}

/**
 * Checks the queries against the library: every exact word occurs; every
 * misspelled word does not, and is one dropped or swapped letter away from a
 * word that does. Throws otherwise, so the benchmark measures what it says.
 */
export function checkQueries(words: ReadonlySet<string>): void {
  const problems: string[] = [];
  for (const q of EXACT_QUERIES) for (const w of q.split(' ')) if (!words.has(w)) problems.push(`"${w}" (in "${q}") is not in the library`);
  for (const { q, meant } of TYPO_QUERIES) {
    for (const w of q.split(' ')) {
      const right = meant[w];
      if (right === undefined) {
        if (!words.has(w)) problems.push(`"${w}" (in "${q}") is not in the library`);
      } else {
        if (words.has(w)) problems.push(`the typo "${w}" is a word of the library`);
        if (!words.has(right)) problems.push(`"${right}" (meant by "${w}") is not in the library`);
        if (!isTypoOf(w, right)) problems.push(`"${w}" is not one dropped or swapped letter from "${right}"`);
      }
    }
  }
  if (problems.length) throw new Error(`bench search queries do not fit the library:\n${problems.join('\n')}`);
}
