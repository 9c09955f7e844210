/** Event streams (`GET /api/v1/events`) read over real HTTP in tests, parsed as a browser's EventSource would. */
import { request as httpRequest, type IncomingMessage } from 'node:http';

export interface SseEvent {
  id: number;
  type: string;
  data: Record<string, unknown>;
}

/** An open event stream read over real HTTP, parsed frame by frame as a browser's EventSource would. */
export interface SseStream {
  status: 200;
  headers: IncomingMessage['headers'];
  events: SseEvent[];
  /** Comment lines (heartbeats), with the time each arrived. */
  comments: { text: string; at: number }[];
  /** The `retry:` hint the server sent. */
  retry: number | null;
  ended: boolean;
  /** Waits for the first event (from `from` on) that matches. */
  waitFor(match: (e: SseEvent) => boolean, ms?: number, from?: number): Promise<SseEvent>;
  close(): void;
}

export type Opened = SseStream | { status: number; body: { detail?: unknown } };

export function connect(port: number, path: string, headers: Record<string, string> = {}): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      res.setEncoding('utf8');
      if (res.statusCode !== 200) {
        let text = '';
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as { detail?: unknown }) : {} }));
        return;
      }
      let buffer = '';
      const waiters = new Set<() => void>();
      const stream: SseStream = {
        status: 200,
        headers: res.headers,
        events: [],
        comments: [],
        retry: null,
        ended: false,
        waitFor: (match, ms = 15_000, from = 0) =>
          new Promise((resolve, reject) => {
            const check = () => {
              const found = stream.events.slice(from).find(match);
              if (!found) return;
              clearTimeout(timer);
              waiters.delete(check);
              resolve(found);
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              reject(new Error(`no matching event on the stream within ${ms} ms; got ${JSON.stringify(stream.events.map((e) => e.type))}`));
            }, ms);
            waiters.add(check);
            check();
          }),
        close: () => res.destroy(),
      };
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = new Map<string, string>();
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) stream.comments.push({ text: line, at: Date.now() });
            else {
              const i = line.indexOf(':');
              fields.set(line.slice(0, i), line.slice(i + 1).replace(/^ /, ''));
            }
          }
          if (fields.has('retry')) stream.retry = Number(fields.get('retry'));
          if (fields.has('event')) {
            stream.events.push({ id: Number(fields.get('id')), type: fields.get('event')!, data: JSON.parse(fields.get('data')!) as Record<string, unknown> });
            for (const w of [...waiters]) w();
          }
        }
      });
      res.on('end', () => (stream.ended = true));
      res.on('close', () => (stream.ended = true));
      res.on('error', () => {});
      resolve(stream);
    });
    req.on('error', reject);
    req.end();
  });
}

export function isOpen(o: Opened): o is SseStream {
  return o.status === 200 && 'events' in o;
}

/** The signed-in user's event stream (optionally resuming after `lastEventId`); anything but 200 throws. */
export async function openStream(port: number, token: string, lastEventId?: number): Promise<SseStream> {
  const opened = await connect(port, '/api/v1/events', {
    authorization: `Bearer ${token}`,
    ...(lastEventId !== undefined && { 'last-event-id': String(lastEventId) }),
  });
  if (!isOpen(opened)) throw new Error(`the event stream answered ${opened.status}: ${JSON.stringify(opened.body)}`);
  return opened;
}
