/** The orders service's settings, read once at start from the environment. */
export interface OrdersConfig {
  /** Tessera's base URL: discovery, keys, the revocation feed and introspection are found from it. */
  readonly tesseraUrl: string;
  /** What Tessera's tokens carry in `aud` (its JWT_AUDIENCE). */
  readonly audience: string;
  readonly service: { readonly id: string; readonly secret: string };
  readonly port: number;
}

/** Throws on a missing variable, so that a misconfigured service stops at start rather than refusing every user. */
export function loadOrdersConfig(env: NodeJS.ProcessEnv): OrdersConfig {
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`${name} is required (see examples/downstream/README.md)`);
    return value;
  };
  return Object.freeze({
    tesseraUrl: required('TESSERA_URL'),
    audience: env.TESSERA_AUDIENCE || 'tessera',
    service: Object.freeze({ id: required('TESSERA_SERVICE_ID'), secret: required('TESSERA_SERVICE_SECRET') }),
    port: Number(env.PORT || 4001),
  });
}
