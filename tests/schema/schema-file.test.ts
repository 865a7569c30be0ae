import { readFile } from 'node:fs/promises';

import { isAbstractType, isScalarType, isSpecifiedScalarType } from 'graphql';
import { describe, expect, it } from 'vitest';

import { scalars } from '../../client/codegen-config.js';
import { possibleTypes } from '../../client/gql/possible-types.js';
import { schema } from '../../server/schema/index.js';
import { printSortedSchema } from '../../server/schema/print.js';

describe('schema.graphql', () => {
  it('is the printed schema of the code (run `npm run schema:print` after changing the schema)', async () => {
    const committed = await readFile(new URL('../../schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(printSortedSchema(schema));
  });
});

describe('what apps get with the schema', () => {
  const types = Object.values(schema.getTypeMap()).filter((type) => !type.name.startsWith('__'));

  it("tessera/possible-types names every union's and interface's object types (run `npm run codegen`)", () => {
    const expected = Object.fromEntries(
      types.filter(isAbstractType).map((type) => [
        type.name,
        schema
          .getPossibleTypes(type)
          .map((t) => t.name)
          .sort(),
      ]),
    );
    expect(Object.keys(expected)).toContain('Error');
    expect(possibleTypes).toEqual(expected);
  });

  it("tessera/codegen's scalars map every custom scalar of the schema, and nothing else", () => {
    const custom = types.filter((type) => isScalarType(type) && !isSpecifiedScalarType(type)).map((type) => type.name);
    expect(Object.keys(scalars).sort()).toEqual(custom.sort());
  });
});
