/** One GraphQL request; throws on anything but a 2xx with data. */
export async function graphql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as any;
  if (!response.ok || !body.data) throw new Error(`${response.status}: ${JSON.stringify(body)}`);
  return body;
}

/** The HTTP status of `{ __typename }` sent with a token. */
export async function statusWith(url: string, token: string): Promise<number> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: '{"query":"{ __typename }"}',
  });
  await response.arrayBuffer();
  return response.status;
}
