type Waiting<I, O> = { item: I; resolve: (out: O | Promise<O>) => void; reject: (err: unknown) => void };

/**
 * Collects the calls made in one turn of the event loop and hands them to
 * `flush` together, once the turn is over: under load one round trip serves
 * many requests, and each call is still sent after it was made. `flush`
 * answers each item in order, with a value or a promise of one (so one item
 * can fail alone).
 */
export function perTurn<I, O>(flush: (items: I[]) => Promise<(O | Promise<O>)[]>): (item: I) => Promise<O> {
  let pending: Waiting<I, O>[] | null = null;
  const send = (batch: Waiting<I, O>[]) => {
    pending = null;
    flush(batch.map((b) => b.item)).then(
      (out) => batch.forEach((b, i) => b.resolve(out[i] as O | Promise<O>)),
      (err: unknown) => batch.forEach((b) => b.reject(err)),
    );
  };
  return (item) =>
    new Promise<O>((resolve, reject) => {
      let batch = pending;
      if (!batch) {
        batch = pending = [];
        setImmediate(send, batch);
      }
      batch.push({ item, resolve, reject });
    });
}
