import { sql, type Kysely } from 'kysely';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { AuthFailureReason } from '../auth/auth-failure.js';
import { isRevocation, type RevocationEvent } from '../auth/revocation-events.js';
import type { Revocations, RevocationStatus } from '../auth/revocation.js';
import type { Database } from '../db/database.js';
import type { AuthEventListener } from '../events/auth-event-log.js';
import { AUTH_EVENT_TYPES } from '../events/auth-event.js';
import { boundedLabel } from './bounded-label.js';
import { requestClusterMetrics } from './cluster-metrics.js';
import { processMetrics } from './process-metrics.js';

/** Distinct operation names given series of their own (per process); later ones are counted as `other`. */
const MAX_OPERATION_NAMES = 100;
/** Distinct reasons or actions per label (they come from the code, but a bug must not open series without end). */
const MAX_REASONS = 50;
/** How long the mail outbox count may take at scrape time before it is reported as unknown (NaN). */
const OUTBOX_QUERY_TIMEOUT_MS = 1_000;
/** The outbox count stops at this: a backlog larger than it is reported as it, and the query stays bounded. */
const OUTBOX_COUNT_CAP = 100_000;

const REVOCATION_STATUSES: readonly RevocationStatus[] = ['memory', 'database-fallback', 'database'];

/**
 * The metrics of one app, in a registry of its own (tests build many apps in one process), beside the process-wide
 * ones (`processMetrics`). What is counted comes from the auth events (`authEventListener`), the revocation sink
 * (`countingRevocations`), the HTTP plugins (`useRequestMetrics`, the flood limit) and, at scrape time, the state
 * of revocations and the mail outbox.
 */
export interface Metrics {
  /** This app's metrics. */
  readonly registry: Registry;
  /** Everything a scrape shows of this process: the process-wide registry and this app's. */
  readonly registries: readonly Registry[];
  /** The Prometheus text of a scrape: this process's, or in a cluster worker, the whole server's (via the primary). */
  scrape(): Promise<string>;
  readonly contentType: string;
  /** One GraphQL request answered: its operation name as the document gave it (undefined: none or unknown). */
  requestAnswered(operationName: string | undefined, status: number, seconds: number): void;
  /** A presented access token was refused. */
  tokenRefused(reason: AuthFailureReason): void;
  /** A request refused by the per-address request limit (RATE_LIMIT_REQUESTS), before any GraphQL. */
  requestFloodRefused(): void;
  /** Subscribed to the auth event log: logins, refreshes, reuse, rate-limit refusals, every event by type. */
  readonly authEventListener: AuthEventListener;
  /** The revocations, with what this process commits (`apply`) counted by kind. */
  countingRevocations(revocations: Revocations): Revocations;
}

export interface MetricsDependencies {
  db: Kysely<Database>;
  revocations: Pick<Revocations, 'status' | 'state' | 'listenerConnected' | 'databaseFallbackChecks'>;
  /**
   * In a node:cluster worker: hand this process's registries to the primary (prom-client answers its requests) and
   * scrape the whole server through it. One app per worker process.
   */
  cluster?: boolean;
}

