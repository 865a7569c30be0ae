// Start-up only: config -> verifier -> Yoga -> listen. Stops cleanly on SIGTERM and SIGINT.
import { createServer } from 'node:http';

import { createTesseraVerifier } from 'tessera/verifier';

import { loadOrdersConfig } from './config.js';
import { OrderBook } from './orders.js';
import { createOrdersYoga } from './yoga.js';

const config = loadOrdersConfig(process.env);
const verifier = createTesseraVerifier({
  issuer: config.tesseraUrl,
  audience: config.audience,
  service: config.service,
});
// Discovery and keys must load before the first request; the feed may still be connecting (introspection covers it).
try {
  await verifier.ready();
} catch (error) {
  console.error(`Tessera could not be reached at ${config.tesseraUrl}: ${(error as Error).message}`);
  process.exit(1);
}

const server = createServer(createOrdersYoga(verifier, new OrderBook()));
server.listen(config.port, () => {
  const { feed, keys } = verifier.status();
  console.log(`Orders service on http://localhost:${config.port}/graphql (feed ${feed}, ${keys} keys)`);
});

const stop = () => {
  server.close();
  server.closeAllConnections();
  void verifier.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
