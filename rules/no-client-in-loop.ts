import type { TSESTree } from '@typescript-eslint/utils';
import { clientWords, createRule, fileAnalysis, judgeRepetition, repetitionWords } from '../src/analysis';

type Options = [{ allowClosedInIteration?: boolean; allowPerItemClients?: boolean }];
type MessageIds = 'repeated' | 'repeatedNoLimit' | 'reconnectEachPass';

export default createRule<MessageIds, Options>({
  name: 'no-client-in-loop',
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow creating connection clients in loops, iteration callbacks, timers and per-request or per-event handlers',
      recommended: 'recommended',
    },
    schema: [
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          allowClosedInIteration: {
            type: 'boolean',
            description: 'Allow a client that a plain sequential loop (or a synchronous iteration callback) closes again in the same pass.',
          },
          allowPerItemClients: {
            type: 'boolean',
            description:
              'Allow one long-lived client per item of a loop or array callback when it is kept beyond the pass (pushed or set into an outer collection, or returned from a map callback), such as one client per shard.',
          },
        },
      },
    ],
    defaultOptions: [{ allowClosedInIteration: true, allowPerItemClients: true }],
    messages: {
      repeated: '{{client}} created in {{context}}: {{pass}}, and {{limit}}. {{advice}}',
      repeatedNoLimit: '{{client}} created in {{context}}: {{pass}}. {{advice}}',
      reconnectEachPass:
        '{{client}} created and closed again in every pass of {{context}}: each pass pays a new connection and handshake. {{advice}}',
    },
  },
  create(context, [options]) {
    const analysis = fileAnalysis(context);
    if (!analysis.mayCreateClients) return {};
    const repetitionOptions = { allowClosedInIteration: options.allowClosedInIteration !== false, allowPerItemClients: options.allowPerItemClients !== false };

    function check(node: TSESTree.CallExpression | TSESTree.NewExpression | TSESTree.MemberExpression): void {
      const creation = analysis.recognizer.creationAt(node);
      if (!creation) return;
      const repeated = analysis.repeatedContext(creation);
      if (!repeated) return;
      const verdict = judgeRepetition(analysis.ownership(creation), repeated, repetitionOptions, analysis);
      if (!verdict.report) return;
      const { client, limit } = clientWords(creation);
      const { pass, advice } = repetitionWords(repeated.kind);
      if (verdict.closedInPass && repeated.sequential) {
        context.report({ node, messageId: 'reconnectEachPass', data: { client, context: repeated.description, advice } });
        return;
      }
      context.report({
        node,
        messageId: limit ? 'repeated' : 'repeatedNoLimit',
        data: { client, context: repeated.description, pass, advice, ...(limit ? { limit } : {}) },
      });
    }

    return {
      CallExpression: check,
      NewExpression: check,
      ...(analysis.settings.summaries ? { MemberExpression: check } : {}),
    };
  },
});
