/**
 * The operations GraphiQL's editor opens with, under its welcome comment: the same on the Tessera panel's page
 * (client/graphiql) and on the plain page served when the panel is not built.
 */
export const EXAMPLE_OPERATIONS = `mutation Register {
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
    ... on MfaRequired { challenge methods }
    ... on Error { code message }
  }
}

query Me {
  me { id username email role createdAt lastLoginAt }
}
`;
