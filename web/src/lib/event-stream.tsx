import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { EVENT_TYPES, type EventData, type EventTicketResponse, type EventType } from '@flowpilot/contracts';
import { api } from './api.ts';

/** One live event as the client sees it: its type, its data (ids), and its stream id. */
export type LiveEvent = { [T in EventType]: { type: T; data: EventData[T]; id: number | null } }[EventType];
type Listener = (event: LiveEvent) => void;

export type StreamState = 'connecting' | 'open' | 'reconnecting';

export type ResyncGap = 'full' | 'partial';

interface EventStream {
  /** Called with every event; returns the unsubscribe. */
  subscribe(listener: Listener): () => void;
  /**
   * Called when the stream came back after a gap. `full`: it cannot replay
   * (no event seen yet, so no id to resume from), and whatever is live must
   * be refetched. `partial`: stored events are replayed, but the unstored
   * hints of the gap ("a session changed") are not, so open sessions are
   * refetched.
   */
  onResync(listener: (gap: ResyncGap) => void): () => void;
  state: StreamState;
}

const EventStreamContext = createContext<EventStream | null>(null);

/** Backoff after a failure: ½ s, 1 s, 2 s … up to 30 s, with jitter so tabs do not reconnect in step. */
function backoffMs(attempt: number): number {
  const base = Math.min(30_000, 500 * 2 ** attempt);
  return base / 2 + Math.random() * (base / 2);
}

/**
 * The one live event stream of the signed-in user. A browser's EventSource
 * cannot send the access token, so each connection uses a single-use ticket;
 * a spent ticket cannot reconnect, so on any error the stream is closed and
 * opened again with a fresh ticket, resuming after the last event id seen
 * (the server replays what was missed).
 */
export function EventStreamProvider({ userId, children }: { userId: string | null; children: ReactNode }) {
  const listeners = useRef(new Set<Listener>());
  const resyncers = useRef(new Set<(gap: ResyncGap) => void>());
  const [state, setState] = useState<StreamState>('connecting');

  useEffect(() => {
    if (!userId) return;
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let attempt = 0;
    let lastId: number | null = null;
    let everOpened = false;
    /** A ticket is being fetched: one connection attempt at a time. */
    let connecting = false;

    const dispatch = (type: EventType, message: MessageEvent<string>) => {
      let data: unknown;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      const id = message.lastEventId ? Number(message.lastEventId) : null;
      // Events may arrive slightly out of id order (transactions commit out of order): resume after the highest.
      if (id !== null && Number.isFinite(id) && (lastId === null || id > lastId)) lastId = id;
      const event = { type, data, id } as LiveEvent;
      for (const l of listeners.current) l(event);
    };

    const retry = () => {
      if (stopped) return;
      setState('reconnecting');
      timer = setTimeout(() => void connect(), backoffMs(attempt++));
    };

    const connect = async () => {
      if (stopped || connecting) return;
      connecting = true;
      let ticket: string;
      try {
        ({ ticket } = await api.post<EventTicketResponse>('/events/ticket'));
      } catch {
        retry();
        return;
      } finally {
        connecting = false;
      }
      if (stopped) return;
      const params = new URLSearchParams({ ticket });
      if (lastId !== null) params.set('last_event_id', String(lastId));
      const es = new EventSource(`/api/v1/events?${params}`);
      source = es;
      es.onopen = () => {
        attempt = 0;
        setState('open');
        if (everOpened) for (const r of resyncers.current) r(lastId === null ? 'full' : 'partial');
        everOpened = true;
      };
      // The browser would retry with the same (spent) ticket: close and start over with a new one.
      es.onerror = () => {
        es.close();
        if (source === es) source = null;
        retry();
      };
      for (const type of EVENT_TYPES) es.addEventListener(type, (m) => dispatch(type, m as MessageEvent<string>));
    };

    // Back online: no need to sit out the backoff.
    const onOnline = () => {
      if (stopped || source || connecting) return;
      clearTimeout(timer);
      attempt = 0;
      void connect();
    };
    window.addEventListener('online', onOnline);

    setState('connecting');
    void connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      window.removeEventListener('online', onOnline);
      source?.close();
    };
  }, [userId]);

  const value = useRef<Omit<EventStream, 'state'>>({
    subscribe(listener) {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
    onResync(listener) {
      resyncers.current.add(listener);
      return () => resyncers.current.delete(listener);
    },
  });

  return <EventStreamContext.Provider value={{ ...value.current, state }}>{children}</EventStreamContext.Provider>;
}

function useEventStream(): EventStream {
  const ctx = useContext(EventStreamContext);
  if (!ctx) throw new Error('useLiveEvents outside EventStreamProvider');
  return ctx;
}

/** Calls `handler` with every live event while the component is mounted (the latest handler, without resubscribing). */
export function useLiveEvents(handler: (event: LiveEvent) => void, onResync?: (gap: ResyncGap) => void): void {
  const { subscribe, onResync: subscribeResync } = useEventStream();
  const ref = useRef({ handler, onResync });
  useEffect(() => {
    ref.current = { handler, onResync };
  });
  useEffect(() => {
    const off = subscribe((e) => ref.current.handler(e));
    const offResync = subscribeResync((gap) => ref.current.onResync?.(gap));
    return () => {
      off();
      offResync();
    };
  }, [subscribe, subscribeResync]);
}

/** Whether the live stream is connected (for a quiet "reconnecting" hint). */
export const useStreamState = (): StreamState => useEventStream().state;
