import { z } from 'zod';

import { parseDuration, parseDurationMs } from './duration.js';

/** Every setting the server and the operator command read, parsed and checked once at start. */
export interface Config {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly host: string;
  readonly port: number;
  /** Postgres connection string; when absent, embedded PGlite is used in `dataDir`. */
  readonly databaseUrl: string | undefined;
  /** A direct connection for LISTEN when DATABASE_URL goes through a transaction pooler (PgBouncer). */
  readonly databaseListenUrl: string | undefined;
  /** Worker processes sharing the port (node:cluster); above 1 needs Postgres. */
  readonly workers: number;
  readonly dataDir: string;
  /** Undefined outside production means "generate one into the data directory". */
  readonly jwtSecret: string | undefined;
  /** How access tokens are signed: with JWT_SECRET (HS256), or with the key ring's private keys (ES256, RS256). */
  readonly jwtAlgorithm: JwtAlgorithm;
  /** How long a rotated-in key is published before it signs: longer than any verifier caches the key set. */
  readonly keyPublishDelaySeconds: number;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  readonly accessTokenTtlSeconds: number;
  /** Leeway for `exp` and `nbf` when clocks of issuer and verifier disagree. */
  readonly jwtClockToleranceSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly sessionMaxAgeSeconds: number;
  /** How long after a rotation a repeat of the same refresh gets the same new pair instead of counting as reuse. */
  readonly refreshReuseGraceSeconds: number;
  /** How often expired blacklist entries, refresh tokens and sessions are deleted; 0 turns the timer off. */
  readonly pruneIntervalSeconds: number;
  /** How long auth events stay in the audit trail before pruning deletes them. */
  readonly auditRetentionSeconds: number;
  /** `memory`: in-memory state kept in step by LISTEN/NOTIFY (no query per request); `database`: a query per request. */
  readonly revocationCheck: 'memory' | 'database';
  /**
   * In memory mode, how old the last echo of the listener's heartbeat may be before memory is no longer trusted and
   * tokens are checked against the database: the bound on how late any process refuses a revoked token.
   */
  readonly revocationTrustWindowMs: number;
  /**
   * Users each process remembers (least recently used go first), kept in step through the revocation channel, so an
   * authenticated `me` costs no query; 0 turns it off. Used only while memory is trusted (REVOCATION_CHECK=memory).
   */
  readonly userCacheSize: number;
  /** Longest a query may run or wait for a lock or a connection before it fails (statement and lock timeouts). */
  readonly databaseTimeoutMs: number;
  /** After SIGTERM, how long requests in flight may take before the process exits regardless. */
  readonly shutdownTimeoutMs: number;
  /** Largest request body read; a larger one gets 413 before it is read whole. */
  readonly maxBodyBytes: number;
  /** Open connections per process, all addresses together: a bound well below the open-file limit. */
  readonly maxConnections: number;
  /** Open connections per client address (IPv6: per network); trusted proxies are exempt. */
  readonly maxConnectionsPerAddress: number;
  /** How long a client may take to send a request's headers, and its whole request, before it is cut (408). */
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept open between requests. */
  readonly keepAliveTimeoutMs: number;
  /**
   * Limits on guessing at `login`, `register`, `refreshToken`, `changePassword` and `deleteAccount` (see
   * `security/rate-limits.ts`).
   */
  readonly rateLimits: {
    /** Consecutive failed logins per account and client address; a success starts again at zero. */
    readonly loginFailures: RateLimit;
    /**
     * Failed logins per account from all addresses, past which it is slowed, never locked; `changePassword` and
     * `deleteAccount` attempts per user.
     */
    readonly perAccount: RateLimit;
    readonly perAddress: RateLimit;
    /** Any HTTP request, per client address, per process. */
    readonly requests: RateLimit;
    /** Mails asked for (verification, password reset, change of address) per recipient address (whoever asks). */
    readonly mail: RateLimit;
    /** IPv6 clients are counted by their network of this many bits (one subscriber holds a whole /64). */
    readonly ipv6PrefixLength: number;
  };
  /** proxy-addr trust list: whose `X-Forwarded-For` names the client. Empty: the socket's peer is the client. */
  readonly trustedProxies: string[];
  /** Send the refresh token as an HttpOnly `__Host-` cookie instead of in response bodies. */
  readonly refreshTokenCookie: boolean;
  /**
   * Origins whose pages may call the API from a browser: `*` is any origin without credentials (cookies); a list is
   * those origins only, with credentials; empty is same-origin only.
   */
  readonly corsOrigins: '*' | string[];
  readonly graphiql: boolean;
  /** Limits on what one GraphQL document may ask. */
  readonly graphqlLimits: {
    maxAliases: number;
    maxDepth: number;
    maxTokens: number;
    maxCost: number;
    /** Values in `variables`, counted through nested objects and lists, and how deep they may nest. */
    maxVariables: number;
    maxVariableDepth: number;
  };
  readonly introspection: boolean;
  /** Serve the demo page at /demo. */
  readonly demoPage: boolean;
  /** `smtp://user:pass@host:587` or `smtps://…`; unset: development outbox outside production, no mail in it. */
  readonly smtpUrl: string | undefined;
  /** The From of every mail, e.g. `Tessera <no-reply@example.com>`. */
  readonly mailFrom: string;
  /** The front end that links in mail open; undefined only in production without SMTP_URL (no mail to link from). */
  readonly appUrl: string | undefined;
  /** How long a password reset link works. */
  readonly passwordResetTtlSeconds: number;
  /** How long an email verification link works. */
  readonly emailTokenTtlSeconds: number;
  /** `login` refuses an account whose email address is not verified (`EmailNotVerifiedError`). */
  readonly requireVerifiedEmail: boolean;
  /**
   * How recent a login must be for step-up changes (`changePassword`, `deleteAccount`, `disableTotp`,
   * `regenerateRecoveryCodes`): past it they answer `ReauthenticationRequiredError`.
   */
  readonly reauthWindowSeconds: number;
  /**
   * The 32-byte key that seals TOTP secrets at rest (AES-256-GCM). Unset: derived with HKDF-SHA256 from the JWT
   * secret (info "tessera totp secrets"), so changing JWT_SECRET then makes every TOTP secret unreadable (users
   * need `reset-mfa`): set this to rotate JWT_SECRET freely.
   */
  readonly keyEncryptionKey: Buffer | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Bearer token that `GET /metrics` asks for; unset: metrics are open outside production, hidden in it. */
  readonly metricsToken: string | undefined;
  /** A second, plain HTTP listener (on HOST) that serves only `/metrics`, for a network the public does not reach. */
  readonly metricsPort: number | undefined;
  /**
   * The WebAuthn relying party passkeys are bound to. Unset (outside production only): the host and origin each
   * request came to, and APP_URL's origin.
   */
  readonly webauthn: { readonly rpId: string | undefined; readonly origins: readonly string[] | undefined };
}

