import { createGraphQLError, type Plugin } from 'graphql-yoga';

export interface VariablesLimit {
  /** Values in `variables`: each variable, each field of an object in it, each item of a list in it. */
  readonly maxValues: number;
  /** How deep objects and lists may nest inside `variables` (a list of objects is 2). */
  readonly maxDepth: number;
}

/**
 * Refuses with 400 a request whose `variables` hold too many values or nest too deep, once the body is parsed and
 * before the document is even parsed, let alone executed: coercing a 100,000-key object against the operation's
 * variables costs far more than parsing it (the body limit, MAX_BODY_BYTES, bounds the parse).
 */
export function useVariablesLimit(limit: VariablesLimit): Plugin {
  return {
    onParams({ params }) {
      const excess = measureExcess(params.variables, limit);
      if (excess === undefined) return;
      throw createGraphQLError(
        excess === 'values'
          ? `Too many variable values: at most ${limit.maxValues} are allowed.`
          : `Variables nest too deeply: at most ${limit.maxDepth} levels are allowed.`,
        { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
      );
    },
  };
}

/** Which limit `variables` exceeds, if any. Walks without recursion and stops as soon as one is passed. */
function measureExcess(variables: unknown, limit: VariablesLimit): 'values' | 'depth' | undefined {
  let values = 0;
  const pending: { value: unknown; depth: number }[] = [{ value: variables, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, depth } = next;
    if (value === null || typeof value !== 'object') continue;
    if (depth > limit.maxDepth) return 'depth';
    const children: unknown[] = Array.isArray(value) ? value : Object.values(value);
    values += children.length;
    if (values > limit.maxValues) return 'values';
    for (const child of children) pending.push({ value: child, depth: depth + 1 });
  }
  return undefined;
}