export function createMetrics({ db, revocations, cluster = false }: MetricsDependencies): Metrics {
  const registry = new Registry();
  const registers = [registry];

  const httpRequests = new Counter({
    name: 'tessera_http_requests_total',
    help: 'GraphQL requests answered, by operation name (anonymous: none or unknown; other: past the first 100 names) and HTTP status.',
    labelNames: ['operation', 'status'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'tessera_http_request_duration_seconds',
    help: 'Time to answer a GraphQL request, by operation name.',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const authFailures = new Counter({
    name: 'tessera_auth_failures_total',
    help: 'Presented access tokens refused, by reason (TOKEN_EXPIRED, TOKEN_REVOKED, TOKEN_STALE, TOKEN_INVALID).',
    labelNames: ['reason'] as const,
    registers,
  });
  const logins = new Counter({
    name: 'tessera_logins_total',
    help: 'Logins by outcome: success (by method: password, registration, password-reset) or failure (by reason).',
    labelNames: ['outcome', 'method', 'reason'] as const,
    registers,
  });
  const refreshes = new Counter({
    name: 'tessera_token_refreshes_total',
    help: 'Refresh tokens exchanged for a new token pair.',
    registers,
  });
  const reuse = new Counter({
    name: 'tessera_refresh_token_reuse_total',
    help: 'Refresh tokens presented again after rotation (reuse detected: the session is revoked).',
    registers,
  });
  const rateLimited = new Counter({
    name: 'tessera_rate_limited_total',
    help: 'Attempts refused by a rate limit, by action (login, register, refreshToken, ...; requests: the per-address request limit).',
    labelNames: ['action'] as const,
    registers,
  });
  const authEvents = new Counter({
    name: 'tessera_auth_events_total',
    help: 'Auth events published (committed), by type.',
    labelNames: ['type'] as const,
    registers,
  });
  const revoked = new Counter({
    name: 'tessera_revocations_total',
    help: 'Revocations committed by this server, by kind (token, session, user: token version raised, user-deleted).',
    labelNames: ['kind'] as const,
    registers,
  });

  const state = revocations.state;
  if (state) {
    new Gauge({
      name: 'tessera_revocation_state_entries',
      help: 'Entries in the in-memory revocation state, by kind (the largest of any worker).',
      labelNames: ['kind'] as const,
      aggregator: 'max',
      registers,
      collect() {
        const size = state.size;
        this.set({ kind: 'tokens' }, size.tokens);
        this.set({ kind: 'sessions' }, size.sessions);
        this.set({ kind: 'users' }, size.users);
        this.set({ kind: 'deleted_users' }, size.deletedUsers);
      },
    });
  }
  const listenerConnected = revocations.listenerConnected?.bind(revocations);
  if (listenerConnected) {
    new Gauge({
      name: 'tessera_revocation_listener_connected',
      help: "1 when the revocation listener (LISTEN/NOTIFY) is connected, else 0; across workers, 1 only if every worker's is.",
      aggregator: 'min',
      registers,
      collect() {
        this.set(listenerConnected() ? 1 : 0);
      },
    });
  }
  new Gauge({
    name: 'tessera_revocation_check_mode',
    help: 'How revocations are being checked: 1 for the current mode (across workers: how many are in it).',
    labelNames: ['mode'] as const,
    registers,
    collect() {
      const current = revocations.status();
      for (const mode of REVOCATION_STATUSES) this.set({ mode }, mode === current ? 1 : 0);
    },
  });
  const fallbackChecks = revocations.databaseFallbackChecks?.bind(revocations);
  if (fallbackChecks) {
    let reported = 0;
    new Counter({
      name: 'tessera_revocation_database_fallback_checks_total',
      help: 'Access tokens checked against the database because memory was not trusted (listener down or late).',
      registers,
      collect() {
        const now = fallbackChecks();
        if (now > reported) this.inc(now - reported);
        reported = now;
      },
    });
  }
  new Gauge({
    name: 'tessera_mail_outbox_pending',
    help: `Mails waiting in the outbox to be sent (counted up to ${OUTBOX_COUNT_CAP}; NaN when the database did not answer).`,
    aggregator: 'max',
    registers,
    async collect() {
      this.set(await countPendingMail(db));
    },
  });

  const operationLabel = boundedLabel(MAX_OPERATION_NAMES);
  const reasonLabel = boundedLabel(MAX_REASONS);
  const actionLabel = boundedLabel(MAX_REASONS);
  const methodLabel = boundedLabel(MAX_REASONS);
  // Every type is there from the start, at 0: a rate of an event that has not happened yet is 0, not absent.
  for (const type of AUTH_EVENT_TYPES) authEvents.inc({ type }, 0);

  const registries = [processMetrics(), registry];
  if (cluster) AggregatorRegistry.setRegistries([...registries]);

  return {
    registry,
    registries,
    contentType: registry.contentType,
    async scrape() {
      if (cluster) return requestClusterMetrics();
      const texts = await Promise.all(registries.map((each) => each.metrics()));
      return texts.map((text) => (text.endsWith('\n') ? text : `${text}\n`)).join('');
    },
    requestAnswered(operationName, status, seconds) {
      const operation = operationName ? operationLabel(operationName) : 'anonymous';
      httpRequests.inc({ operation, status: String(status) });
      httpDuration.observe({ operation }, seconds);
    },
    tokenRefused(reason) {
      authFailures.inc({ reason });
    },
    requestFloodRefused() {
      rateLimited.inc({ action: 'requests' });
    },
    authEventListener(event) {
      authEvents.inc({ type: event.type });
      switch (event.type) {
        case 'LOGIN_SUCCEEDED':
          logins.inc({ outcome: 'success', method: methodLabel(event.detail?.method ?? 'password') });
          break;
        case 'LOGIN_FAILED':
          logins.inc({ outcome: 'failure', reason: reasonLabel(event.detail?.reason ?? 'unknown') });
          break;
        case 'TOKEN_REFRESHED':
          refreshes.inc();
          break;
        case 'REFRESH_TOKEN_REUSED':
          reuse.inc();
          break;
        case 'RATE_LIMITED':
          rateLimited.inc({ action: actionLabel(event.detail?.reason ?? 'unknown') });
          break;
        default:
          break;
      }
    },
    countingRevocations(inner) {
      // Everything else is the inner object's own (read through the prototype, `this` included).
      const counting: Revocations = Object.create(inner);
      counting.apply = (events: readonly RevocationEvent[]) => {
        inner.apply(events);
        // Internal notices on the same channel (a user's changed row) are not revocations.
        for (const event of events) if (isRevocation(event)) revoked.inc({ kind: event.type });
      };
      return counting;
    },
  };
}

/** Pending mails, by the partial index on them; NaN when the database does not answer in time. */
async function countPendingMail(db: Kysely<Database>): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<number>((resolve) => {
    timer = setTimeout(() => resolve(Number.NaN), OUTBOX_QUERY_TIMEOUT_MS);
  });
  const count = sql<{ pending: string | number }>`
    select count(*) as pending
    from (select 1 from mail_outbox where status = 'pending' limit ${OUTBOX_COUNT_CAP}) as queued
  `
    .execute(db)
    .then((result) => Number(result.rows[0]?.pending ?? Number.NaN))
    .catch(() => Number.NaN);
  try {
    return await Promise.race([count, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
