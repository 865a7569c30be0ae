// The `bare` scenario's server: a stock createYoga over Tessera's own schema with no plugins and nothing else, on
// node:http, in its own process like the others, so that `anon/bare` is what Tessera's plugins and context cost.
import { createServer } from 'node:http';

import { createYoga } from 'graphql-yoga';

import { schema } from '../server/schema/index.js';

// BARE_WITHOUT_BODY_LIMIT=1: Yoga's default body limit off too (it pipes every body through a counting stream, which
// Tessera's own limit does not), so that `anon/bare without body limit` is what the plugins alone cost.
const yoga = createYoga({ schema, ...(process.env.BARE_WITHOUT_BODY_LIMIT === '1' && { maxRequestBodySize: false }) });
const server = createServer(yoga);
await new Promise<void>((resolve) => server.listen(Number(process.env.PORT), '127.0.0.1', resolve));

process.on('message', (message: { type: string }) => {
  if (message.type === 'stop') server.close(() => process.exit(0));
});
process.send!({ type: 'ready', url: `http://127.0.0.1:${Number(process.env.PORT)}` });
