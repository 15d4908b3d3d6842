/**
 * Who owns a client after its creation: a variable of the creating function (then: where is it
 * closed, does it escape?), a class field, the module, the caller, nobody (dropped), or a
 * `using` declaration. Path-insensitive; close-paths.ts adds the "on every path" part.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import { codePathOwner, isFunction, memberName, staticString, walk, type Node } from './ast';
import { fieldAccesses, type ClassNode } from './classes';
import type { Creation } from './creations';
import { findVariable, isModuleScope, type GetScope, type VariableLike } from './scope';
import { followValue, type EscapeReason, type SinkContext, type ValueSink } from './values';

export interface CloseSite {
  /** The close call (or `closeIt(client)` call, or `client.close` reference). */
  readonly node: Node;
  /**
   * Where, on the creating function's code path, the close takes effect: the call itself, the
   * `if (client)` / `client?.` guard around it, or the nested function (callback) that holds it.
   */
  readonly at: Node;
  /** In a nested function declaration, which may run from anywhere: counts as closing on every path. */
  readonly everywhere: boolean;
}

export interface EscapeSite {
  readonly reason: EscapeReason;
  readonly node: Node;
}

export type Fate =
  /** Held by a variable of the creating function: closes, escapes and writes say the rest. */
  | 'binding'
  /** Closed on the spot (`createClient().close()`) or by a `using` declaration. */
  | 'closed'
  /** Evaluated and dropped: nothing can close it. */
  | 'discarded'
  /** Handed on: returned, passed, stored somewhere that outlives the function. */
  | 'escaped'
  /** Kept by a module-level variable: a singleton. */
  | 'module'
  /** Stored on `this.x` of a class. */
  | 'field';

export interface Ownership {
  readonly creation: Creation;
  readonly fate: Fate;
  /** The code path (function, field initializer, static block or Program) the creation runs in. */
  readonly owner: Node;
  /** The variable and its local aliases, for 'binding'. */
  readonly variables: readonly VariableLike[];
  /** A name for messages: the variable, `this.x`, or the callback parameter. */
  readonly name: string | undefined;
  readonly closes: readonly CloseSite[];
  readonly escapes: readonly EscapeSite[];
  /** Assignments that overwrite the binding after the creation. */
  readonly writes: readonly Node[];
  /** Whether closes must be checked on paths (false for `promise.then((client) => …)` callbacks). */
  readonly pathSensitive: boolean;
  /**
   * The code listens for the connection's end (`socket.on('close' | 'end', …)`): the peer closes
   * it (a server that hangs up after its answer), and the code is ready for that.
   */
  readonly endHandled: boolean;
  /** The declaration that binds the client, for suggestions. */
  readonly declarator: TSESTree.VariableDeclarator | undefined;
  readonly field: { readonly classNode: ClassNode | undefined; readonly name: string; readonly closed: boolean } | undefined;
  readonly sink: ValueSink;
}

export interface OwnershipContext {
  readonly getScope: GetScope;
  readonly closerIndexes?: (call: TSESTree.CallExpression | TSESTree.NewExpression) => readonly number[] | undefined;
  /** `<expr>.<field>.<close>()` calls anywhere in the file, by "field.close": closes from outside the class. */
  readonly externalFieldCloses: () => ReadonlySet<string>;
}

