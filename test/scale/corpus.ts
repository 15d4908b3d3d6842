import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import * as tsParser from '@typescript-eslint/parser';
import { Linter } from 'eslint';
import plugin = require('../../src/eslint-plugin');
import { repoRoot } from '../support/paths';

/**
 * The real-code corpus for the scale run: the JavaScript and TypeScript that packages installed
 * from npm ship, linted with both rules in `strict`, one file at a time, with ESLint's `stats`
 * option so each file's time inside the rules is measured by ESLint itself (parsing and ESLint's
 * own traversal are not the rules' time and are reported apart).
 */

/**
 * The packages linted, by the code they hold: the catalog's clients, the frameworks that handle
 * requests (where clients get created per request), and large code bases (compilers, linters,
 * bundlers). Everything they ship is linted (lib, dist, esm builds, tests, examples, and the .ts
 * sources mongodb, bson, ajv and pg-protocol ship), except other packages nested in their
 * node_modules.
 */
export const corpusPackages: readonly string[] = [
  // The clients of the catalog and their protocol packages.
  'node-zookeeper-client', 'ioredis', '@ioredis/commands', 'redis', '@redis/client', '@redis/bloom', '@redis/json', '@redis/search', '@redis/time-series',
  'pg', 'pg-pool', 'pg-protocol', 'pg-connection-string', 'pg-cloudflare', 'mysql2', 'mongodb', 'bson', 'mongodb-connection-string-url', 'kafkajs', 'amqplib',
  // Frameworks: per-request handlers.
  'express', 'router', 'body-parser', 'koa', 'koa-compose', 'fastify', 'find-my-way', 'avvio', 'light-my-request', 'fast-json-stringify', '@fastify/ajv-compiler',
  '@hapi/hapi', '@hapi/hoek', '@hapi/boom', '@hapi/podium', '@hapi/shot', '@hapi/subtext', '@hapi/wreck', '@hapi/validate', '@hapi/statehood', '@hapi/catbox', '@hapi/catbox-memory', '@hapi/call', '@hapi/heavy', '@hapi/teamwork',
  'pino', 'thread-stream', 'sonic-boom', 'undici-types',
  // Large code bases.
  'typescript', 'eslint', 'espree', 'eslint-scope', 'esquery', 'webpack', 'enhanced-resolve', 'watchpack', 'webpack-sources', 'tapable', 'terser', 'source-map', 'acorn',
  '@typescript-eslint/eslint-plugin', '@typescript-eslint/parser', '@typescript-eslint/typescript-estree', '@typescript-eslint/scope-manager', '@typescript-eslint/utils',
  '@typescript-eslint/type-utils', '@typescript-eslint/rule-tester', 'typescript-eslint', 'ts-morph', '@ts-morph/common', 'ajv', 'ajv-keywords', 'ajv-formats',
  'async', 'underscore', 'semver', 'minimatch', 'debug', 'iconv-lite', 'playwright-core', 'why-is-node-running', 'uplot',
];

const nodeModules = path.join(repoRoot, 'node_modules');
const sourceFile = /\.(?:[cm]?js|[cm]?ts|tsx)$/;
const declarationFile = /\.d\.[cm]?ts$|\.d\.[^.]+\.ts$/;

export interface CorpusFile {
  /** Where it is on disk. */
  readonly absolute: string;
  /** Stable name for the reviewed list: the package, then the path inside it (`webpack/lib/Compiler.js`). */
  readonly name: string;
  readonly language: 'typescript' | 'javascript';
  /** The module system Node would use; for TypeScript always 'module'. */
  readonly sourceType: 'module' | 'commonjs';
  readonly bytes: number;
}

function walk(directory: string, found: string[]): void {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    // Nested node_modules are other packages (often other versions of ones listed above).
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') walk(full, found);
    } else if (entry.isFile() && sourceFile.test(entry.name) && !declarationFile.test(entry.name)) {
      found.push(full);
    }
  }
}

const packageTypes = new Map<string, 'module' | 'commonjs' | undefined>();

