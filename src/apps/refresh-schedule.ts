/**
 * When the setup card asks the server again while the person is at their page: pure, unit-tested
 * in Node (test/unit/card-views.test.ts). Each ask (refresh_setup_card with waitSeconds) waits on
 * the server, which sees the moment the person finishes through its shared poll; between asks the
 * card pauses longer and longer, and it stops once the page's link would have expired anyway.
 * The README's card section states these numbers: change both together.
 */

/** How long each ask waits on the server for the person. */
export const REFRESH_WAIT_SECONDS = 20;

/** The card stops asking after this long (a credential link lasts 10 minutes, a sign-in link 5). */
export const STOP_AFTER_MS = 10 * 60_000;

/** The pause before each ask, by how many asks came before: three in a row, then 10 s, 20 s, 40 s, then a minute each. */
const PAUSES_MS = [0, 0, 0, 10_000, 20_000, 40_000, 60_000];

/** The pause before the next ask, or "stop" when it would start after STOP_AFTER_MS of waiting. */
export function nextRefresh(asked: number, elapsedMs: number): number | "stop" {
  const pause = PAUSES_MS[Math.min(asked, PAUSES_MS.length - 1)] ?? 0;
  return elapsedMs + pause >= STOP_AFTER_MS ? "stop" : pause;
}
