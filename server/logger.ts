import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

/**
 * Structured logs. Anything that could carry a credential is redacted by path, so a careless `logger.info({ req })`
 * still writes no token, password or connection string.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [
          'password',
          '*.password',
          'newPassword',
          'currentPassword',
          'token',
          '*.token',
          'accessToken',
          '*.accessToken',
          'refreshToken',
          '*.refreshToken',
          'authorization',
          '*.authorization',
          'headers.authorization',
          '*.headers.authorization',
          'headers.cookie',
          '*.headers.cookie',
          'headers["set-cookie"]',
          '*.headers["set-cookie"]',
          'databaseUrl',
          'jwtSecret',
          'smtpUrl',
          '*.smtpUrl',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination(1),
  );
}