export const JWT_ALGORITHMS = ['HS256', 'ES256', 'RS256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export interface RateLimit {
  readonly points: number;
  readonly durationSeconds: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const booleanString = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const duration = (name: string, options: { allowZero?: boolean } = {}) =>
  z.string().transform((value, ctx) => {
    const seconds = options.allowZero && value.trim() === '0' ? 0 : parseDuration(value);
    if (seconds === undefined) {
      ctx.addIssue({ code: 'custom', message: `${name} must be a duration such as 15m, 2s or 1h` });
      return z.NEVER;
    }
    return seconds;
  });

/** A duration kept in milliseconds, for settings where fractions of a second matter (`500ms`, `1s`). */
const durationMs = (name: string, minimumMs: number) =>
  z.string().transform((value, ctx) => {
    const milliseconds = parseDurationMs(value, minimumMs);
    if (milliseconds === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `${name} must be a duration of at least ${minimumMs}ms, such as 1s or 500ms`,
      });
      return z.NEVER;
    }
    return milliseconds;
  });

const rateLimit = (name: string) =>
  z.string().transform((value, ctx): RateLimit => {
    const [points, window] = value.split('/');
    const durationSeconds = window === undefined ? undefined : parseDuration(window);
    if (!/^\d+$/.test(points ?? '') || Number(points) < 1 || durationSeconds === undefined) {
      ctx.addIssue({ code: 'custom', message: `${name} must be attempts per window, such as 10/15m` });
      return z.NEVER;
    }
    return { points: Number(points), durationSeconds };
  });

