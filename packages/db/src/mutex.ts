/**
 * A first-come, first-served async mutex. PGlite is a single PostgreSQL session, so everything
 * that talks to it — a lone query or a whole `db.transaction()` — must hold the session alone:
 * a query interleaved into someone else's open transaction would silently become part of it.
 */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  /** Waits for every earlier holder, then returns the function that releases the lock. */
  async acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.#tail;
    // Chain on the previous holder so waiters are served in call order (no starvation).
    this.#tail = previous.then(() => next);
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  }
}