export function analyzeOwnership(creation: Creation, context: OwnershipContext): Ownership {
  const sinkContext: SinkContext = {
    getScope: context.getScope,
    closeMethods: creation.closeMethods,
    ...(context.closerIndexes ? { closerIndexes: context.closerIndexes } : {}),
  };
  const owner = codePathOwner(creation.node);
  const sink = followValue(creation.node, sinkContext);
  const base = {
    creation,
    owner,
    variables: [] as VariableLike[],
    name: undefined as string | undefined,
    closes: [] as CloseSite[],
    escapes: [] as EscapeSite[],
    writes: [] as Node[],
    pathSensitive: true,
    endHandled: chainHandlesEnd(creation.node),
    declarator: undefined as TSESTree.VariableDeclarator | undefined,
    field: undefined as Ownership['field'],
    sink,
  };
  switch (sink.kind) {
    case 'close':
    case 'closer-argument':
      return { ...base, fate: 'closed', closes: [{ node: sink.node, at: sink.node, everywhere: false }] };
    case 'use':
    case 'discard': {
      // Callback APIs (`amqp.connect(url, (error, connection) => …)` of amqplib/callback_api,
      // older mongodb drivers) hand the client to the callback and return nothing worth keeping.
      const callback = creation.node.type === 'CallExpression' ? creation.node.arguments.at(-1) : undefined;
      if (callback && isFunction(callback) && callback.params.length >= 2) {
        const parameter = callback.params[1];
        const variable = parameter?.type === 'Identifier' ? findVariable(context.getScope, callback.body, parameter.name) : undefined;
        if (!variable) return { ...base, fate: 'escaped', escapes: [{ reason: 'unknown', node: callback }] };
        return { ...bindingOwnership(base, [variable], callback, undefined, sinkContext), pathSensitive: false };
      }
      return { ...base, fate: 'discarded' };
    }
    case 'escape':
      return { ...base, fate: 'escaped', escapes: [{ reason: sink.reason, node: sink.node }] };
    case 'field': {
      const closed = sink.classNode ? classClosesField(sink.classNode, sink.name, sinkContext, context) : true;
      return { ...base, fate: sink.classNode ? 'field' : 'escaped', name: `this.${sink.name}`, field: { classNode: sink.classNode, name: sink.name, closed } };
    }
    case 'then': {
      const parameter = sink.callback?.params[0];
      if (!sink.callback || parameter?.type !== 'Identifier') return { ...base, fate: 'escaped', escapes: [{ reason: 'unknown', node: sink.node }] };
      const variable = findVariable(context.getScope, sink.callback.body, parameter.name);
      if (!variable) return { ...base, fate: 'escaped', escapes: [{ reason: 'unknown', node: sink.node }] };
      return { ...bindingOwnership(base, [variable], sink.callback, undefined, sinkContext), pathSensitive: false };
    }
    case 'declare':
      if (isModuleScope(sink.variable.scope)) return { ...base, fate: 'module', name: sink.variable.name };
      if (sink.using) return { ...base, fate: 'closed', name: sink.variable.name, closes: [{ node: sink.node, at: sink.node, everywhere: false }] };
      if (sink.variable.scope.variableScope.block !== owner) return { ...base, fate: 'escaped', escapes: [{ reason: 'outer-variable', node: sink.node }] };
      return bindingOwnership(base, [sink.variable], owner, sink.node, sinkContext);
    case 'assign': {
      const variable = sink.variable;
      if (isModuleScope(variable.scope)) return { ...base, fate: 'module', name: variable.name };
      if (variable.scope.variableScope.block !== owner) {
        return { ...base, fate: 'escaped', name: variable.name, escapes: [{ reason: 'outer-variable', node: sink.node }] };
      }
      return bindingOwnership(base, [variable], owner, undefined, sinkContext, sink.node);
    }
  }
}

function bindingOwnership(
  base: Omit<Ownership, 'fate'>,
  roots: VariableLike[],
  owner: Node,
  declarator: TSESTree.VariableDeclarator | undefined,
  sinkContext: SinkContext,
  creatingAssignment?: Node,
): Ownership {
  const variables: VariableLike[] = [...roots];
  const closes: CloseSite[] = [];
  const escapes: EscapeSite[] = [];
  const writes: Node[] = [];
  let endHandled = base.endHandled;
  for (let i = 0; i < variables.length; i++) {
    for (const reference of variables[i]!.references) {
      if (reference.init) continue;
      const identifier = reference.identifier;
      if (reference.isRead() && chainHandlesEnd(identifier)) endHandled = true;
      if (reference.isWrite()) {
        const assignment = identifier.parent;
        if (assignment && assignment !== creatingAssignment) writes.push(assignment);
      }
      if (!reference.isRead()) continue;
      const sink = followValue(identifier, sinkContext);
      switch (sink.kind) {
        case 'close':
        case 'closer-argument':
          closes.push(closeSite(sink.node, owner, variables));
          break;
        case 'declare':
        case 'assign': {
          const alias = sink.variable;
          if (sink.kind === 'declare' && sink.using) closes.push(closeSite(sink.node, owner, variables));
          else if (alias.scope.variableScope.block === owner && !isModuleScope(alias.scope)) {
            if (!variables.includes(alias)) variables.push(alias);
          } else escapes.push({ reason: 'outer-variable', node: sink.node });
          break;
        }
        case 'field':
          escapes.push({ reason: 'field', node: sink.node });
          break;
        case 'escape':
          escapes.push({ reason: sink.reason, node: sink.node });
          break;
        case 'then':
        case 'use':
        case 'discard':
          break;
      }
    }
  }
  const first = roots[0];
  return {
    ...base,
    fate: 'binding',
    variables,
    name: first?.name,
    closes,
    escapes,
    writes,
    endHandled,
    declarator,
  };
}

const endEvents = new Set(['close', 'end']);
const listenerRegistrations = new Set(['on', 'once', 'addListener', 'prependListener', 'prependOnceListener']);

/** `value.on('close', …)`, also further along a chain: `net.connect(port).setTimeout(1000).once('end', …)`. */
function chainHandlesEnd(value: Node): boolean {
  let current: Node = value;
  for (let depth = 0; depth < 8; depth++) {
    const member = current.parent;
    if (member?.type !== 'MemberExpression' || member.object !== current) return false;
    const call = member.parent;
    if (call?.type !== 'CallExpression' || call.callee !== member) return false;
    const method = memberName(member) ?? '';
    if (listenerRegistrations.has(method) && endEvents.has(staticString(call.arguments[0]) ?? '')) return true;
    if (!listenerRegistrations.has(method) && method !== 'setTimeout' && method !== 'setNoDelay' && method !== 'setKeepAlive' && method !== 'setEncoding') return false;
    current = call;
  }
  return false;
}

