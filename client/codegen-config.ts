/**
 * How Tessera's custom scalars look on the wire, for an app's own GraphQL Code Generator config (`config.scalars`).
 * Without it, generated types say `unknown` for every `DateTime`.
 *
 * @example
 * ```ts
 * import type { CodegenConfig } from '@graphql-codegen/cli';
 * import { scalars } from 'tessera/codegen';
 *
 * const config: CodegenConfig = {
 *   schema: 'node_modules/tessera/schema.graphql',
 *   documents: ['src/**\/*.ts', '!src/gql/**'],
 *   generates: { 'src/gql/': { preset: 'client', config: { scalars, emitLegacyCommonJSImports: false } } },
 * };
 * export default config;
 * ```
 */
export const scalars = {
  /** An ISO 8601 date-time string in UTC, e.g. `2026-11-29T14:26:00.000Z`. */
  DateTime: 'string',
  /** A JSON object (an auth event's `detail`). */
  JSONObject: 'Record<string, unknown>',
} as const;
