import { getOperationAST, getVariableValues, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * No "Did you mean ..." in any error: not for fields, arguments or types (validation), nor for enum values, whether
 * written in the document (validation) or sent in `variables` (coerced as execution starts). Each suggestion names a
 * part of the schema, so a guesser could map it with introspection off. graphql-js leaves them out itself when asked
 * (`hideSuggestions`); a pattern over message text (graphql-armor's block-field-suggestions) misses
 * "Did you mean the enum value ...".
 *
 * Variables are coerced here with graphql-js before Yoga's executor does it again: @graphql-tools/executor (2.1)
 * accepts `hideSuggestions` but does not pass it on to the coercion that words the enum error.
 */
export function useHideSuggestions(): Plugin {
  return {
    onValidate({ validateFn, setValidationFn }) {
      setValidationFn((schema, document, rules, options, typeInfo) =>
        validateFn(schema, document, rules, { ...options, hideSuggestions: true }, typeInfo),
      );
    },
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document as DocumentNode, args.operationName);
      if (!operation) return; // the executor words that error, with nothing to suggest
      const coerced = getVariableValues(
        args.schema as GraphQLSchema,
        operation.variableDefinitions ?? [],
        args.variableValues ?? {},
        { hideSuggestions: true },
      );
      if (coerced.errors) setResultAndStopExecution({ errors: coerced.errors });
    },
  };
}
