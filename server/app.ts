import { createYoga } from 'graphql-yoga';
import type { Kysely } from 'kysely';

import type { TokenSettings } from './auth/access-tokens.js';
import { createTokenVerifier } from './auth/verified-tokens.js';
import { createAuthService } from './auth/auth.service.js';
import { loginSequence } from './auth/login/login-sequence.js';
import { createPasswordResetService } from './auth/password-reset.service.js';
import type { Revocations } from './auth/revocation.js';
import { createSessionService } from './auth/session.service.js';
import type { SessionSettings } from './auth/token-pair.js';
import type { Config } from './config.js';
import { systemClock, type Clock } from './clock.js';
import { createContextFactory, type Context, type Services } from './context.js';
import type { Database } from './db/database.js';
import { useDemoPage } from './http/demo-page.js';
import { useDevOutbox } from './http/dev-outbox.js';
import { graphiqlOptions, renderTesseraGraphiQL, useGraphiQLPanel } from './http/graphiql.js';
import { clientAddressResolver } from './http/client-address.js';
import { corsSetting, useVaryOnOrigin } from './http/cors.js';
import { maskErrors } from './http/database-outage.js';
import { useDatabaseHealthCheck } from './http/health.js';
import { useTokenIntrospection } from './http/introspection.js';
import { useRequestFloodLimit } from './http/request-flood-limit.js';
import { useRevocationFeed } from './http/revocation-feed.js';
import { createServiceAuthGuard } from './services/service-auth-guard.js';
import { createServiceAuthenticator } from './services/service-credentials.js';
import { metricsOnMainPort, useMetricsEndpoint } from './http/metrics.js';
import { useRequestMetrics } from './http/request-metrics.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { useRefusedTokenPolicy } from './http/refused-token.js';
import { useRequestBodyLimit } from './http/request-body-limit.js';
import { useRequestHardening } from './http/request-hardening.js';
import { useRequestLog } from './http/request-log.js';
import { useSecurityHeaders } from './http/security-headers.js';
import { useRefreshTokenCookie } from './http/refresh-token-cookie.js';
import { yogaLogger } from './http/yoga-logger.js';
import type { Logger } from './logger.js';
import { schema } from './schema/index.js';
import type { RateLimits } from './security/rate-limits.js';
import { createAuditTrailService } from './events/audit-trail.service.js';
import { createAuthEventLog } from './events/auth-event-log.js';
import { logAuthEvent } from './events/auth-event-logging.js';
import { reportingRefusals } from './events/rate-limit-events.js';
import { mailEnabled } from './mail/mail-settings.js';
import { createEmailVerificationService, type MailLinkSettings } from './users/email-verification.service.js';
import { createUserCache } from './users/user-cache.js';
import { createUserService } from './users/user.service.js';
import type { StepUpSettings } from './auth/step-up.js';
import { mfaChallengeIssuer } from './mfa/mfa-challenges.js';
import { createMfaLoginService } from './mfa/mfa-login.service.js';
import { mfaMethodsOf } from './mfa/second-factor-codes.js';
import { createTotpService } from './mfa/totp.service.js';
import { createPasskeyService } from './passkeys/passkey.service.js';
import { relyingPartyResolver } from './passkeys/relying-party.js';
import { createSecretBox } from './security/secret-box.js';
import type { TokenKeys } from './keys/token-keys.js';
import { useDiscovery } from './http/discovery.js';

export interface AppDependencies {
  config: Config;
  db: Kysely<Database>;
  /** The key ring that signs and verifies access tokens, and the keys beside it (`loadTokenKeys`). */
  keys: TokenKeys;
  logger: Logger;
  /** How tokens are checked for revocation, and where this process's revocations are applied. */
  revocations: Revocations;
  rateLimits: RateLimits;
  /** What time it is for expiring links from mail, MFA challenges, TOTP codes and step-up; tests move it. */
  clock?: Clock;
  /** The server's metrics (`server.ts` makes them, cluster-aware); by default the app makes its own. */
  metrics?: Metrics;
  /** Aborted when the server starts to shut down: responses that never end by themselves (event streams) end. */
  shuttingDown?: AbortSignal;
}