/** `*`, `none`, or a comma-separated list of origins (`https://app.example.com`) exactly as a browser sends them. */
const corsOrigins = z.string().transform((value, ctx): '*' | string[] => {
  if (value.trim() === '*') return '*';
  if (value.trim() === 'none') return [];
  const origins = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const malformed = origins.filter((origin) => !isOrigin(origin));
  if (malformed.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `CORS_ORIGINS must be *, none, or origins such as https://app.example.com (no path); not ${malformed.join(', ')}`,
    });
    return z.NEVER;
  }
  return origins;
});

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

function isUrlWithProtocol(value: string, protocols: readonly string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** Where links in mail point outside production unless APP_URL says otherwise: this server's demo page. */
function defaultAppUrl(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}/demo/`;
}

/** 32 bytes as 64 hex digits or as base64 (or base64url); the message never echoes the value. */
const keyEncryptionKey = z.string().transform((value, ctx): Buffer => {
  const text = value.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(text)
    ? Buffer.from(text, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(text)
      ? Buffer.from(text, 'base64')
      : undefined;
  if (key?.length !== 32) {
    ctx.addIssue({
      code: 'custom',
      message:
        'KEY_ENCRYPTION_KEY must be 32 bytes, as 64 hex digits or base64 (for example `openssl rand -base64 32`)',
    });
    return z.NEVER;
  }
  return key;
});

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

/** A host name as WebAuthn takes it for the relying party: no scheme, port or path (`example.com`, `localhost`). */
const rpId = z
  .string()
  .trim()
  .toLowerCase()
  .refine((value) => /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(value), {
    message: 'WEBAUTHN_RP_ID must be a host name such as example.com (no scheme, port or path)',
  });

/** Comma-separated origins the browser shows passkey prompts on (`https://app.example.com`). */
const webauthnOrigins = z.string().transform((value, ctx): string[] => {
  const origins = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const malformed = origins.filter((origin) => !isOrigin(origin));
  if (origins.length === 0 || malformed.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `WEBAUTHN_ORIGINS must be origins such as https://app.example.com (no path); not ${malformed.join(', ')}`,
    });
    return z.NEVER;
  }
  return origins;
});

/** Whether a page at `origin` may use passkeys of the relying party `id`: its host is the id or under it. */
export function originBelongsTo(origin: string, id: string): boolean {
  const host = new URL(origin).hostname;
  return host === id || host.endsWith(`.${id}`);
}

