// A GraphQL Code Generator plugin (codegen.ts): the object types of every union and interface of the schema, as
// Apollo Client's `InMemoryCache({ possibleTypes })` wants them. Without it Apollo cannot tell that a
// `UsernameTakenError` matches `... on Error`, and drops those fields from results.
// It reads the schema through its own methods only: `instanceof` would fail across the two builds of graphql.

/** @type {import('@graphql-codegen/plugin-helpers').PluginFunction} */
export function plugin(schema) {
  const abstract = Object.values(schema.getTypeMap()).filter((type) => {
    const kind = Object.prototype.toString.call(type);
    return (
      !type.name.startsWith('__') && (kind === '[object GraphQLUnionType]' || kind === '[object GraphQLInterfaceType]')
    );
  });
  const possibleTypes = Object.fromEntries(
    abstract
      .map((type) => [
        type.name,
        schema
          .getPossibleTypes(type)
          .map((member) => member.name)
          .sort(),
      ])
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  return [
    '/* eslint-disable */',
    '// Generated from schema.graphql by `npm run codegen`: do not edit.',
    '',
    '/**',
    " * The object types of every union and interface, for Apollo Client's `new InMemoryCache({ possibleTypes })`:",
    ' * without it, the fields of `... on Error` in a result union come back missing.',
    ' */',
    `export const possibleTypes: { [supertype: string]: string[] } = ${JSON.stringify(possibleTypes, null, 2)};`,
    '',
  ].join('\n');
}
