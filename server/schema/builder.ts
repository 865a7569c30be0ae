import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';

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
  };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, ErrorsPlugin],
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
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.queryType({});
builder.mutationType({});

/** The error of a field that needs a viewer, asked without one. */
export function notLoggedInError(): GraphQLError {
  return new GraphQLError('You must be logged in.', { extensions: { code: 'UNAUTHENTICATED' } });
}
