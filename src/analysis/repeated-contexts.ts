/**
 * Where code runs many times: loop bodies, array-iteration callbacks, recurring timers, and
 * per-request or per-event handlers. A creation there opens a connection per pass.
 *
 * Callbacks of other calls (`promise.then`, `new Promise`, `setTimeout`, an IIFE) run about once
 * per evaluation of the call, so the search continues outwards through them: a `.then` callback
 * inside a for loop still runs once per pass. A function stored in a variable or a property runs
 * whenever someone calls it; unless this file passes it to a repeating call (`app.get('/', handler)`),
 * the search stops there.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import { calleeMember, isFunction, memberName, shortLabel, skipWrappers, staticString, type FunctionNode, type Node } from './ast';
import type { OriginResolver } from './origins';
import { isGlobalReference, isWrittenOnce, variableOf, type GetScope } from './scope';

export type RepetitionKind =
  /** for / for-in / for-of / while / do-while. */
  | 'loop'
  /** A callback of an array-iteration method. */
  | 'iteration'
  /** A callback of an iteration whose results go to `Promise.all`: every pass runs at once. */
  | 'concurrent'
  | 'timer'
  | 'request'
  | 'event';

export interface RepeatedContext {
  readonly kind: RepetitionKind;
  /** The loop statement, or the callback function. */
  readonly node: Node;
  /** The part that repeats: a loop body, test or update; the callback. */
  readonly repeatedPart: Node;
  /** For messages: "a for-of loop body", "a forEach() callback", "an app.get() route handler". */
  readonly description: string;
  /** Array method of an iteration callback (`map`, `forEach`, `from`…). */
  readonly method?: string;
  /** Passes run one after the other: a plain loop, or a synchronous iteration callback. */
  readonly sequential: boolean;
}

export const arrayIterationMethods = new Set([
  'forEach',
  'map',
  'flatMap',
  'filter',
  'reduce',
  'reduceRight',
  'some',
  'every',
  'find',
  'findIndex',
  'findLast',
  'findLastIndex',
  'sort',
  'toSorted',
  // lodash / async / Bluebird spellings of the same idea.
  'each',
  'eachSeries',
  'eachLimit',
  'mapSeries',
  'mapLimit',
  'times',
]);

const routeMethods = new Set(['get', 'post', 'put', 'delete', 'del', 'patch', 'all', 'head', 'options']);
const middlewareMethods = new Set(['use']);
const listenerMethods = new Set(['on', 'addListener', 'prependListener']);
const requestHookMethods = new Set(['addHook', 'ext']);
const serverModules = new Set(['http', 'https', 'http2', 'net', 'tls', 'node:http', 'node:https', 'node:http2', 'node:net', 'node:tls']);
const storingMethods = new Set(['push', 'unshift', 'add', 'set', 'splice', 'concat', 'register', 'define', 'defineProperty']);
const promiseCombinators = new Set(['all', 'allSettled', 'any', 'race']);
/** NestJS-style route and message handler decorators on controller methods. */
const handlerDecorators = new Set(['Get', 'Post', 'Put', 'Delete', 'Patch', 'All', 'Head', 'Options', 'MessagePattern', 'EventPattern', 'SubscribeMessage']);

/**
 * Events that fire once in a client's or process's life (or mark its end): a handler for them is
 * not a repeated context. A reconnect on 'close' replaces a client that is already gone.
 */
const oneShotEvents = new Set([
  'close',
  'end',
  'finish',
  'exit',
  'beforeExit',
  'ready',
  'listening',
  'open',
  'connect',
  'connected',
  'disconnect',
  'disconnected',
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR2',
]);

export interface ContextFinder {
  readonly getScope: GetScope;
  readonly origins: OriginResolver;
}