const environment = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  DATABASE_URL: z.preprocess(emptyAsUndefined, z.string().optional()),
  DATABASE_LISTEN_URL: z.preprocess(emptyAsUndefined, z.string().optional()),
  TESSERA_DATA_DIR: z.string().min(1).default('./.data'),
  TESSERA_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  JWT_SECRET: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .refine((secret) => Buffer.byteLength(secret, 'utf8') >= 32, {
        message: 'JWT_SECRET must be at least 32 bytes long',
      })
      .optional(),
  ),
  JWT_ALGORITHM: z.enum(JWT_ALGORITHMS).default('HS256'),
  KEY_PUBLISH_DELAY: duration('KEY_PUBLISH_DELAY', { allowZero: true }).default(10 * 60),
  JWT_ISSUER: z.string().min(1).default('tessera'),
  JWT_AUDIENCE: z.string().min(1).default('tessera'),
  ACCESS_TOKEN_TTL: duration('ACCESS_TOKEN_TTL').default(15 * 60),
  JWT_CLOCK_TOLERANCE: duration('JWT_CLOCK_TOLERANCE', { allowZero: true }).default(0),
  REFRESH_TOKEN_TTL: duration('REFRESH_TOKEN_TTL').default(30 * 24 * 3600),
  SESSION_MAX_AGE: duration('SESSION_MAX_AGE').default(90 * 24 * 3600),
  REFRESH_REUSE_GRACE: duration('REFRESH_REUSE_GRACE', { allowZero: true }).default(10),
  PRUNE_INTERVAL: duration('PRUNE_INTERVAL', { allowZero: true }).default(3600),
  AUDIT_RETENTION: duration('AUDIT_RETENTION').default(90 * 24 * 3600),
  REVOCATION_CHECK: z.enum(['memory', 'database']).default('memory'),
  REVOCATION_TRUST_WINDOW: durationMs('REVOCATION_TRUST_WINDOW', 100).default(1_000),
  USER_CACHE_SIZE: z.coerce.number().int().min(0).default(10_000),
  DATABASE_TIMEOUT: durationMs('DATABASE_TIMEOUT', 100).default(5_000),
  SHUTDOWN_TIMEOUT: durationMs('SHUTDOWN_TIMEOUT', 100).default(10_000),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(102_400), // 100 KB
  MAX_CONNECTIONS: z.coerce.number().int().min(1).default(10_000),
  MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(1).default(64),
  HEADERS_TIMEOUT: durationMs('HEADERS_TIMEOUT', 100).default(10_000),
  REQUEST_TIMEOUT: durationMs('REQUEST_TIMEOUT', 100).default(30_000),
  KEEP_ALIVE_TIMEOUT: durationMs('KEEP_ALIVE_TIMEOUT', 100).default(5_000),
  RATE_LIMIT_LOGIN_FAILURES: rateLimit('RATE_LIMIT_LOGIN_FAILURES').default({ points: 10, durationSeconds: 15 * 60 }),
  RATE_LIMIT_ACCOUNT: rateLimit('RATE_LIMIT_ACCOUNT').default({ points: 50, durationSeconds: 3600 }),
  RATE_LIMIT_ADDRESS: rateLimit('RATE_LIMIT_ADDRESS').default({ points: 100, durationSeconds: 15 * 60 }),
  RATE_LIMIT_REQUESTS: rateLimit('RATE_LIMIT_REQUESTS').default({ points: 6000, durationSeconds: 60 }),
  RATE_LIMIT_IPV6_PREFIX: z.coerce.number().int().min(1).max(128).default(64),
  RATE_LIMIT_MAIL: rateLimit('RATE_LIMIT_MAIL').default({ points: 5, durationSeconds: 3600 }),
  TRUSTED_PROXY: z.string().default(''),
  REFRESH_TOKEN_COOKIE: booleanString.default(false),
  CORS_ORIGINS: z.preprocess(emptyAsUndefined, corsOrigins.optional()),
  GRAPHIQL: z.preprocess(emptyAsUndefined, booleanString.optional()),
  GRAPHQL_INTROSPECTION: z.preprocess(emptyAsUndefined, booleanString.optional()),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).default(5),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(1).default(10),
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(1).default(1000),
  GRAPHQL_MAX_COST: z.coerce.number().int().min(1).default(5000),
  GRAPHQL_MAX_VARIABLES: z.coerce.number().int().min(1).default(1000),
  GRAPHQL_MAX_VARIABLE_DEPTH: z.coerce.number().int().min(1).default(10),
  DEMO_PAGE: z.preprocess(emptyAsUndefined, booleanString.optional()),
  SMTP_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      // The message never echoes the value: it holds the SMTP password.
      .refine((value) => isUrlWithProtocol(value, ['smtp:', 'smtps:']), {
        message: 'SMTP_URL must be a URL such as smtp://user:pass@host:587 or smtps://user:pass@host:465',
      })
      .optional(),
  ),
  MAIL_FROM: z.string().min(1).default('Tessera <no-reply@localhost>'),
  APP_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .refine((value) => isUrlWithProtocol(value, ['http:', 'https:']), {
        message: 'APP_URL must be an http(s) URL, such as https://app.example.com/',
      })
      .optional(),
  ),
  PASSWORD_RESET_TTL: duration('PASSWORD_RESET_TTL').default(30 * 60),
  EMAIL_TOKEN_TTL: duration('EMAIL_TOKEN_TTL').default(24 * 3600),
  REQUIRE_VERIFIED_EMAIL: booleanString.default(false),
  REAUTH_WINDOW: duration('REAUTH_WINDOW').default(10 * 60),
  KEY_ENCRYPTION_KEY: z.preprocess(emptyAsUndefined, keyEncryptionKey.optional()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  METRICS_TOKEN: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      // The message never echoes the value: it is a secret.
      .refine((token) => token.length >= 16 && !/\s/.test(token), {
        message: 'METRICS_TOKEN must be at least 16 characters, with no spaces',
      })
      .optional(),
  ),
  METRICS_PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65535).optional()),
  WEBAUTHN_RP_ID: z.preprocess(emptyAsUndefined, rpId.optional()),
  WEBAUTHN_ORIGINS: z.preprocess(emptyAsUndefined, webauthnOrigins.optional()),
});

/** Every environment variable the configuration reads (the README's table lists each one). */
export const CONFIG_VARIABLES = Object.keys(environment.shape);

