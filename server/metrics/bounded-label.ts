/**
 * Keeps a label's values few, whatever clients send: the first `limit` distinct values are kept as they are, any
 * later one becomes `overflow`. Every series a label value opens lives as long as the process, so a client able to
 * invent values (operation names) must not be able to open them without end.
 */
export function boundedLabel(limit: number, overflow = 'other'): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= limit) return overflow;
    seen.add(value);
    return value;
  };
}
