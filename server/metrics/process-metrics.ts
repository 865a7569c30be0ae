import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

import { hashingQueue } from '../auth/passwords.js';

let processRegistry: Registry | undefined;

/**
 * What belongs to the process rather than to one app: Node's own metrics (event-loop delay, memory, CPU, garbage
 * collection, handles) and the password hashing queue, which is shared by every app in the process. Created once:
 * tests build many apps in one process, and each call to `collectDefaultMetrics` would start another event-loop
 * monitor that is never stopped.
 */
export function processMetrics(): Registry {
  if (processRegistry) return processRegistry;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'tessera_password_hashing_queue_depth',
    help: 'Password hashes (logins, registrations, password changes) waiting for a free hashing slot.',
    registers: [registry],
    collect() {
      this.set(hashingQueue().pending);
    },
  });
  new Gauge({
    name: 'tessera_password_hashing_active',
    help: 'Password hashes being computed right now (at most one fewer than the cores).',
    registers: [registry],
    collect() {
      this.set(hashingQueue().active);
    },
  });
  processRegistry = registry;
  return registry;
}
