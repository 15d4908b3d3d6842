/**
 * The one way connleak makes a rule: `meta.docs.url` derived from the rule name (pointing at
 * docs/rules/<name>.md), defaults in `meta.defaultOptions`, and the options handed to `create`
 * already merged with them.
 */
import type { TSESLint } from '@typescript-eslint/utils';

export const repositoryUrl = 'https://github.com/connleak/connleak';

export function ruleDocsUrl(name: string): string {
  return `${repositoryUrl}/blob/main/docs/rules/${name}.md`;
}

export interface ConnleakRuleDocs {
  readonly description: string;
  /** The config that enables the rule: `recommended` (and so `strict`), or `strict` only. */
  readonly recommended: 'recommended' | 'strict';
}

export type ConnleakRule<MessageIds extends string, Options extends readonly [Record<string, unknown>] | readonly []> = TSESLint.RuleModule<
  MessageIds,
  Options,
  ConnleakRuleDocs & { url: string }
> & { readonly name: string };

export interface RuleSpec<MessageIds extends string, Options extends readonly [Record<string, unknown>] | readonly []> {
  readonly name: string;
  readonly meta: Omit<TSESLint.RuleMetaData<MessageIds, ConnleakRuleDocs, Options>, 'docs' | 'defaultOptions'> & {
    readonly docs: ConnleakRuleDocs;
    readonly defaultOptions: Options;
  };
  create(context: Readonly<TSESLint.RuleContext<MessageIds, Options>>, options: Options): TSESLint.RuleListener;
}

export function createRule<MessageIds extends string, Options extends readonly [Record<string, unknown>] | readonly []>(
  spec: RuleSpec<MessageIds, Options>,
): ConnleakRule<MessageIds, Options> {
  const defaults = spec.meta.defaultOptions;
  return {
    name: spec.name,
    meta: { ...spec.meta, docs: { ...spec.meta.docs, url: ruleDocsUrl(spec.name) } },
    create(context) {
      // ESLint >= 9.15 merges meta.defaultOptions into context.options already; merging again
      // keeps the rule right under older runners and costs nothing.
      const given = context.options[0] as Record<string, unknown> | undefined;
      const options = (defaults.length === 0 ? defaults : [{ ...defaults[0], ...given }]) as unknown as Options;
      return spec.create(context, options);
    },
  };
}
