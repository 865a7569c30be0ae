/** A service credential made with `npx tessera service create <name>`. */
export interface ServiceCredentials {
  readonly id: string;
  readonly secret: string;
}

/** The `Authorization` header both the feed and introspection require (HTTP Basic, RFC 7617). */
export function basicAuthorization(service: ServiceCredentials): string {
  return `Basic ${Buffer.from(`${service.id}:${service.secret}`, 'utf8').toString('base64')}`;
}
