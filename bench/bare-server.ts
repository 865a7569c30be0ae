// The `bare` scenario's server: a stock createYoga over Tessera's own schema with no plugins and nothing else, on
// node:http, in its own process like the others, so that `anon/bare` is what Tessera's plugins and context cost.
import { createServer } from 'node:http';

import { createYoga } from 'graphql-yoga';

import { schema } from '../server/schema/index.js';

const yoga = createYoga({ schema });
const server = createServer(yoga);
await new Promise<void>((resolve) => server.listen(Number(process.env.PORT), '127.0.0.1', resolve));

process.on('message', (message: { type: string }) => {
  if (message.type === 'stop') server.close(() => process.exit(0));
});
process.send!({ type: 'ready', url: `http://127.0.0.1:${Number(process.env.PORT)}` });
