import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';

/** The SDL committed as `schema.graphql`: sorted, so that a change shows as a small diff in review. */
export function printSortedSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
