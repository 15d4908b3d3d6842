import { createHash } from 'node:crypto';
import path from 'node:path';
import * as tsParser from '@typescript-eslint/parser';
import { Linter, type Rule } from 'eslint';
import { ts } from 'ts-morph';
import { fileAnalysis, type CreationNode, type CrossFileSummaries } from '../analysis';
import type { ConfigName, FileNotAnalysed, Finding, RuleDescriptor, Severity } from './findings';
import { relative } from './load';

/**
 * Runs connleak's ESLint rules over the program's files, the very rules users run in their
 * editor, with the typescript-eslint parser fed the checker's TypeScript Program (so no file is
 * parsed twice and the rules see the same types) and the cross-file summaries as
 * `settings.connleak.summaries`. The checker adds whole-program knowledge; the judgement stays
 * in the rules.
 */

/** The parts of `connleak/eslint-plugin` the checker uses. */
export interface ConnleakPlugin {
  readonly meta?: { readonly name?: string; readonly version?: string };
  readonly rules: Readonly<Record<string, Rule.RuleModule>>;
  readonly configs: Readonly<Record<string, Linter.Config | readonly Linter.Config[]>>;
}

export function loadPlugin(): ConnleakPlugin {
  // Loaded at run time rather than imported: the plugin is the package's public CommonJS entry
  // (`module.exports = plugin`), the same object ESLint users get.
  const loaded = require('../eslint-plugin') as ConnleakPlugin | { default: ConnleakPlugin };
  return 'default' in loaded ? loaded.default : loaded;
}

export const pluginPrefix = 'connleak/';