/** The innermost repeated context around `node`, looking through callbacks that run once per evaluation. */
export function findRepeatedContext(node: Node, finder: ContextFinder): RepeatedContext | undefined {
  let child: Node = node;
  for (let current = node.parent; current; child = current, current = current.parent) {
    switch (current.type) {
      case 'ForStatement':
        if (child === current.body) return loopContext(current, child, 'a for loop body');
        if (child === current.test) return loopContext(current, child, 'a for loop condition');
        if (child === current.update) return loopContext(current, child, 'a for loop update');
        break;
      case 'ForInStatement':
        if (child === current.body) return loopContext(current, child, 'a for-in loop body');
        break;
      case 'ForOfStatement':
        if (child === current.body) return loopContext(current, child, current.await ? 'a for-await-of loop body' : 'a for-of loop body');
        break;
      case 'WhileStatement':
        if (child === current.body) return loopContext(current, child, 'a while loop body');
        if (child === current.test) return loopContext(current, child, 'a while loop condition');
        break;
      case 'DoWhileStatement':
        if (child === current.body || child === current.test) return loopContext(current, child, 'a do-while loop body');
        break;
      case 'ArrowFunctionExpression':
      case 'FunctionExpression':
      case 'FunctionDeclaration': {
        if (child === current.id) break;
        const found = callbackContext(current, finder);
        if (found) return found;
        if (isOnceCalledCallback(current)) break;
        return contextOfPassedFunction(current, finder);
      }
      case 'ClassBody':
      case 'StaticBlock':
      case 'PropertyDefinition':
        return undefined;
      default:
        break;
    }
  }
  return undefined;
}

function loopContext(loop: Node, part: Node, description: string): RepeatedContext {
  return { kind: 'loop', node: loop, repeatedPart: part, description, sequential: true };
}

/** A callback of a call that calls it about once per evaluation, or an IIFE. */
function isOnceCalledCallback(fn: FunctionNode): boolean {
  const parent = fn.parent;
  if (!parent) return false;
  if (parent.type === 'CallExpression' || parent.type === 'NewExpression') {
    // `handlers.push(() => …)` stores the function for later; it does not run it.
    const member = parent.type === 'CallExpression' ? calleeMember(parent) : undefined;
    return !(member && storingMethods.has(memberName(member) ?? ''));
  }
  // `(async () => { … })()` with type wrappers in between.
  let child: Node = fn;
  let current: Node | undefined = parent;
  while (current && (current.type === 'TSAsExpression' || current.type === 'TSNonNullExpression')) {
    child = current;
    current = current.parent;
  }
  return current?.type === 'CallExpression' && current.callee === child;
}

/**
 * `function handler(req, res) { … }` declared on its own and passed to a repeating call in this
 * file: `app.get('/', handler)`, `items.forEach(handler)`.
 */
function contextOfPassedFunction(fn: FunctionNode, finder: ContextFinder): RepeatedContext | undefined {
  let name: TSESTree.Identifier | undefined;
  if (fn.type === 'FunctionDeclaration' && fn.id) name = fn.id;
  else if (fn.parent?.type === 'VariableDeclarator' && fn.parent.init === fn && fn.parent.id.type === 'Identifier') name = fn.parent.id;
  if (!name) return undefined;
  const variable = variableOf(finder.getScope, name);
  if (!variable || !isWrittenOnce(variable)) return undefined;
  for (const reference of variable.references) {
    const identifier = reference.identifier;
    const call = identifier.parent;
    if (!reference.isRead() || !call || (call.type !== 'CallExpression' && call.type !== 'NewExpression') || call.callee === identifier) continue;
    const found = classifyCallback(call, identifier, fn, finder);
    if (found) return found;
  }
  return undefined;
}

function callbackContext(fn: FunctionNode, finder: ContextFinder): RepeatedContext | undefined {
  const parent = fn.parent;
  if (!parent) return undefined;
  if (parent.type === 'CallExpression' || parent.type === 'NewExpression') return classifyCallback(parent, fn, fn, finder);
  if (parent.type === 'MethodDefinition' && parent.value === fn) return decoratedHandler(parent, fn);
  if (parent.type === 'Property' && parent.value === fn) return routeObjectHandler(parent, fn);
  return undefined;
}

