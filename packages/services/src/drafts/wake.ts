import type { Notifications, NotificationTopic } from "@cairn/db";

/** A subscription to one topic: `wait` returns early once a matching notification arrived. */
export interface Wakeup {
  /**
   * Resolves after `ms` (or when `until` settles, if sooner), or as soon as a matching
   * notification arrived since the previous `wait` returned (one that came while the caller was
   * reading is not lost). True when woken by a notification.
   */
  wait(ms: number, until?: Promise<unknown>): Promise<boolean>;
  close(): void;
}

/**
 * Subscribes to `topic`, keeping the notifications `accepts` picks (a `null` — notifications may
 * have been missed — always counts). Without `notifications` (`CAIRN_DATABASE_LISTEN=false`),
 * `wait` only sleeps: the caller's poll is all there is.
 */
export async function subscribeWakeup(
  notifications: Notifications | undefined,
  topic: NotificationTopic,
  accepts: (payload: string) => boolean,
): Promise<Wakeup> {
  let pending = false;
  let wake: (() => void) | undefined;
  const stop = notifications
    ? await notifications.listen(topic, (payload) => {
        if (payload !== null && !accepts(payload)) return;
        pending = true;
        wake?.();
      })
    : () => {};
  return {
    async wait(ms, until) {
      if (!pending && ms > 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, ms);
          until?.then(
            () => resolve(),
            () => resolve(),
          );
        });
        clearTimeout(timer);
        wake = undefined;
      }
      const woken = pending;
      pending = false;
      return woken;
    },
    close: stop,
  };
}
