import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import type { Plugin } from 'graphql-yoga';

import type { Config } from '../config.js';
import { useHideSuggestions } from './hide-suggestions.js';
import { useVariablesLimit } from './variables-limit.js';

/**
 * What one request may ask, checked before execution (graphql-armor): few aliases (100 aliased `login`s in one
 * document must not be 100 free guesses), bounded depth, cost and size; bounded `variables`; no "did you mean"
 * suggestions that map the schema for an attacker; introspection only where configured (off in production).
 * CSRF: a request a browser form could send without a CORS preflight (no JSON content type) must carry a custom
 * header, which such a form cannot set. Mutations over GET are refused with 405 by Yoga itself.
 */
export function useRequestHardening(config: Pick<Config, 'graphqlLimits' | 'introspection'>): Plugin[] {
  const limits = config.graphqlLimits;
  return [
    useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'apollo-require-preflight'] }) as Plugin,
    maxTokensPlugin({ n: limits.maxTokens }) as Plugin,
    maxAliasesPlugin({ n: limits.maxAliases }) as Plugin,
    maxDepthPlugin({ n: limits.maxDepth }) as Plugin,
    costLimitPlugin({ maxCost: limits.maxCost }) as Plugin,
    useHideSuggestions(),
    useVariablesLimit({ maxValues: limits.maxVariables, maxDepth: limits.maxVariableDepth }),
    ...(config.introspection ? [] : [useDisableIntrospection() as Plugin]),
  ];
}