/**
 * Classifies `argument` (a callback, or an identifier naming `fn`) of `call`.
 */
function classifyCallback(
  call: TSESTree.CallExpression | TSESTree.NewExpression,
  argument: Node,
  fn: FunctionNode,
  finder: ContextFinder,
): RepeatedContext | undefined {
  const index = call.arguments.indexOf(argument as TSESTree.CallExpressionArgument);
  if (index < 0) return undefined;
  const callee = skipWrappers(call.callee);
  if (callee.type === 'Identifier') {
    if (callee.name === 'setInterval' && index === 0 && isGlobalReference(finder.getScope, callee)) return timer(fn, 'a setInterval() callback');
    const origin = finder.origins.resolve(callee);
    if (origin?.kind === 'module' && origin.path.length > 0) {
      const name = origin.path[origin.path.length - 1];
      if (name === 'setInterval' && (origin.specifier === 'timers' || origin.specifier === 'node:timers')) return timer(fn, 'a setInterval() callback');
      if (name === 'createServer' && serverModules.has(origin.specifier)) return serverHandler(fn, `${origin.specifier.replace('node:', '')}.createServer()`);
    }
    return undefined;
  }
  if (callee.type !== 'MemberExpression') return undefined;
  const method = memberName(callee);
  if (method === undefined) return undefined;
  const receiver = shortLabel(callee.object);
  const label = receiver ? `${receiver}.${method}()` : `.${method}()`;
  const firstArgument = call.arguments[0];

  if (arrayIterationMethods.has(method) && (index === 0 || (index === 1 && firstArgument && !isFunction(firstArgument)))) {
    return iterationContext(call, fn, method);
  }
  if (method === 'from' && index === 1 && callee.object.type === 'Identifier' && callee.object.name === 'Array') {
    return iterationContext(call, fn, 'from');
  }
  if (method === 'setInterval' && index === 0) {
    const origin = finder.origins.resolve(callee.object);
    if (origin?.kind === 'module' && (origin.specifier === 'timers' || origin.specifier === 'node:timers')) return timer(fn, 'a setInterval() callback');
  }
  if (method === 'createServer') {
    const origin = finder.origins.resolve(callee.object);
    if (origin?.kind === 'module' && serverModules.has(origin.specifier)) return serverHandler(fn, label);
  }
  if (call.type === 'NewExpression') return undefined;
  if (routeMethods.has(method) && index >= 1 && isRoutePath(firstArgument)) {
    return { kind: 'request', node: fn, repeatedPart: fn, description: withArticle(`${label} route handler`), sequential: false };
  }
  if (middlewareMethods.has(method)) {
    return { kind: 'request', node: fn, repeatedPart: fn, description: withArticle(`${label} middleware`), sequential: false };
  }
  if (requestHookMethods.has(method) && index >= 1 && staticString(firstArgument)?.startsWith('on')) {
    return { kind: 'request', node: fn, repeatedPart: fn, description: withArticle(`${label} '${staticString(firstArgument)}' hook`), sequential: false };
  }
  if (listenerMethods.has(method) && index >= 1) {
    const event = staticString(firstArgument);
    if (event === undefined || oneShotEvents.has(event)) return undefined;
    const perRequest = event === 'request' || event === 'connection';
    return {
      kind: perRequest ? 'request' : 'event',
      node: fn,
      repeatedPart: fn,
      description: withArticle(`${receiver ?? ''}.${method}('${event}') listener`.replace(/^\./, '')),
      sequential: false,
    };
  }
  return undefined;
}

function timer(fn: FunctionNode, description: string): RepeatedContext {
  return { kind: 'timer', node: fn, repeatedPart: fn, description, sequential: false };
}

function serverHandler(fn: FunctionNode, label: string): RepeatedContext {
  return { kind: 'request', node: fn, repeatedPart: fn, description: withArticle(`${label} connection handler`), sequential: false };
}

