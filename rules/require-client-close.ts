import type { TSESLint } from '@typescript-eslint/utils';
import { clientWords, closeInFinallyEdit, closePathListeners, createRule, fileAnalysis, type Creation, type Ownership, type PathFinding } from '../src/analysis';

type Options = [{ requireCloseOnThrow?: boolean }];
type MessageIds = 'neverClosed' | 'notClosedOnEveryPath' | 'notClosedOnThrow' | 'discarded' | 'fieldNeverClosed' | 'overwritten' | 'closeInFinally';

export default createRule<MessageIds, Options>({
  name: 'require-client-close',
  meta: {
    type: 'problem',
    docs: {
      description: 'Require connection clients to be closed on every path unless their ownership leaves the function',
      recommended: 'recommended',
    },
    hasSuggestions: true,
    schema: [
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          requireCloseOnThrow: {
            type: 'boolean',
            description:
              'Also require the close when the code between creation and close throws: the close must sit in a finally block (or a .finally() callback, or the catch clause of the try around that code).',
          },
        },
      },
    ],
    defaultOptions: [{ requireCloseOnThrow: false }],
    messages: {
      neverClosed:
        "{{client}} '{{name}}' is never closed and never leaves this function: each call leaves a connection open until the process exits. Call {{name}}.{{close}}() in a finally block, or return it to the caller.",
      notClosedOnEveryPath:
        "{{client}} '{{name}}' is not closed on every path: at least one way out of this function leaves its connection open. Close it in a finally block.",
      notClosedOnThrow:
        "{{client}} '{{name}}' stays open if the code after its creation throws (line {{line}}). Close it in a finally block or a .finally() callback.",
      discarded:
        '{{client}} is created and dropped: nothing keeps a reference to close it, so its connection stays open. Keep it in a variable and call {{close}}() when done.',
      fieldNeverClosed:
        '{{client}} stored on {{name}} is never closed: no method of the class closes it, so every instance leaves a connection open. Add a method that calls {{name}}.{{close}}().',
      overwritten:
        "{{client}} '{{name}}' is overwritten while it may still be open: the previous connection can no longer be closed. Close it before assigning a new one.",
      closeInFinally: 'Wrap the code after the declaration in try/finally and call {{closeCall}} in the finally block.',
    },
  },
  create(context, [options]) {
    const analysis = fileAnalysis(context);
    if (!analysis.mayCreateClients) return {};

    function onCreation(creation: Creation, ownership: Ownership): boolean {
      const owner = ownership.owner.type;
      // Module-level clients are singletons, closed (or not) with the process.
      if (owner === 'Program' || owner === 'StaticBlock') return false;
      const words = clientWords(creation);
      const name = ownership.name ?? 'client';
      switch (ownership.fate) {
        case 'discarded':
          if (ownership.endHandled) return false;
          context.report({ node: creation.node, messageId: 'discarded', data: { client: words.client, close: words.close } });
          return false;
        case 'field':
          if (!ownership.field?.closed) context.report({ node: creation.node, messageId: 'fieldNeverClosed', data: { client: words.client, name, close: words.close } });
          return false;
        case 'binding': {
          if (ownership.escapes.length > 0 || ownership.endHandled || ownership.closes.some((close) => close.everywhere)) return false;
          if (ownership.closes.length === 0) {
            reportNeverClosed(creation, ownership, name);
            return false;
          }
          return ownership.pathSensitive;
        }
        default:
          return false;
      }
    }

    function reportNeverClosed(creation: Creation, ownership: Ownership, name: string): void {
      const words = clientWords(creation);
      const edit = closeInFinallyEdit(ownership, context.sourceCode);
      const suggest: TSESLint.SuggestionReportDescriptor<MessageIds>[] = edit ? [{ messageId: 'closeInFinally', data: { closeCall: edit.closeCall }, fix: edit.fix }] : [];
      context.report({ node: creation.node, messageId: 'neverClosed', data: { client: words.client, name, close: words.close }, suggest });
    }

    function onFinding(finding: PathFinding): void {
      const { creation, name } = finding.ownership;
      const words = clientWords(creation);
      const data = { client: words.client, name: name ?? 'client', close: words.close };
      if (finding.kind === 'open-on-exit') context.report({ node: creation.node, messageId: 'notClosedOnEveryPath', data });
      else if (finding.kind === 'overwritten') context.report({ node: creation.node, messageId: 'overwritten', data });
      else context.report({ node: creation.node, messageId: 'notClosedOnThrow', data: { ...data, line: String(finding.throwSite.loc.start.line) } });
    }

    return closePathListeners(analysis, { requireCloseOnThrow: options.requireCloseOnThrow === true }, onCreation, onFinding) as TSESLint.RuleListener;
  },
});
