import type { GraphiQLOptions } from 'graphql-yoga';

const DEFAULT_QUERY = `# Welcome to Tessera.
#
# 1. Run "Login" (or "Register") below and copy the accessToken from the result.
# 2. Open the Headers tab and paste it after "Bearer ".
# 3. Run "Me".

mutation Register {
  register(username: "alice", email: "alice@example.com", password: "a long passphrase") {
    __typename
    ... on AuthPayload { accessToken refreshToken user { id username role } }
    ... on Error { code message }
  }
}

mutation Login {
  login(username: "alice", password: "a long passphrase") {
    __typename
    ... on AuthPayload { accessToken refreshToken user { id username role } }
    ... on Error { code message }
  }
}

query Me {
  me { id username email role createdAt lastLoginAt }
}
`;

/** GraphiQL, opened with examples and the header to fill in. An empty `Bearer ` is read as no token. */
export const graphiqlOptions: GraphiQLOptions = {
  title: 'Tessera',
  defaultQuery: DEFAULT_QUERY,
  headers: JSON.stringify({ Authorization: 'Bearer ' }, null, 2),
};
