import { load, type LoadOptions, type LoadResult } from './load.js';

export interface InTurns<Name extends string> {
  /** Each scenario's run with the median rate of its rounds. */
  readonly results: Record<Name, LoadResult>;
  /** Every round's rate, in order. */
  readonly rounds: Record<Name, number[]>;
  /** `a`'s rate over `b`'s: the median of the rounds' ratios, each from two runs seconds apart. */
  ratio(a: Name, b: Name): number;
}

/**
 * Runs the scenarios in turns, `rounds` times: a, b, c, a, b, c, ... This machine's speed drifts by 20% and more
 * from one minute to the next; a ratio of two runs made minutes apart measures the drift as much as the servers,
 * while each round's ratio compares runs made seconds apart, and the median of them is what one run can say.
 */
export async function inTurns<Name extends string>(
  scenarios: Record<Name, LoadOptions>,
  rounds: number,
): Promise<InTurns<Name>> {
  const names = Object.keys(scenarios) as Name[];
  const runs = Object.fromEntries(names.map((name) => [name, [] as LoadResult[]])) as Record<Name, LoadResult[]>;
  for (let round = 0; round < rounds; round++) {
    for (const name of names) runs[name].push(await load(scenarios[name]));
  }
  const rates = (name: Name) => runs[name].map((run) => run.requestsPerSecond);
  return {
    results: Object.fromEntries(
      names.map((name) => [name, runs[name].find((run) => run.requestsPerSecond === median(rates(name)))!]),
    ) as Record<Name, LoadResult>,
    rounds: Object.fromEntries(names.map((name) => [name, rates(name).map(Math.round)])) as Record<Name, number[]>,
    ratio: (a, b) => median(rates(a).map((rate, round) => rate / rates(b)[round]!)),
  };
}

/** The middle value (the lower middle of an even count, so that it is one of the values). */
export function median(values: number[]): number {
  return [...values].sort((x, y) => x - y)[Math.floor((values.length - 1) / 2)]!;
}
