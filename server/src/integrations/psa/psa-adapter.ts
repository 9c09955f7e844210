import type { PsaProvider } from '@flowpilot/contracts';

/** A session's documentation as a ticket note. */
export interface PsaNote {
  ticketId: number;
  title: string;
  /** Plain text, ending with the marker. */
  text: string;
  html: string;
  /** Unique to this documentation: a retry looks for it before writing again. */
  marker: string;
}

/** One PSA, as FlowPilot uses it. Errors are DeliveryErrors that say what is wrong. */
export interface PsaAdapter {
  readonly provider: PsaProvider;
  /** The provider's name as users know it. */
  readonly label: string;
  /** Checks the address and credentials (and a ticket, if given); says what worked. */
  test(ticketId?: number): Promise<string>;
  /** Whether a note carrying this marker is already on the ticket (a write whose answer was lost). */
  findNote(ticketId: number, marker: string): Promise<string | null>;
  /** Writes the note; returns its id in the PSA. */
  postNote(note: PsaNote): Promise<string>;
}

export interface AdapterContext {
  allowPrivate: boolean;
  /** Per request (integrations.md: PSA 30 s). */
  timeoutMs: number;
}
