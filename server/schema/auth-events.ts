import { resolveCursorConnection, type ResolveCursorConnectionArgs } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';

import type { AuthEventPosition } from '../db/auth-event.repository.js';
import { AUTH_EVENT_TYPES } from '../events/auth-event.js';
import { authEventCursor, decodeAuthEventCursor } from '../events/auth-event-cursor.js';
import type { AuditEvent, AuditTrailPage } from '../events/audit-trail.service.js';
import { builder } from './builder.js';

export const AuthEventTypeEnum = builder.enumType('AuthEventType', {
  description: 'What happened, in the audit trail.',
  values: AUTH_EVENT_TYPES,
});

export const AuthEventObject = builder.objectRef<AuditEvent>('AuthEvent').implement({
  description:
    'One entry of the audit trail: something that happened to an account or a session. Never holds a token, ' +
    'secret or password. Once its user is deleted, it keeps its type and time but loses the address, user agent, ' +
    'names and email addresses.',
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.expose('type', { type: AuthEventTypeEnum }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    userId: t.exposeID('userId', {
      nullable: true,
      description: 'The user it happened to (or who tried); null when no account was found (a failed login).',
    }),
    sessionId: t.exposeID('sessionId', { nullable: true, description: 'The session it happened in, if any.' }),
    ip: t.exposeString('ip', {
      nullable: true,
      description: "The client's address (behind TRUSTED_PROXY, as the proxy reports it); null for the CLI.",
    }),
    userAgent: t.exposeString('userAgent', { nullable: true }),
    detail: t.expose('detail', {
      type: 'JSONObject',
      description:
        'Facts about the event: `reason` (why a login failed, a session was revoked, or which limit refused), ' +
        '`method` (how a login proved who it is), `role`, `email`, `newEmail`, `count` (sessions ended), ' +
        '`actorId` (the admin who did it) or `via: "cli"` (the operator).',
    }),
  }),
});

/** One connection type for both queries: an app pages the trail and a user's own activity alike. */
const AuthEventConnection = builder.connectionObject(
  { type: AuthEventObject, name: 'AuthEventConnection' },
  { name: 'AuthEventEdge' },
);

builder.queryFields((t) => ({
  authEvents: t.connection(
    {
      type: AuthEventObject,
      description:
        'The audit trail, newest first, a page at a time (20 unless `first` or `last` says, at most 100). Admins ' +
        'only. Kept for AUDIT_RETENTION (90 days unless set).',
      authScopes: { admin: true },
      args: {
        userId: t.arg.id({ description: "Only this user's events." }),
        types: t.arg({
          type: [AuthEventTypeEnum],
          description: 'Only events of these types; absent or empty: every type.',
        }),
      },
      resolve: (_root, args, { services }) => {
        const filter = {
          userId: args.userId == null ? undefined : String(args.userId),
          types: args.types ?? undefined,
        };
        return pageOfEvents(args, (page) => services.auditTrail.list(filter, page));
      },
    },
    AuthEventConnection,
  ),
  myAuthEvents: t.connection(
    {
      type: AuthEventObject,
      description:
        "The viewer's own recent security activity (logins, failed logins, refreshes, logouts, password and email " +
        'changes, and what admins did to their account, without who or from where), newest first, as `authEvents` ' +
        'pages.',
      authScopes: { loggedIn: true },
      resolve: (_root, args, { viewer, services }) =>
        pageOfEvents(args, (page) => services.auditTrail.listOwn(viewer!.userId, page)),
    },
    AuthEventConnection,
  ),
}));

/** A Relay page of events: cursors carry the time and id of an event, newest first. */
function pageOfEvents(
  args: { first?: number | null; last?: number | null; after?: string | null; before?: string | null },
  read: (page: AuditTrailPage) => Promise<AuditEvent[]>,
) {
  if ((args.first ?? 0) < 0 || (args.last ?? 0) < 0) throw badRequest('first and last must not be negative.');
  return resolveCursorConnection(
    { args, toCursor: authEventCursor },
    ({ after, before, limit, inverted }: ResolveCursorConnectionArgs) =>
      read({
        after: after === undefined ? undefined : position(after),
        before: before === undefined ? undefined : position(before),
        limit,
        ascending: inverted,
      }),
  );
}

function badRequest(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } });
}

function position(cursor: string): AuthEventPosition {
  const decoded = decodeAuthEventCursor(cursor);
  if (decoded === undefined) throw badRequest('The cursor is not one this server gave.');
  return decoded;
}
