/** One sample of a scrape: `name{labels} value`. */
export interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

export interface Scrape {
  readonly samples: Sample[];
  /** Family name -> its `# TYPE`. */
  readonly types: Map<string, string>;
  /** The sum of the samples named `name` whose labels include `labels` (0 when there are none). */
  sum(name: string, labels?: Record<string, string>): number;
  /** Whether a sample of that name (and labels) is there at all. */
  has(name: string, labels?: Record<string, string>): boolean;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_NAME = '[a-zA-Z_][a-zA-Z0-9_]*';
// A label value: any characters, with backslash, double quote and line feed escaped.
const LABEL_VALUE = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
// A float as Prometheus reads it (Go's ParseFloat): `NaN` and `Inf` in any case (prom-client writes `Nan`).
const VALUE = '(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]?[iI][nN][fF]|[nN][aA][nN])';
const SAMPLE = new RegExp(
  `^(${NAME})(?:\\{((?:${LABEL_NAME}=${LABEL_VALUE})(?:,${LABEL_NAME}=${LABEL_VALUE})*,?)?\\})? (${VALUE})(?: -?\\d+)?$`,
);
const LABEL = new RegExp(`(${LABEL_NAME})=(${LABEL_VALUE})`, 'g');
const HELP = new RegExp(`^# HELP (${NAME}) (?:[^\\\\\\n]|\\\\[\\\\n])*$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

const SUFFIXES: Record<string, string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

/**
 * Parses the Prometheus text exposition format (0.0.4) strictly: every line must be empty, a HELP, a TYPE or a sample
 * of a family whose TYPE came before it (a histogram's `_bucket`, `_sum` and `_count` included); throws naming the first
 * line that is not.
 */
export function parsePrometheusText(text: string): Scrape {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('The exposition does not end with a line feed');
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, index) => {
    const fail = (why: string) => {
      throw new Error(`Line ${index + 1} ${why}: ${JSON.stringify(line)}`);
    };
    if (line === '') return; // empty lines are ignored (prom-client puts one between families)
    if (line.startsWith('#')) {
      const type = TYPE.exec(line);
      if (type) {
        if (types.has(type[1]!)) fail('declares a TYPE twice');
        types.set(type[1]!, type[2]!);
        return;
      }
      if (HELP.test(line)) return;
      fail('is not a HELP or TYPE comment');
    }
    const match = SAMPLE.exec(line);
    if (!match) return fail('is not a sample');
    const name = match[1]!;
    const family = familyOf(name, types);
    if (!family) fail('is a sample of no declared family');
    const labels: Record<string, string> = {};
    for (const [, key, quoted] of (match[2] ?? '').matchAll(LABEL)) {
      if (key! in labels) fail(`repeats the label ${key}`);
      labels[key!] = JSON.parse(quoted!) as string;
    }
    if (types.get(family!) === 'histogram' && name.endsWith('_bucket') && labels.le === undefined) {
      fail('is a histogram bucket without `le`');
    }
    samples.push({ name, labels, value: toNumber(match[3]!) });
  });

  const matching = (name: string, labels: Record<string, string>) =>
    samples.filter(
      (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    );
  return {
    samples,
    types,
    sum: (name, labels = {}) => matching(name, labels).reduce((total, sample) => total + sample.value, 0),
    has: (name, labels = {}) => matching(name, labels).length > 0,
  };
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name) && !SUFFIXES[types.get(name)!]) return name;
  for (const [family, type] of types) {
    for (const suffix of SUFFIXES[type] ?? []) if (name === family + suffix) return family;
  }
  return undefined;
}

function toNumber(value: string): number {
  if (/^nan$/i.test(value)) return Number.NaN;
  if (/^[+-]?inf$/i.test(value)) return value.startsWith('-') ? -Infinity : Infinity;
  return Number(value);
}