/** Where a close takes effect on the owner's code path (see CloseSite.at). */
function closeSite(node: Node, owner: Node, variables: readonly VariableLike[]): CloseSite {
  let outermostFunction: Node | undefined;
  for (let current = node.parent; current && current !== owner; current = current.parent) {
    if (isFunction(current)) outermostFunction = current;
  }
  if (outermostFunction) return { node, at: outermostFunction, everywhere: outermostFunction.type === 'FunctionDeclaration' };
  if (node.type === 'MemberExpression') {
    // `client.close` handed over uncalled (`.finally(client.close.bind(client))`, `onExit(client.close)`):
    // the close is arranged by the call it is passed to.
    for (let current: Node | undefined = node.parent; current && current !== owner; current = current.parent) {
      if (current.type === 'CallExpression' || current.type === 'NewExpression') return { node, at: current, everywhere: false };
    }
    return { node, at: node, everywhere: true };
  }
  return { node, at: outermostGuard(node, owner, variables) ?? node, everywhere: false };
}

/**
 * `if (client) client.close()`, `client && client.close()`, `client?.close()`: the close happens
 * whenever there is a client to close, so it takes effect where the guard is evaluated.
 */
function outermostGuard(node: Node, owner: Node, variables: readonly VariableLike[]): Node | undefined {
  const names = new Set(variables.map((variable) => variable.name));
  let guard: Node | undefined;
  let child: Node = node;
  for (let current = node.parent; current && current !== owner; child = current, current = current.parent) {
    switch (current.type) {
      case 'ChainExpression':
        guard = current;
        break;
      case 'IfStatement':
      case 'ConditionalExpression':
        if (current.test !== child && mentions(current.test, names)) guard = current;
        break;
      case 'LogicalExpression':
        if (current.right === child && mentions(current.left, names)) guard = current;
        break;
      default:
        break;
    }
  }
  return guard;
}

function mentions(expression: Node, names: ReadonlySet<string>): boolean {
  if (expression.type === 'Identifier') return names.has(expression.name);
  let found = false;
  walk(expression, (node) => {
    if (found) return false;
    if (node.type === 'Identifier' && names.has(node.name)) found = true;
    return undefined;
  });
  return found;
}

/**
 * Whether the class closes (or hands on) what it stores on `this.<name>`: a method calls
 * `this.<name>.close()`, passes `this.<name>` on, or returns it; or, in this file, something calls
 * `<instance>.<name>.close()`. A base class declared elsewhere may close it: not ours to judge.
 */
function classClosesField(classNode: ClassNode, name: string, sinkContext: SinkContext, context: OwnershipContext, depth = 0): boolean {
  for (const access of fieldAccesses(classNode, name)) {
    const parent = access.parent;
    if (parent?.type === 'AssignmentExpression' && parent.left === access) continue;
    const sink = followValue(access, sinkContext);
    if (sink.kind === 'close' || sink.kind === 'closer-argument' || sink.kind === 'escape' || sink.kind === 'field') return true;
    if ((sink.kind === 'declare' || sink.kind === 'assign') && variableClosesOrEscapes(sink.variable, sinkContext)) return true;
  }
  if (sinkContext.closeMethods.some((method) => context.externalFieldCloses().has(`${name}.${method}`))) return true;
  const superClass = classNode.superClass;
  if (!superClass) return false;
  if (superClass.type !== 'Identifier' || depth > 4) return true;
  const variable = findVariable(context.getScope, superClass, superClass.name);
  const definition = variable?.defs[0];
  if (definition?.type !== 'ClassName' || (definition.node.type !== 'ClassDeclaration' && definition.node.type !== 'ClassExpression')) return true;
  return classClosesField(definition.node, name, sinkContext, context, depth + 1);
}

function variableClosesOrEscapes(variable: VariableLike, sinkContext: SinkContext): boolean {
  return variable.references.some((reference) => {
    if (!reference.isRead()) return false;
    const sink = followValue(reference.identifier, sinkContext);
    return sink.kind === 'close' || sink.kind === 'closer-argument' || sink.kind === 'escape';
  });
}

/** Every `<expr>.<field>.<method>()` in the file whose object is not `this`, as "field.method". */
export function collectExternalFieldCloses(program: Node): Set<string> {
  const found = new Set<string>();
  walk(program, (node) => {
    if (node.type !== 'CallExpression') return;
    const callee = node.callee;
    if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier') return;
    const object = callee.object;
    if (object.type !== 'MemberExpression' || object.computed || object.property.type !== 'Identifier' || object.object.type === 'ThisExpression') return;
    found.add(`${object.property.name}.${callee.property.name}`);
  });
  return found;
}
