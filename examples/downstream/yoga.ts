import { GraphQLError } from 'graphql';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { useTesseraAuth, type TesseraAuthContext, type TesseraVerifier } from 'tessera/verifier';

import type { OrderBook } from './orders.js';

const typeDefs = /* GraphQL */ `
  type Order {
    id: ID!
    item: String!
  }
  type Query {
    "The viewer's orders. Needs a Tessera access token."
    myOrders: [Order!]!
  }
  type Mutation {
    placeOrder(item: String!): Order!
  }
`;

/** The viewer's user id, or HTTP 401: these fields mean nothing without one. */
function viewerId(context: TesseraAuthContext): string {
  if (context.viewer) return context.viewer.sub;
  throw new GraphQLError('Log in to see your orders.', {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } },
  });
}

/** `GET /verifier-status`: whether the revocation feed is live, for a readiness probe and for the tests. */
function useVerifierStatus(verifier: TesseraVerifier): Plugin {
  return {
    onRequest({ url, endResponse }) {
      if (url.pathname !== '/verifier-status') return;
      const { feed, keys, revocations } = verifier.status();
      endResponse(Response.json({ feed, keys, revocations }, { headers: { 'cache-control': 'no-store' } }));
    },
  };
}

/** The orders API: every token is checked by `tessera/verifier`, and by nothing else. */
export function createOrdersYoga(verifier: TesseraVerifier, orders: OrderBook) {
  const schema = createSchema<TesseraAuthContext>({
    typeDefs,
    resolvers: {
      Query: { myOrders: (_root, _args, context) => orders.ordersOf(viewerId(context)) },
      Mutation: {
        placeOrder: (_root, args: { item: string }, context) => orders.place(viewerId(context), args.item),
      },
    },
  });
  return createYoga<object, TesseraAuthContext>({
    schema,
    plugins: [useTesseraAuth(verifier), useVerifierStatus(verifier)],
    graphiql: false,
  });
}
