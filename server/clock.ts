/**
 * Where code that asks "what time is it" gets its answer, so a test can move time instead of sleeping. Milliseconds
 * since the epoch, like `Date.now()`.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
