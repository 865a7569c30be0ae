import type { OperationResult } from '@urql/core';
import {
  getOperationAST,
  parse,
  separateOperations,
  GraphQLError,
  type DocumentNode,
  type ExecutionResult,
} from 'graphql';

import type { Identity } from './identity-shelf.js';

/** What GraphiQL hands a fetcher: the editor's operation, and the Headers tab. */
export interface EditorRequest {
  query: string;
  operationName?: string | null;
  variables?: unknown;
}

/** A GraphQL response as GraphiQL shows it. */
export type EditorResult = ExecutionResult;

export interface EditorFetcherOptions {
  /** The GraphQL endpoint. */
  url: string;
  /** The identity whose token the editor's requests carry now, if any. */
  activeIdentity: () => Identity | null;
  /** Called with every result (the panel looks in it for a token pair to offer). */
  onResult?: (result: EditorResult) => void;
}

/**
 * GraphiQL's fetcher. With an active identity and no `Authorization` typed in the Headers tab, the operation goes
 * through that identity's client, whose auth exchange adds the token and refreshes it (before it expires, and after
 * a 401 TOKEN_EXPIRED/TOKEN_STALE, retrying once). Otherwise it is a plain POST with the Headers tab as typed: a
 * token typed by hand wins over the panel's.
 */
export function createEditorFetcher({ url, activeIdentity, onResult }: EditorFetcherOptions) {
  return async (request: EditorRequest, options?: { headers?: Record<string, unknown> }): Promise<EditorResult> => {
    const headers = stringHeaders(options?.headers ?? {});
    const identity = handTypedAuthorization(headers) ? null : activeIdentity();
    const result = identity ? await runAs(identity, request, headers) : await postAsTyped(url, request, headers);
    onResult?.(result);
    return result;
  };
}

/** A header `Authorization` with something after the scheme; `Bearer ` alone (the old template) is no token. */
function handTypedAuthorization(headers: Record<string, string>): boolean {
  return Object.entries(headers).some(
    ([name, value]) => name.toLowerCase() === 'authorization' && !/^\s*(bearer\s*)?$/i.test(value),
  );
}

function stringHeaders(headers: Record<string, unknown>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    // An empty Authorization (no token) is left out, so the identity's (or no) token is what the server reads.
    if (name.toLowerCase() === 'authorization' && handTypedAuthorization({ [name]: String(value) }) === false) continue;
    if (value !== undefined && value !== null) result[name] = String(value);
  }
  return result;
}

async function postAsTyped(url: string, request: EditorRequest, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      accept: 'application/graphql-response+json, application/json',
      ...headers,
      'content-type': 'application/json',
    },
    body: JSON.stringify(request),
    credentials: 'same-origin',
  });
  return (await response.json()) as EditorResult;
}

async function runAs(identity: Identity, request: EditorRequest, headers: Record<string, string>) {
  let document: DocumentNode;
  try {
    document = selectOperation(parse(request.query), request.operationName ?? null);
  } catch (error) {
    return {
      errors: [
        error instanceof GraphQLError
          ? error
          : new GraphQLError(error instanceof Error ? error.message : String(error)),
      ],
    };
  }
  const variables = (request.variables ?? {}) as Record<string, unknown>;
  const context = { requestPolicy: 'network-only', fetchOptions: { headers, credentials: 'same-origin' } } as const;
  const source =
    getOperationAST(document)?.operation === 'mutation'
      ? identity.client.mutation(document, variables, context)
      : identity.client.query(document, variables, context);
  return toEditorResult(await source.toPromise());
}

/**
 * The operation to run, alone with the fragments it uses: urql names the request after the document's first
 * operation, and the editor's document often holds several (the welcome text does).
 */
function selectOperation(document: DocumentNode, operationName: string | null): DocumentNode {
  const operations = document.definitions.filter((d) => d.kind === 'OperationDefinition');
  if (operations.length <= 1) return document;
  const separated = separateOperations(document);
  const selected = operationName === null ? undefined : separated[operationName];
  if (!selected) throw new Error('The document holds several operations: choose one to run.');
  return selected;
}

/** urql's result back into the response GraphiQL shows; a failure with no response at all is thrown for it. */
function toEditorResult(result: OperationResult): EditorResult {
  const error = result.error;
  if (error?.networkError && error.graphQLErrors.length === 0 && result.data === undefined) throw error.networkError;
  return {
    ...(result.data !== undefined && { data: result.data as Record<string, unknown> }),
    // GraphQLErrors: GraphiQL prints them as JSON (their `toJSON`), as the server sent them.
    ...(error && error.graphQLErrors.length > 0 && { errors: error.graphQLErrors }),
    ...(result.extensions !== undefined && { extensions: result.extensions }),
  };
}
