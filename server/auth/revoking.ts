import type { Revocations } from './revocation.js';

/**
 * Where committed revocations go in this process (the CLI, with no state of its own, passes a no-op). Units of work
 * (`inUnitOfWork`) send them.
 */
export type RevocationSink = Pick<Revocations, 'apply' | 'awaitDelivery' | 'replyTo'>;

export const noRevocationSink: RevocationSink = { apply: () => {}, awaitDelivery: async () => {} };