/** `.mjs`/`.cjs` decide; otherwise the nearest package.json's "type", as Node does. */
function sourceTypeOf(file: string, packageRoot: string): 'module' | 'commonjs' {
  if (file.endsWith('.mjs')) return 'module';
  if (file.endsWith('.cjs')) return 'commonjs';
  for (let directory = path.dirname(file); directory.startsWith(packageRoot); directory = path.dirname(directory)) {
    if (!packageTypes.has(directory)) {
      const manifest = path.join(directory, 'package.json');
      let type: 'module' | 'commonjs' | undefined;
      if (existsSync(manifest)) {
        try {
          type = (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: string }).type === 'module' ? 'module' : 'commonjs';
        } catch {
          // A package.json used as a test fixture may not be JSON: it says nothing about the module system.
        }
      }
      packageTypes.set(directory, type);
    }
    const type = packageTypes.get(directory);
    if (type) return type;
    if (directory === packageRoot) break;
  }
  return 'commonjs';
}

/** Every corpus file, sorted by name; a package not installed is an error (the corpus must not shrink silently). */
export function corpusFiles(): CorpusFile[] {
  const files: CorpusFile[] = [];
  const seen = new Set<string>();
  for (const name of corpusPackages) {
    const installed = path.join(nodeModules, name);
    if (!existsSync(installed)) throw new Error(`corpus package ${name} is not installed`);
    const root = realpathSync(installed);
    const found: string[] = [];
    walk(root, found);
    for (const absolute of found) {
      if (seen.has(absolute)) continue;
      seen.add(absolute);
      const typescript = /\.[cm]?tsx?$/.test(absolute);
      files.push({
        absolute,
        name: path.posix.join(name, path.relative(root, absolute).split(path.sep).join('/')),
        language: typescript ? 'typescript' : 'javascript',
        sourceType: typescript ? 'module' : sourceTypeOf(absolute, root),
        bytes: statSync(absolute).size,
      });
    }
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface CorpusFinding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly rule: string;
  readonly message: string;
}

export interface FileResult {
  readonly file: CorpusFile;
  /** Milliseconds inside each rule (creating its listeners and every listener call), from ESLint's stats. */
  readonly ruleMs: Readonly<Record<string, number>>;
  readonly parseMs: number;
  /** Wall time of the whole verify call, for the record only. */
  readonly totalMs: number;
  readonly findings: readonly CorpusFinding[];
  /** A rule (or ESLint) threw: the message and the top stack frames. */
  readonly crash?: string;
  /** The parser rejected the file under both module systems (not a crash). */
  readonly unparsable?: string;
  /** Parsed as the other module system than Node would use (an ESM file in a CommonJS package, or the reverse). */
  readonly fellBack?: boolean;
}

/** Both connleak rules as `strict` sets them: the plugin and its rule entries. */
export const strictRules = plugin.configs.strict as unknown as Pick<Linter.Config, 'plugins' | 'rules'>;
const javascriptExtensions = ['**/*.js', '**/*.cjs', '**/*.mjs'];
const typescriptExtensions = ['**/*.ts', '**/*.cts', '**/*.mts', '**/*.tsx'];

type RuleSet = Pick<Linter.Config, 'plugins' | 'rules'>;

function configFor(rules: RuleSet, language: CorpusFile['language'], sourceType: CorpusFile['sourceType']): Linter.Config[] {
  const languageOptions: Linter.LanguageOptions =
    language === 'typescript'
      ? { parser: tsParser as Linter.Parser, ecmaVersion: 'latest', sourceType: 'module', parserOptions: { ecmaFeatures: { jsx: false } } }
      : { ecmaVersion: 'latest', sourceType };
  return [
    {
      plugins: rules.plugins,
      rules: rules.rules,
      files: language === 'typescript' ? typescriptExtensions : javascriptExtensions,
      // A package's own `eslint-disable` comments must not hide a finding, nor be reported as unused.
      linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: 'off', reportUnusedInlineConfigs: 'off' },
      languageOptions,
    },
  ];
}