/**
 * Reads the configuration from an environment (normally `process.env`).
 * Throws a `ConfigError` naming every bad variable; never echoes a secret's value.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = environment.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const vars = parsed.data;
  if (vars.NODE_ENV === 'production' && vars.JWT_ALGORITHM !== 'HS256' && vars.KEY_ENCRYPTION_KEY === undefined) {
    throw new ConfigError(
      `KEY_ENCRYPTION_KEY is required when NODE_ENV=production and JWT_ALGORITHM=${vars.JWT_ALGORITHM}: it seals the ` +
        'signing keys in the database (for example `openssl rand -base64 32`). Outside production one is generated ' +
        'into the data directory.',
    );
  }
  if (vars.NODE_ENV === 'production' && vars.JWT_ALGORITHM === 'HS256' && vars.JWT_SECRET === undefined) {
    throw new ConfigError(
      'JWT_SECRET is required when NODE_ENV=production: set it to a random value of at least 32 bytes ' +
        '(for example `openssl rand -base64 48`). Outside production a secret is generated into the data directory.',
    );
  }
  if (vars.TESSERA_WORKERS > 1 && vars.DATABASE_URL === undefined) {
    throw new ConfigError(
      'TESSERA_WORKERS above 1 needs DATABASE_URL: embedded PGlite allows one process per data directory.',
    );
  }
  if (vars.DATABASE_LISTEN_URL !== undefined && vars.DATABASE_URL === undefined) {
    throw new ConfigError('DATABASE_LISTEN_URL needs DATABASE_URL: it is the direct connection beside a pooled one.');
  }
  if (vars.METRICS_PORT !== undefined && vars.METRICS_PORT !== 0 && vars.METRICS_PORT === vars.PORT) {
    throw new ConfigError('METRICS_PORT must differ from PORT: it is a second listener that serves only /metrics.');
  }
  if (vars.HEADERS_TIMEOUT > vars.REQUEST_TIMEOUT) {
    throw new ConfigError(
      'HEADERS_TIMEOUT cannot be longer than REQUEST_TIMEOUT: the headers are part of the request.',
    );
  }
  if (vars.REFRESH_TOKEN_COOKIE && vars.CORS_ORIGINS === '*') {
    throw new ConfigError(
      'CORS_ORIGINS=* cannot be used with REFRESH_TOKEN_COOKIE=true: any site could then trade the cookie for an ' +
        'access token. List the origins of your front ends, or leave CORS_ORIGINS unset for same-origin only.',
    );
  }
  if (vars.NODE_ENV === 'production' && vars.SMTP_URL !== undefined && vars.APP_URL === undefined) {
    throw new ConfigError(
      'APP_URL is required when NODE_ENV=production and SMTP_URL is set: links in mail open the front end at ' +
        'that address (for example https://app.example.com/).',
    );
  }
  if (vars.REQUIRE_VERIFIED_EMAIL && vars.NODE_ENV === 'production' && vars.SMTP_URL === undefined) {
    throw new ConfigError(
      'REQUIRE_VERIFIED_EMAIL=true needs SMTP_URL when NODE_ENV=production: without mail no address can be verified, ' +
        'so nobody could log in.',
    );
  }
  if (vars.NODE_ENV === 'production' && (vars.WEBAUTHN_RP_ID === undefined || vars.WEBAUTHN_ORIGINS === undefined)) {
    throw new ConfigError(
      'WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS are required when NODE_ENV=production: passkeys are bound to the site ' +
        'that registered them, so it is named, not guessed from requests (for example WEBAUTHN_RP_ID=example.com ' +
        'and WEBAUTHN_ORIGINS=https://app.example.com).',
    );
  }
  const strangers = (vars.WEBAUTHN_ORIGINS ?? []).filter(
    (origin) => vars.WEBAUTHN_RP_ID !== undefined && !originBelongsTo(origin, vars.WEBAUTHN_RP_ID),
  );
  if (strangers.length > 0) {
    throw new ConfigError(
      `WEBAUTHN_ORIGINS must be on WEBAUTHN_RP_ID (${vars.WEBAUTHN_RP_ID}) or a subdomain of it; not ${strangers.join(', ')}`,
    );
  }
  return Object.freeze({
    nodeEnv: vars.NODE_ENV,
    host: vars.HOST,
    port: vars.PORT,
    databaseUrl: vars.DATABASE_URL,
    databaseListenUrl: vars.DATABASE_LISTEN_URL,
    dataDir: vars.TESSERA_DATA_DIR,
    workers: vars.TESSERA_WORKERS,
    jwtSecret: vars.JWT_SECRET,
    jwtAlgorithm: vars.JWT_ALGORITHM,
    keyPublishDelaySeconds: vars.KEY_PUBLISH_DELAY,
    jwtIssuer: vars.JWT_ISSUER,
    jwtAudience: vars.JWT_AUDIENCE,
    accessTokenTtlSeconds: vars.ACCESS_TOKEN_TTL,
    jwtClockToleranceSeconds: vars.JWT_CLOCK_TOLERANCE,
    refreshTokenTtlSeconds: vars.REFRESH_TOKEN_TTL,
    sessionMaxAgeSeconds: vars.SESSION_MAX_AGE,
    refreshReuseGraceSeconds: vars.REFRESH_REUSE_GRACE,
    pruneIntervalSeconds: vars.PRUNE_INTERVAL,
    auditRetentionSeconds: vars.AUDIT_RETENTION,
    revocationCheck: vars.REVOCATION_CHECK,
    revocationTrustWindowMs: vars.REVOCATION_TRUST_WINDOW,
    userCacheSize: vars.USER_CACHE_SIZE,
    databaseTimeoutMs: vars.DATABASE_TIMEOUT,
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT,
    maxBodyBytes: vars.MAX_BODY_BYTES,
    maxConnections: vars.MAX_CONNECTIONS,
    maxConnectionsPerAddress: vars.MAX_CONNECTIONS_PER_ADDRESS,
    headersTimeoutMs: vars.HEADERS_TIMEOUT,
    requestTimeoutMs: vars.REQUEST_TIMEOUT,
    keepAliveTimeoutMs: vars.KEEP_ALIVE_TIMEOUT,
    rateLimits: Object.freeze({
      loginFailures: vars.RATE_LIMIT_LOGIN_FAILURES,
      perAccount: vars.RATE_LIMIT_ACCOUNT,
      perAddress: vars.RATE_LIMIT_ADDRESS,
      requests: vars.RATE_LIMIT_REQUESTS,
      mail: vars.RATE_LIMIT_MAIL,
      ipv6PrefixLength: vars.RATE_LIMIT_IPV6_PREFIX,
    }),
    trustedProxies: vars.TRUSTED_PROXY.split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
    refreshTokenCookie: vars.REFRESH_TOKEN_COOKIE,
    corsOrigins: vars.CORS_ORIGINS ?? (vars.REFRESH_TOKEN_COOKIE ? [] : '*'),
    graphiql: vars.GRAPHIQL ?? vars.NODE_ENV !== 'production',
    graphqlLimits: Object.freeze({
      maxAliases: vars.GRAPHQL_MAX_ALIASES,
      maxDepth: vars.GRAPHQL_MAX_DEPTH,
      maxTokens: vars.GRAPHQL_MAX_TOKENS,
      maxCost: vars.GRAPHQL_MAX_COST,
      maxVariables: vars.GRAPHQL_MAX_VARIABLES,
      maxVariableDepth: vars.GRAPHQL_MAX_VARIABLE_DEPTH,
    }),
    introspection: vars.GRAPHQL_INTROSPECTION ?? vars.NODE_ENV !== 'production',
    demoPage: vars.DEMO_PAGE ?? vars.NODE_ENV !== 'production',
    smtpUrl: vars.SMTP_URL,
    passwordResetTtlSeconds: vars.PASSWORD_RESET_TTL,
    emailTokenTtlSeconds: vars.EMAIL_TOKEN_TTL,
    requireVerifiedEmail: vars.REQUIRE_VERIFIED_EMAIL,
    reauthWindowSeconds: vars.REAUTH_WINDOW,
    keyEncryptionKey: vars.KEY_ENCRYPTION_KEY,
    mailFrom: vars.MAIL_FROM,
    appUrl: vars.APP_URL ?? (vars.NODE_ENV === 'production' ? undefined : defaultAppUrl(vars.HOST, vars.PORT)),
    logLevel: vars.LOG_LEVEL,
    metricsToken: vars.METRICS_TOKEN,
    metricsPort: vars.METRICS_PORT,
    webauthn: Object.freeze({ rpId: vars.WEBAUTHN_RP_ID, origins: vars.WEBAUTHN_ORIGINS }),
  });
}
