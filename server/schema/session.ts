import type { Session } from '../auth/session.js';
import { builder } from './builder.js';

export const SessionType = builder.objectRef<Session>('Session').implement({
  description: 'One login on one device.',
  fields: (t) => ({
    id: t.exposeID('id'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      description: 'When the session ends if its refresh token goes unused.',
    }),
    userAgent: t.exposeString('userAgent', { nullable: true }),
    current: t.exposeBoolean('current', { description: 'The session of the access token this request carries.' }),
  }),
});

builder.queryFields((t) => ({
  sessions: t.field({
    type: [SessionType],
    description: "The viewer's live sessions, most recently used first.",
    authScopes: { loggedIn: true },
    resolve: (_root, _args, { viewer, services }) => services.sessions.list(viewer!.userId, viewer!.sessionId),
  }),
}));

builder.mutationFields((t) => ({
  revokeSession: t.boolean({
    description:
      "Ends one of the viewer's own sessions: its refresh token and access tokens stop working at once. False when " +
      'the viewer has no such live session.',
    authScopes: { loggedIn: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { viewer, services, client }) =>
      services.sessions.revoke(viewer!.userId, String(id), client),
  }),
}));
