import { readFile } from 'node:fs/promises';

import { describe, expect, it } from 'vitest';

import { CONFIG_VARIABLES } from '../server/config.js';

describe('README', () => {
  it("documents every configuration variable in its table, and no variable the server doesn't read", async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Using the API'));
    const documented = [...section.matchAll(/^\| `([A-Z0-9_]+)`/gm)].map((match) => match[1]);
    expect(documented.sort()).toEqual([...CONFIG_VARIABLES].sort());
  });
});