function iterationContext(call: TSESTree.CallExpression | TSESTree.NewExpression, fn: FunctionNode, method: string): RepeatedContext {
  const label = method === 'from' ? 'Array.from()' : `${method}()`;
  if (fn.async && feedsPromiseCombinator(call)) {
    return { kind: 'concurrent', node: fn, repeatedPart: fn, description: `a ${label} callback inside Promise.all`, method, sequential: false };
  }
  return { kind: 'iteration', node: fn, repeatedPart: fn, description: withArticle(`${label} callback`), method, sequential: !fn.async };
}

/** `Promise.all(items.map(async …))`, also through `await` and type wrappers. */
function feedsPromiseCombinator(call: Node): boolean {
  let child: Node = call;
  let parent = call.parent;
  while (parent && (parent.type === 'TSAsExpression' || parent.type === 'ChainExpression' || parent.type === 'TSNonNullExpression')) {
    child = parent;
    parent = parent.parent;
  }
  if (parent?.type !== 'CallExpression' || !parent.arguments.includes(child as TSESTree.CallExpressionArgument)) return false;
  const member = calleeMember(parent);
  return member !== undefined && promiseCombinators.has(memberName(member) ?? '') && skipWrappers(member.object).type === 'Identifier' && (skipWrappers(member.object) as TSESTree.Identifier).name === 'Promise';
}

/** `'/users/:id'`, `` `/x` ``, `/^\/api/`, `['/a', '/b']`, `'*'`: what routers take as a path. */
function isRoutePath(node: Node | undefined): boolean {
  if (!node) return false;
  const text = staticString(node);
  if (text !== undefined) return text.startsWith('/') || text === '*';
  if (node.type === 'TemplateLiteral') return node.quasis[0]?.value.cooked?.startsWith('/') ?? false;
  if (node.type === 'Literal' && 'regex' in node && node.regex) return true;
  if (node.type === 'ArrayExpression') return node.elements.length > 0 && node.elements.every((element) => element !== null && isRoutePath(element));
  return false;
}

function decoratedHandler(method: TSESTree.MethodDefinition, fn: FunctionNode): RepeatedContext | undefined {
  for (const decorator of method.decorators ?? []) {
    const expression = decorator.expression.type === 'CallExpression' ? decorator.expression.callee : decorator.expression;
    if (expression.type === 'Identifier' && handlerDecorators.has(expression.name)) {
      return { kind: 'request', node: fn, repeatedPart: fn, description: `a @${expression.name}() handler`, sequential: false };
    }
  }
  return undefined;
}

/** hapi / fastify: `server.route({ method: 'GET', path: '/', handler(request) { … } })`. */
function routeObjectHandler(property: TSESTree.Property, fn: FunctionNode): RepeatedContext | undefined {
  const key = property.key.type === 'Identifier' && !property.computed ? property.key.name : staticString(property.key);
  if (key !== 'handler') return undefined;
  let current: Node | undefined = property.parent;
  while (current && (current.type === 'ObjectExpression' || current.type === 'Property' || current.type === 'ArrayExpression')) {
    const parent: Node | undefined = current.parent;
    if (parent?.type === 'CallExpression' && parent.arguments.includes(current as TSESTree.CallExpressionArgument)) {
      const member = calleeMember(parent);
      const method = member && memberName(member);
      if (method === 'route') {
        const receiver = shortLabel(member!.object);
        return { kind: 'request', node: fn, repeatedPart: fn, description: `a ${receiver ? `${receiver}.` : '.'}route() handler`, sequential: false };
      }
      if (method && routeMethods.has(method) && isRoutePath(parent.arguments[0])) {
        return { kind: 'request', node: fn, repeatedPart: fn, description: withArticle(`${shortLabel(member!.object) ?? ''}.${method}() route handler`), sequential: false };
      }
      return undefined;
    }
    current = parent;
  }
  return undefined;
}

function withArticle(phrase: string): string {
  // "an http.createServer()": the letters are read out.
  return /^(?:[aeiou]|https?\b|http2\b)/i.test(phrase) ? `an ${phrase}` : `a ${phrase}`;
}
