import { EXAMPLE_OPERATIONS } from '../../server/http/graphiql-examples.js';

/** The editor's first content: what the Tessera panel does, and operations to try with it. */
export const WELCOME_TEXT = `# Welcome to Tessera.
#
# The Tessera panel (the key icon on the left) keeps you logged in:
#  - Log in or register there (a second factor is asked for when the account has one).
#  - Every operation you run here then carries that account's access token: leave the
#    Headers tab empty. The token is refreshed by itself when it runs out.
#  - Ran "Login" or "Register" below yourself? Under the result, "Use this login"
#    hands the token pair to the panel.
#  - Keep several accounts (an admin and a user, say) and switch between them; "No
#    identity" sends no token. "Log out" ends that session on the server.
#  - An Authorization header typed in the Headers tab wins over the panel's token.

${EXAMPLE_OPERATIONS}`;