interface ConfigSet {
  readonly typescript: Linter.Config[];
  readonly module: Linter.Config[];
  readonly commonjs: Linter.Config[];
}

const configSets = new WeakMap<RuleSet, ConfigSet>();

/** The three configurations of a rule set, built once. */
function configsFor(rules: RuleSet): ConfigSet {
  let set = configSets.get(rules);
  if (!set) {
    set = { typescript: configFor(rules, 'typescript', 'module'), module: configFor(rules, 'javascript', 'module'), commonjs: configFor(rules, 'javascript', 'commonjs') };
    configSets.set(rules, set);
  }
  return set;
}

/** ESLint's default ignores skip node_modules: each file is linted under a neutral virtual name. */
const virtualRoot = '/corpus';

function lintOnce(linter: Linter, rules: RuleSet, code: string, file: CorpusFile, sourceType: CorpusFile['sourceType']) {
  const configs = configsFor(rules);
  const config = file.language === 'typescript' ? configs.typescript : configs[sourceType];
  const started = process.hrtime.bigint();
  // verifyAndFix with fix: false is verify, except that it resets ESLint's per-file stats first.
  // `stats` is read by Linter (ESLint 9+) though its type lists it only for the ESLint class.
  const options: Linter.FixOptions & { stats: boolean } = { filename: path.posix.join(virtualRoot, file.name.replace(/^@/, '')), fix: false, stats: true };
  const { messages } = linter.verifyAndFix(code, config, options);
  const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
  const times = linter.getTimes().passes[0];
  return { messages, totalMs, times };
}

/** Lints one file with `rules` (both connleak rules in strict unless told otherwise) and ESLint's stats on. */
export function lintFile(linter: Linter, file: CorpusFile, rules: RuleSet = strictRules): FileResult {
  const code = readFileSync(file.absolute, 'utf8');
  let attempt;
  let fellBack = false;
  try {
    attempt = lintOnce(linter, rules, code, file, file.sourceType);
    const fatal = attempt.messages.find((message) => message.fatal);
    if (fatal && file.language === 'javascript') {
      // Packages hold files Node never loads as their package.json says: ESM in a CommonJS
      // package (browser and bundler builds) and the reverse. Try the other module system.
      const retry = lintOnce(linter, rules, code, file, file.sourceType === 'module' ? 'commonjs' : 'module');
      if (!retry.messages.some((message) => message.fatal)) {
        attempt = retry;
        fellBack = true;
      }
    }
  } catch (error) {
    const stack = error instanceof Error ? (error.stack ?? error.message).split('\n').slice(0, 6).join(' | ') : String(error);
    return { file, ruleMs: {}, parseMs: 0, totalMs: 0, findings: [], crash: stack };
  }
  const ruleMs: Record<string, number> = {};
  for (const [rule, time] of Object.entries(attempt.times?.rules ?? {})) ruleMs[rule] = time.total;
  const fatal = attempt.messages.find((message) => message.fatal);
  const findings = attempt.messages
    .filter((message) => !message.fatal && message.ruleId)
    .map((message) => ({ file: file.name, line: message.line, column: message.column, rule: message.ruleId!, message: message.message }));
  return {
    file,
    ruleMs,
    parseMs: attempt.times?.parse?.total ?? 0,
    totalMs: attempt.totalMs,
    findings,
    ...(fatal ? { unparsable: `${fatal.message} (line ${fatal.line})` } : {}),
    ...(fellBack ? { fellBack } : {}),
  };
}

export function newLinter(): Linter {
  return new Linter({ cwd: virtualRoot });
}

export function ruleTime(result: FileResult): number {
  return Object.values(result.ruleMs).reduce((sum, ms) => sum + ms, 0);
}

export function findingKey(finding: Pick<CorpusFinding, 'file' | 'line' | 'column' | 'rule'>): string {
  return `${finding.file}:${finding.line}:${finding.column} ${finding.rule}`;
}
