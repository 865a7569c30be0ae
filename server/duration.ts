import ms from 'ms';

/**
 * Parses a duration such as `15m`, `2s`, `1h` or `30d` into whole seconds.
 * A bare number means seconds (as in jsonwebtoken's `expiresIn`), not milliseconds as `ms` would read it.
 * Returns undefined for anything that is not a positive duration of at least one second.
 */
export function parseDuration(value: string): number | undefined {
  const trimmed = value.trim();
  const milliseconds = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : ms(trimmed as ms.StringValue);
  if (typeof milliseconds !== 'number' || !Number.isFinite(milliseconds) || milliseconds < 1000) {
    return undefined;
  }
  return Math.floor(milliseconds / 1000);
}

/**
 * Parses a duration into whole milliseconds, for settings finer than a second (`500ms`, `1s`). A bare number means
 * seconds, as in `parseDuration`. Returns undefined for anything under `minimumMs`.
 */
export function parseDurationMs(value: string, minimumMs = 1): number | undefined {
  const trimmed = value.trim();
  const milliseconds = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : ms(trimmed as ms.StringValue);
  if (typeof milliseconds !== 'number' || !Number.isFinite(milliseconds) || milliseconds < minimumMs) return undefined;
  return Math.floor(milliseconds);
}
