/**
 * `connleak/eslint-plugin`: the flat-config ESLint plugin. CommonJS `module.exports` is the
 * plugin object itself, so `require('connleak/eslint-plugin')` and
 * `import connleak from 'connleak/eslint-plugin'` both give `{ meta, rules, configs }`.
 *
 * ```js
 * // eslint.config.js
 * const connleak = require('connleak/eslint-plugin');
 * module.exports = [connleak.configs.recommended];
 * ```
 */
import type { TSESLint } from '@typescript-eslint/utils';
import noClientInLoop from '../rules/no-client-in-loop';
import requireClientClose from '../rules/require-client-close';

const { name, version } = require('../../package.json') as { name: string; version: string };

type RuleEntry = 'error' | 'warn' | 'off' | ['error' | 'warn', ...unknown[]];

interface FlatConfig {
  readonly name: string;
  readonly plugins: { readonly connleak: ConnleakPlugin };
  readonly rules: Readonly<Record<string, RuleEntry>>;
}

interface ConnleakPlugin {
  readonly meta: { readonly name: string; readonly version: string };
  readonly rules: Readonly<Record<string, TSESLint.RuleModule<string, readonly unknown[]>>>;
  readonly configs: { recommended: FlatConfig; strict: FlatConfig };
}

const rules = {
  'no-client-in-loop': noClientInLoop,
  'require-client-close': requireClientClose,
} as unknown as ConnleakPlugin['rules'];

const plugin: ConnleakPlugin = {
  meta: { name, version },
  rules,
  // Filled in below: each config names the plugin object itself under `plugins`.
  configs: {} as ConnleakPlugin['configs'],
};

plugin.configs.recommended = {
  name: 'connleak/recommended',
  plugins: { connleak: plugin },
  rules: {
    'connleak/no-client-in-loop': 'error',
    'connleak/require-client-close': 'error',
  },
};

plugin.configs.strict = {
  name: 'connleak/strict',
  plugins: { connleak: plugin },
  rules: {
    'connleak/no-client-in-loop': ['error', { allowClosedInIteration: false, allowPerItemClients: false }],
    'connleak/require-client-close': ['error', { requireCloseOnThrow: true }],
  },
};

export = plugin;
