/**
 * Whether a creation in a repeated context really opens a connection per pass. Not when:
 * - it is a lazy initialisation (`if (!client) client = createClient()`, `client ??= …`,
 *   `cache.get(k) ?? create()`): it runs once;
 * - it is a retry loop (`for (…) { try { c = await connect(); break } catch {} }`): it stops at
 *   the first success;
 * - (option) each item gets its own long-lived client, kept in an outer collection or returned
 *   from a `map` callback: one client per shard is a design, not a leak;
 * - (option) a plain sequential loop closes it again in the same pass.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import { calleeMember, isFunction, isWithin, memberName, walk, type Node } from './ast';
import type { Ownership } from './ownership';
import type { RepeatedContext } from './repeated-contexts';
import { followValue } from './values';
import { variableOf, type GetScope } from './scope';

export interface RepetitionOptions {
  readonly allowClosedInIteration: boolean;
  readonly allowPerItemClients: boolean;
}

export type RepetitionVerdict =
  | { readonly report: false; readonly reason: 'lazy' | 'retry' | 'per-item' | 'closed-in-pass' }
  | { readonly report: true; readonly closedInPass: boolean };

export interface RepetitionHelpers {
  readonly getScope: GetScope;
  readonly getText: (node: Node) => string;
}

const collectionMethods = new Set(['push', 'unshift', 'add', 'set', 'splice']);
const collectingIterations = new Set(['map', 'flatMap', 'from', 'mapSeries', 'mapLimit', 'times']);

export function judgeRepetition(ownership: Ownership, context: RepeatedContext, options: RepetitionOptions, helpers: RepetitionHelpers): RepetitionVerdict {
  const creation = ownership.creation.node;
  if (isLazy(creation, ownership, context, helpers)) return { report: false, reason: 'lazy' };
  if (context.kind === 'loop' && isRetry(creation, context)) return { report: false, reason: 'retry' };
  const perPass = context.kind === 'loop' || context.kind === 'iteration' || context.kind === 'concurrent';
  if (perPass && options.allowPerItemClients && isKeptPerItem(ownership, context, helpers)) return { report: false, reason: 'per-item' };
  const closedInPass = ownership.closes.some((close) => isWithin(close.node, context.repeatedPart));
  if (closedInPass && context.sequential && options.allowClosedInIteration) return { report: false, reason: 'closed-in-pass' };
  return { report: true, closedInPass };
}

/** What a lazily initialised creation is stored in, as source text: `client`, `this.zk`, `pools[key]`, `cache`. */
function storageTargets(ownership: Ownership, helpers: RepetitionHelpers): string[] {
  const targets: string[] = [];
  const sink = ownership.sink;
  if (sink.kind === 'assign') targets.push(sink.variable.name);
  if (sink.kind === 'field') targets.push(`this.${sink.name}`);
  for (const escape of ownership.escapes) {
    const node = escape.node;
    if (node.type === 'AssignmentExpression') targets.push(helpers.getText(node.left));
    if (escape.reason === 'argument' && node.type === 'CallExpression') {
      const member = calleeMember(node);
      if (member && collectionMethods.has(memberName(member) ?? '')) targets.push(helpers.getText(member.object));
    }
  }
  return targets;
}

