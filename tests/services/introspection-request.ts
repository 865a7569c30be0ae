import type { TestApp } from '../helpers/test-app.js';

export interface ServiceSecret {
  id: string;
  secret: string;
}

export interface IntrospectionResponse {
  status: number;
  headers: Headers;
  body: any;
}

export const basic = ({ id, secret }: ServiceSecret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/**
 * `POST /oauth/introspect` through `yoga.fetch`. `from` is the client's address, as the Node server would hand it
 * over (a socket's peer), for the rate limit; without it the request is in-process and not limited.
 */
export async function introspect(
  app: TestApp,
  token: string,
  options: {
    credentials?: ServiceSecret;
    authorization?: string;
    from?: string;
    contentType?: string;
    body?: string;
    method?: string;
  } = {},
): Promise<IntrospectionResponse> {
  const authorization = options.authorization ?? (options.credentials ? basic(options.credentials) : undefined);
  const method = options.method ?? 'POST';
  const response = await app.yoga.fetch(
    'http://localhost/oauth/introspect',
    {
      method,
      headers: {
        'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
        ...(authorization ? { authorization } : {}),
      },
      ...(method === 'GET' ? {} : { body: options.body ?? new URLSearchParams({ token }).toString() }),
    },
    options.from ? { req: { socket: { remoteAddress: options.from } } } : {},
  );
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}