/** The whole HTTP application, with no side effects: `main.ts` listens, tests call `yoga.fetch`. */
export function createApp({
  config,
  db,
  keys,
  logger,
  revocations,
  rateLimits: limits,
  clock = systemClock,
  metrics = createMetrics({ db, revocations }),
  shuttingDown,
}: AppDependencies) {
  // A rotation made elsewhere (`tessera keys rotate`) arrives on the revocation channel: read the ring again.
  revocations.subscribe?.((events) => {
    if (events.some((event) => event.type === 'signing-keys')) {
      keys.ring.reload().catch((error: unknown) => logger.error({ err: error }, 'Could not reload the signing keys'));
    }
  });
  // Users in memory, kept in step by the same channel: a change to a user reaches it before the change answers.
  const userCache = createUserCache({ maxUsers: config.userCacheSize, revocations });
  // What this process commits is counted by kind; everything else is the revocations' own.
  revocations = metrics.countingRevocations(revocations);
  const tokens: TokenSettings = {
    keys: keys.ring,
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    clockToleranceSeconds: config.jwtClockToleranceSeconds,
  };
  const settings: SessionSettings = {
    tokens,
    successorKey: keys.successorKey,
    refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
    sessionMaxAgeSeconds: config.sessionMaxAgeSeconds,
    refreshReuseGraceSeconds: config.refreshReuseGraceSeconds,
  };
  const events = createAuthEventLog({ db, clock, logger });
  events.subscribe(logAuthEvent(logger));
  events.subscribe(metrics.authEventListener);
  const rateLimits = reportingRefusals(limits, events);
  const sessions = createSessionService({ db, settings, revocations, events, rateLimits, clock });
  const secretBox = createSecretBox(keys.sealingKey);
  const stepUp: StepUpSettings = { reauthWindowSeconds: config.reauthWindowSeconds, clock };
  const askForSecondStep = mfaChallengeIssuer(db, clock);
  const mail: MailLinkSettings = {
    enabled: mailEnabled(config),
    appUrl: config.appUrl,
    emailTokenTtlSeconds: config.emailTokenTtlSeconds,
    passwordResetTtlSeconds: config.passwordResetTtlSeconds,
  };
  const loginSteps = loginSequence(config, (userId) => mfaMethodsOf(db, userId));
  const emailVerification = createEmailVerificationService({ db, revocations, events, mail, rateLimits, clock });
  const services: Services = {
    auth: createAuthService({
      db,
      settings,
      sessions,
      revocations,
      events,
      rateLimits,
      emailVerification,
      loginSteps,
      askForSecondStep,
      stepUp,
      requireVerifiedEmail: config.requireVerifiedEmail,
    }),
    sessions,
    users: createUserService({ db, revocations, events, cache: userCache }),
    emailVerification,
    passwordReset: createPasswordResetService({
      db,
      mail,
      rateLimits,
      revocations,
      events,
      sessions,
      loginSteps,
      askForSecondStep,
      clock,
      logger,
    }),
    mfaLogin: createMfaLoginService({
      db,
      revocations,
      events,
      rateLimits,
      sessions,
      loginSteps,
      secretBox,
      clock,
    }),
    totp: createTotpService({ db, revocations, events, rateLimits, secretBox, stepUp, issuer: config.jwtIssuer }),
    passkeys: createPasskeyService({
      db,
      revocations,
      events,
      rateLimits,
      sessions,
      loginSteps,
      stepUp,
      rpName: config.jwtIssuer,
      relyingPartyOf: relyingPartyResolver(config),
    }),
    auditTrail: createAuditTrailService({ db }),
  };

  const clientAddress = clientAddressResolver(config.trustedProxies);

  return createYoga<Record<string, unknown>, Context>({
    schema,
    context: createContextFactory({
      verifyToken: createTokenVerifier(tokens),
      revocation: revocations,
      services,
      clientAddress,
      cookieMode: config.refreshTokenCookie,
    }),
    cors: corsSetting(config.corsOrigins),
    graphiql: config.graphiql ? graphiqlOptions : false,
    renderGraphiQL: renderTesseraGraphiQL,
    landingPage: false,
    // Never in "development" mode: Yoga would then add the original message and stack to masked errors.
    maskedErrors: { isDev: false, maskError: maskErrors },
    healthCheckEndpoint: '/health/live',
    logging: yogaLogger(logger),
    // Batched (array) requests stay off (Yoga's default): one request, one operation's worth of guesses.
    batching: false,
    // MAX_BODY_BYTES is `useRequestBodyLimit`'s, below: Yoga's own would count every body in a stream of its own.
    maxRequestBodySize: false,
    plugins: [
      // First: its onExecute must run before the refused-token policy stops execution.
      useRequestLog(logger),
      useRequestMetrics(metrics),
      useSecurityHeaders(),
      useRequestFloodLimit(config.rateLimits.requests, config.rateLimits.ipv6PrefixLength, clientAddress, () =>
        metrics.requestFloodRefused(),
      ),
      ...(metricsOnMainPort(config) ? [useMetricsEndpoint(config, metrics, logger)] : []),
      useDatabaseHealthCheck(db, revocations),
      useDiscovery({ keys: keys.ring, issuer: config.jwtIssuer, publishDelaySeconds: config.keyPublishDelaySeconds }),
      // Services' endpoint: answered here, before anything GraphQL (CSRF prevention, body parsing) sees it.
      useTokenIntrospection({
        db,
        tokens,
        revocations,
        rateLimits,
        clientAddress,
        ipv6PrefixLength: config.rateLimits.ipv6PrefixLength,
        logger,
        clock,
      }),
      useRevocationFeed({
        revocations,
        guard: createServiceAuthGuard({
          authenticator: createServiceAuthenticator(db),
          rateLimits,
          ipv6PrefixLength: config.rateLimits.ipv6PrefixLength,
          clock,
        }),
        clientAddress,
        clock,
        shuttingDown,
      }),
      useRefusedTokenPolicy(),
      ...(Array.isArray(config.corsOrigins) && config.corsOrigins.length > 0 ? [useVaryOnOrigin()] : []),
      ...(config.refreshTokenCookie ? [useRefreshTokenCookie()] : []),
      ...(config.demoPage ? [useDemoPage({ refreshTokenCookie: config.refreshTokenCookie })] : []),
      ...(config.graphiql ? [useGraphiQLPanel({ refreshTokenCookie: config.refreshTokenCookie })] : []),
      // Mail carries live tokens: never shown in production.
      ...(config.nodeEnv !== 'production' ? [useDevOutbox(db)] : []),
      ...useRequestHardening(config),
      // Last: it wraps the request parser the others chose. 413 for a Content-Length over the limit before a byte of
      // the body is read; a body without one (chunked) is counted as it arrives and cut at the limit, so a huge
      // `variables` object never reaches JSON.parse.
      useRequestBodyLimit(config.maxBodyBytes),
    ],
  });
}

export type App = ReturnType<typeof createApp>;