function isLazy(creation: Node, ownership: Ownership, context: RepeatedContext, helpers: RepetitionHelpers): boolean {
  // `client ??= create()`, `client = client || create()`, `cache.get(k) ?? create()`.
  let child: Node = creation;
  for (let parent = creation.parent; parent && parent !== context.repeatedPart; child = parent, parent = parent.parent) {
    if (parent.type === 'LogicalExpression' && parent.right === child && parent.operator !== '&&') return true;
    if (parent.type === 'AssignmentExpression' && parent.right === child && (parent.operator === '??=' || parent.operator === '||=')) return true;
    if (isFunction(parent)) break;
    if (parent.type !== 'AwaitExpression' && parent.type !== 'TSAsExpression' && parent.type !== 'TSNonNullExpression' && parent.type !== 'ChainExpression' && parent.type !== 'MemberExpression' && parent.type !== 'CallExpression') break;
  }
  const targets = storageTargets(ownership, helpers);
  if (targets.length === 0) return false;
  const guardMentions = (test: Node): boolean => {
    const texts = textsIn(test, helpers);
    return targets.some((target) => {
      const root = target.split(/[.[]/)[0]!;
      return texts.some((text) => text === target || (root !== 'this' && text === root) || text.startsWith(`${target}.`) || text.startsWith(`${target}[`));
    });
  };
  child = creation;
  for (let parent = creation.parent; parent && parent !== context.repeatedPart.parent; child = parent, parent = parent.parent) {
    if ((parent.type === 'IfStatement' || parent.type === 'ConditionalExpression') && parent.test !== child && guardMentions(parent.test)) return true;
    if (parent.type === 'LogicalExpression' && parent.right === child && guardMentions(parent.left)) return true;
    if (parent.type === 'BlockStatement' || parent.type === 'Program') {
      // `if (client) return client;` before the creation.
      const index = parent.body.indexOf(child as TSESTree.Statement);
      for (const statement of parent.body.slice(0, Math.max(index, 0))) {
        if (statement.type === 'IfStatement' && exitsEarly(statement.consequent) && guardMentions(statement.test)) return true;
      }
    }
    if (parent === context.repeatedPart) break;
  }
  return false;
}

function exitsEarly(statement: TSESTree.Statement): boolean {
  if (statement.type === 'ReturnStatement' || statement.type === 'ContinueStatement' || statement.type === 'BreakStatement' || statement.type === 'ThrowStatement') return true;
  return statement.type === 'BlockStatement' && statement.body.length > 0 && exitsEarly(statement.body[statement.body.length - 1]!);
}

/** Source texts of the identifiers and member expressions in a test. */
function textsIn(test: Node, helpers: RepetitionHelpers): string[] {
  const texts: string[] = [];
  const visit = (node: Node): void => {
    if (node.type === 'Identifier' || node.type === 'MemberExpression' || node.type === 'ThisExpression') texts.push(helpers.getText(node));
  };
  visit(test);
  walk(test, (node) => {
    visit(node);
  });
  return texts;
}

/** The creation's statement is followed, in the same pass, by `break` or `return`: it runs until one succeeds. */
function isRetry(creation: Node, context: RepeatedContext): boolean {
  let child: Node = creation;
  for (let parent = creation.parent; parent && child !== context.repeatedPart; child = parent, parent = parent.parent) {
    if (parent.type === 'ReturnStatement') return true;
    if (parent.type === 'SwitchCase' || isFunction(parent)) return false;
    if (parent.type === 'BlockStatement') {
      const index = parent.body.indexOf(child as TSESTree.Statement);
      const rest = parent.body.slice(index + 1);
      // `try { await client.connect(); return client; } catch { … }` after it counts too.
      const exits = (statement: TSESTree.Statement): boolean => statement.type === 'ReturnStatement' || (statement.type === 'BreakStatement' && !statement.label);
      if (rest.some((statement) => exits(statement) || (statement.type === 'TryStatement' && statement.block.body.some(exits)))) return true;
    }
  }
  return false;
}

/** Kept beyond the pass, one per item: pushed or set into an outer collection, or returned from a `map` callback. */
function isKeptPerItem(ownership: Ownership, context: RepeatedContext, helpers: RepetitionHelpers): boolean {
  return ownership.escapes.some((escape) => isKeptEscape(escape, context, helpers, 0));
}

function isKeptEscape(escape: { readonly reason: string; readonly node: Node }, context: RepeatedContext, helpers: RepetitionHelpers, depth: number): boolean {
  const node = escape.node;
  if (escape.reason === 'container' && depth < 3) {
    // `[key, new Redis(url)]` or `{ key, client }` that is itself kept per item.
    const container = node.type === 'ArrayExpression' || node.type === 'ObjectExpression' ? node : node.parent;
    if (!container) return false;
    const sink = followValue(container, { getScope: helpers.getScope, closeMethods: [] });
    return sink.kind === 'escape' && isKeptEscape(sink, context, helpers, depth + 1);
  }
  if (escape.reason === 'returned') {
    return context.method !== undefined && collectingIterations.has(context.method) && enclosingFunctionIs(node, context.node);
  }
  if (escape.reason === 'argument' && node.type === 'CallExpression') {
    const member = calleeMember(node);
    return member !== undefined && collectionMethods.has(memberName(member) ?? '') && declaredOutside(member.object, context, helpers);
  }
  if (escape.reason === 'member-store' && node.type === 'AssignmentExpression' && node.left.type === 'MemberExpression') {
    return node.left.computed && declaredOutside(node.left.object, context, helpers);
  }
  return false;
}

function enclosingFunctionIs(node: Node, fn: Node): boolean {
  if (node === fn) return true;
  for (let current = node.parent; current; current = current.parent) {
    if (isFunction(current)) return current === fn;
  }
  return false;
}

function declaredOutside(object: Node, context: RepeatedContext, helpers: RepetitionHelpers): boolean {
  let root: Node = object;
  while (root.type === 'MemberExpression') root = root.object;
  if (root.type === 'ThisExpression') return true;
  if (root.type !== 'Identifier') return false;
  const variable = variableOf(helpers.getScope, root);
  const definition = variable?.defs[0];
  return definition !== undefined && !isWithin(definition.name, context.repeatedPart);
}
