import { getOperationAST, Kind, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

import { authFailureError, type Context } from '../context.js';

/**
 * The mutations that get a client a new token. A token the server refuses must never block them: a global auth
 * header (Apollo's auth link, graphql-request's `headers`, GraphiQL's saved Headers tab) still carries the expired or
 * revoked token when the client logs in again, or refreshes to fix exactly that.
 */
const NO_VIEWER_NEEDED = new Set([
  'login',
  // The second step of a login: the client still holds whatever stale token made it log in again.
  'verifyMfa',
  // A login with a passkey, whole or as the second step: the same.
  'passkeyLoginOptions',
  'loginWithPasskey',
  'register',
  'refreshToken',
  // The ways back in from a mail's link: a stale token saved in the client must not block them.
  'requestPasswordReset',
  'resetPassword',
  'verifyEmail',
  '__typename',
]);

/**
 * What happens to a presented access token that failed its check (`Context.refusedToken`): an operation made only
 * of the mutations above runs as anonymous, and the response says why the token was ignored
 * (`extensions.refusedToken.reason`); any other operation is refused before execution with HTTP 401, as before.
 */
export function useRefusedTokenPolicy(): Plugin<Context> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const refused = (args.contextValue as Context).refusedToken;
      if (!refused) return;
      if (!needsNoViewer(args.document, args.operationName)) {
        setResultAndStopExecution({ errors: [authFailureError(refused, { http: true })] });
        return;
      }
      return {
        onExecuteDone({ result, setResult }) {
          if (!('data' in result)) return;
          setResult({ ...result, extensions: { ...result.extensions, refusedToken: { reason: refused.reason } } });
        },
      };
    },
  };
}

function needsNoViewer(document: DocumentNode, operationName: string | null | undefined): boolean {
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation !== 'mutation') return false;
  // Fragments at the root could hide any field: only plain fields are looked at.
  return operation.selectionSet.selections.every(
    (selection) => selection.kind === Kind.FIELD && NO_VIEWER_NEEDED.has(selection.name.value),
  );
}
