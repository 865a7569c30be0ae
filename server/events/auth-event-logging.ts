import type { Logger } from '../logger.js';
import type { AuthEventListener } from './auth-event-log.js';

/**
 * One log line per auth event: what, whose, and why. Only ids and the reason: no address or name (the audit trail
 * keeps those, and forgets them when the user is deleted; a log file does not), and never a secret (an event holds
 * none).
 */
export function logAuthEvent(logger: Logger): AuthEventListener {
  return (event) => {
    const level = event.type === 'REFRESH_TOKEN_REUSED' ? 'warn' : 'info';
    logger[level](
      {
        event: event.type,
        userId: event.userId ?? undefined,
        sessionId: event.sessionId ?? undefined,
        reason: event.detail?.reason,
        actorId: event.detail?.actorId,
      },
      'Auth event',
    );
  };
}
