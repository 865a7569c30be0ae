import { randomUUID } from 'node:crypto';

import type { Kysely } from 'kysely';

import { systemClock, type Clock } from '../clock.js';
import { insertAuthEvents } from '../db/auth-event.repository.js';
import type { Database } from '../db/database.js';
import { createLogger, type Logger } from '../logger.js';
import type { AuthEvent, RecordedAuthEvent } from './auth-event.js';

export type AuthEventListener = (event: RecordedAuthEvent) => void;

/**
 * The one place auth events go through. The audit trail is written here (nothing else writes it); once an event is
 * committed it is published to the listeners: metrics and logs.
 */
export interface AuthEventLog {
  /**
   * Records events that go with no change of their own (a failed login, a refused attempt): written at once, then
   * published. Never throws: losing an audit row must not turn a refusal into a server error (it is logged).
   */
  record(event: AuthEvent): Promise<void>;
  /** Gives events their id and time, for a unit of work to write in its transaction. */
  stamp(events: readonly AuthEvent[]): RecordedAuthEvent[];
  /** Tells the listeners of events whose transaction has committed. */
  publish(events: readonly RecordedAuthEvent[]): void;
  subscribe(listener: AuthEventListener): () => void;
}

export function createAuthEventLog(deps: { db: Kysely<Database>; clock?: Clock; logger?: Logger }): AuthEventLog {
  const { db, clock = systemClock } = deps;
  const logger = deps.logger ?? createLogger('error');
  const listeners = new Set<AuthEventListener>();

  const log: AuthEventLog = {
    async record(event) {
      const recorded = log.stamp([event]);
      try {
        await insertAuthEvents(db, recorded);
      } catch (error) {
        logger.error({ err: error, event: event.type }, 'An auth event could not be written to the audit trail');
      }
      log.publish(recorded);
    },
    stamp(events) {
      const occurredAt = new Date(clock.now());
      return events.map((event) => ({ ...event, id: randomUUID(), occurredAt }));
    },
    publish(events) {
      for (const event of events) {
        for (const listener of listeners) {
          try {
            listener(event);
          } catch (error) {
            logger.error({ err: error, event: event.type }, 'An auth event listener failed');
          }
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return log;
}

/** For code that runs with no audit trail (some tests, tools): records nothing, tells no one. */
export const noAuthEventLog: AuthEventLog = {
  record: async () => {},
  stamp: (events) => events.map((event) => ({ ...event, id: randomUUID(), occurredAt: new Date() })),
  publish: () => {},
  subscribe: () => () => {},
};
