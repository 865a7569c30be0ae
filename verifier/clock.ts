/** Where the verifier reads the time (milliseconds since the epoch). Tests pass their own to move time. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