export interface AnalyseOptions {
  readonly program: ts.Program;
  readonly files: readonly ts.SourceFile[];
  readonly summaries: CrossFileSummaries;
  readonly config: ConfigName;
  readonly cwd: string;
  readonly plugin?: ConnleakPlugin;
  /** User client kinds, passed to the rules as `settings.connleak.clients`. */
  readonly clients?: unknown;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface AnalyseResult {
  readonly findings: Finding[];
  readonly notAnalysed: FileNotAnalysed[];
  readonly filesAnalysed: number;
  readonly rules: RuleDescriptor[];
}

/** What a rule reported beyond the message text: the client kind of the creation it reported. */
interface CapturedReport {
  readonly client: string | undefined;
}

export function analyse(options: AnalyseOptions): AnalyseResult {
  const plugin = options.plugin ?? loadPlugin();
  const severities = ruleSeverities(plugin, options.config);
  const captured = new Map<string, CapturedReport>();
  const config: Linter.Config[] = [
    {
      files: ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.cts', '**/*.js', '**/*.jsx', '**/*.mjs', '**/*.cjs'],
      languageOptions: {
        parser: tsParser,
        parserOptions: { programs: [options.program], ecmaFeatures: { jsx: true } },
      },
      linterOptions: { reportUnusedDisableDirectives: 'off' },
      plugins: { connleak: { rules: capturingRules(plugin.rules, captured) } },
      rules: Object.fromEntries([...severities].map(([id, { entry }]) => [id, entry])),
      settings: { connleak: { summaries: options.summaries, ...(options.clients !== undefined ? { clients: options.clients } : {}) } },
    },
  ];
  // Linting from the file system root: every absolute path is inside it, none is "outside the base path".
  const linter = new Linter({ configType: 'flat', cwd: path.parse(options.files[0]?.fileName ?? options.cwd).root });
  const findings: Finding[] = [];
  const notAnalysed: FileNotAnalysed[] = [];
  let filesAnalysed = 0;
  options.files.forEach((sourceFile, index) => {
    options.onProgress?.(index, options.files.length);
    captured.clear();
    const file = relative(options.cwd, sourceFile.fileName);
    let messages: Linter.LintMessage[];
    try {
      messages = linter.verify(sourceFile.text, config, { filename: sourceFile.fileName });
    } catch (error) {
      notAnalysed.push({ file, reason: `internal error: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` });
      return;
    }
    const fatal = messages.find((message) => message.fatal);
    if (fatal) {
      // typescript-estree converts recursively: deep nesting that TypeScript parsed can still exhaust the stack here.
      const reason = /call stack/i.test(fatal.message) ? 'nested too deeply for the parser (call stack exhausted)' : `syntax error: ${fatal.message}${fatal.line ? ` (line ${fatal.line}, column ${fatal.column})` : ''}`;
      notAnalysed.push({ file, reason });
      return;
    }
    filesAnalysed++;
    const ordinals = new Map<string, number>();
    for (const message of messages) {
      if (!message.ruleId?.startsWith(pluginPrefix)) continue;
      const endLine = message.endLine ?? message.line;
      const endColumn = message.endColumn ?? message.column;
      const report = captured.get(reportKey(message.ruleId, message.line, message.column));
      const identity = fingerprintSource(sourceFile, message.ruleId, message.line, message.column, endLine, endColumn);
      const ordinal = ordinals.get(identity) ?? 0;
      ordinals.set(identity, ordinal + 1);
      findings.push({
        file,
        line: message.line,
        column: message.column,
        endLine,
        endColumn,
        rule: message.ruleId,
        message: message.message,
        client: report?.client ?? 'unknown',
        severity: message.severity === 2 ? 'error' : 'warning',
        fingerprint: `${createHash('sha256').update(identity).digest('hex').slice(0, 32)}:${ordinal}`,
      });
    }
  });
  options.onProgress?.(options.files.length, options.files.length);
  const rules = [...severities].map(([id, { severity }]) => describeRule(plugin, id, severity));
  return { findings, notAnalysed, filesAnalysed, rules };
}

interface ConfiguredRule {
  readonly entry: Linter.RuleEntry;
  readonly severity: Severity;
}

/** The plugin's rules that `configs[name]` turns on, with their severities and options. */
export function ruleSeverities(plugin: ConnleakPlugin, name: ConfigName): Map<string, ConfiguredRule> {
  const preset = plugin.configs[name];
  const presets: readonly Linter.Config[] = Array.isArray(preset) ? preset : preset ? [preset as Linter.Config] : [];
  const rules = new Map<string, ConfiguredRule>();
  for (const config of presets) {
    for (const [id, entry] of Object.entries(config.rules ?? {})) {
      if (!id.startsWith(pluginPrefix) || entry === undefined) continue;
      const level = Array.isArray(entry) ? entry[0] : entry;
      if (level === 'off' || level === 0) rules.delete(id);
      else rules.set(id, { entry, severity: level === 'warn' || level === 1 ? 'warning' : 'error' });
    }
  }
  return rules;
}

function describeRule(plugin: ConnleakPlugin, id: string, severity: Severity): RuleDescriptor {
  const docs = plugin.rules[id.slice(pluginPrefix.length)]?.meta?.docs;
  return { id, description: docs?.description ?? id, ...(docs?.url ? { helpUri: docs.url } : {}), severity };
}

/** The plugin's rules, each reporting through a context that also records the report's `data`. */
function capturingRules(rules: Readonly<Record<string, Rule.RuleModule>>, captured: Map<string, CapturedReport>): Record<string, Rule.RuleModule> {
  return Object.fromEntries(
    Object.entries(rules).map(([name, rule]) => [
      name,
      {
        ...rule,
        create(context: Rule.RuleContext) {
          // ESLint freezes the context; a child object with its own `report` reads everything else through the prototype.
          const recording = Object.create(context, {
            report: {
              value(descriptor: Rule.ReportDescriptor) {
                const start = 'loc' in descriptor && descriptor.loc ? ('start' in descriptor.loc ? descriptor.loc.start : descriptor.loc) : 'node' in descriptor ? descriptor.node.loc?.start : undefined;
                if (start) captured.set(reportKey(`${pluginPrefix}${name}`, start.line, start.column + 1), { client: reportedClient(context, descriptor) });
                context.report(descriptor);
              },
            },
          }) as Rule.RuleContext;
          return rule.create(recording);
        },
      },
    ]),
  );
}

function reportKey(ruleId: string, line: number, column: number): string {
  return `${ruleId}:${line}:${column}`;
}

/**
 * The catalog id of the client a report is about. ESLint keeps only the message text, so the id
 * is read back from the rules' own per-file analysis (cached, not recomputed): the creation at
 * the reported node.
 */
function reportedClient(context: Rule.RuleContext, descriptor: Rule.ReportDescriptor): string | undefined {
  if (!('node' in descriptor) || !descriptor.node) return undefined;
  const analysis = fileAnalysis(context as unknown as Parameters<typeof fileAnalysis>[0]);
  return analysis.recognizer.creationAt(descriptor.node as unknown as CreationNode)?.kind.id;
}

/**
 * What identifies a finding across edits: the rule, the name of the enclosing function, method
 * or class, and the creating code's text with whitespace collapsed. Line numbers are left out on
 * purpose, so a finding keeps its fingerprint when code above it moves.
 */
function fingerprintSource(sourceFile: ts.SourceFile, rule: string, line: number, column: number, endLine: number, endColumn: number): string {
  const start = positionOf(sourceFile, line, column);
  const end = Math.max(start, positionOf(sourceFile, endLine, endColumn));
  const text = sourceFile.text.slice(start, end).replace(/\s+/g, ' ').trim();
  return `${rule}\n${enclosingName(sourceFile, start)}\n${text}`;
}

function positionOf(sourceFile: ts.SourceFile, line: number, column: number): number {
  const lineStarts = sourceFile.getLineStarts();
  const lineIndex = Math.min(Math.max(line - 1, 0), lineStarts.length - 1);
  return Math.min((lineStarts[lineIndex] ?? 0) + column - 1, sourceFile.text.length);
}

function enclosingName(sourceFile: ts.SourceFile, position: number): string {
  const names: string[] = [];
  const visit = (node: ts.Node): void => {
    if (position < node.getStart(sourceFile) || position >= node.end) return;
    const name = (node as { name?: ts.Node }).name;
    if ((ts.isFunctionLike(node) || ts.isClassLike(node) || ts.isVariableDeclaration(node)) && name && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name))) names.push(name.text);
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return names.join('.');
}
