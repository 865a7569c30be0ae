import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError } from 'graphql';
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';

import type { Context } from '../context.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: {
    loggedIn: boolean;
    admin: boolean;
    /** The viewer is the user with this id (or proved to be, by logging in within this request). */
    self: string;
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, ErrorsPlugin, RelayPlugin],
  scopeAuth: {
    authScopes: (context) => ({
      loggedIn: context.viewer !== null,
      admin: context.viewer?.role === 'ADMIN',
      self: (userId) => context.viewer?.userId === userId || context.authenticatedInRequest.has(userId),
    }),
    unauthorizedError: (_parent, context) =>
      context.viewer === null
        ? notLoggedInError()
        : new GraphQLError('You are not allowed to do this.', { extensions: { code: 'FORBIDDEN' } }),
  },
  errors: {
    directResult: true,
  },
  // Connections only (cursor pagination). No `node`/`nodes` root fields: they would look any object up by id past
  // the auth scopes of the fields that return it.
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSONObject', JSONObjectResolver);
builder.queryType({});
builder.mutationType({});

/** The error of a field that needs a viewer, asked without one. */
export function notLoggedInError(): GraphQLError {
  return new GraphQLError('You must be logged in.', { extensions: { code: 'UNAUTHENTICATED' } });
}
