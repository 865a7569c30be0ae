/**
 * Where a key stands at a moment: `next` (published, not signing yet), `current` (signs new tokens), `retiring`
 * (superseded, still verifying the tokens it signed until the last expires), `expired` (verifies nothing).
 */
export type KeyState = 'next' | 'current' | 'retiring' | 'expired';

export interface KeyStanding {
  readonly state: KeyState;
  /** When it stops verifying: its successor's start plus the life of a token. Undefined while it signs or waits. */
  readonly verifiesUntil?: number;
}

/**
 * The state of each key at `now`, from when each starts signing (`activatesAt`, milliseconds): the latest started is
 * current, later ones are next, earlier ones retire once their successor starts and expire `tokenLifeMs` after.
 * Keys must be ordered by `activatesAt`.
 */
export function keyStandings(
  keys: readonly { kid: string; activatesAt: number }[],
  now: number,
  tokenLifeMs: number,
): Map<string, KeyStanding> {
  let current = -1;
  keys.forEach((key, index) => {
    if (key.activatesAt <= now) current = index;
  });
  return new Map(
    keys.map((key, index): [string, KeyStanding] => {
      if (index > current) return [key.kid, { state: 'next' }];
      if (index === current) return [key.kid, { state: 'current' }];
      const verifiesUntil = keys[index + 1]!.activatesAt + tokenLifeMs;
      return [key.kid, { state: now < verifiesUntil ? 'retiring' : 'expired', verifiesUntil }];
    }),
  );
}
