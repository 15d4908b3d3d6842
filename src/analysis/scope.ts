/**
 * The part of ESLint's scope analysis the analysis uses. eslint-scope (espree) and
 * @typescript-eslint/scope-manager both have this shape; declaring it here keeps the analysis
 * independent of which parser produced the tree.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import type { Node } from './ast';

export interface ScopeLike {
  readonly type: string;
  readonly block: Node;
  readonly upper: ScopeLike | null;
  readonly set: ReadonlyMap<string, VariableLike>;
  readonly references: readonly ReferenceLike[];
  readonly childScopes: readonly ScopeLike[];
  readonly variableScope: ScopeLike;
}

export interface VariableLike {
  readonly name: string;
  readonly defs: readonly DefinitionLike[];
  readonly references: readonly ReferenceLike[];
  readonly scope: ScopeLike;
}

export interface ReferenceLike {
  readonly identifier: TSESTree.Identifier | TSESTree.JSXIdentifier;
  readonly from: ScopeLike;
  readonly resolved: VariableLike | null;
  readonly init?: boolean;
  readonly writeExpr?: Node | null;
  isWrite(): boolean;
  isRead(): boolean;
}

export interface DefinitionLike {
  readonly type: string;
  readonly name: TSESTree.Identifier | TSESTree.BindingName;
  readonly node: Node;
  readonly parent?: Node | null;
}

export type GetScope = (node: Node) => ScopeLike;

/** The variable `name` visible at `node`, or undefined for an undeclared global. */
export function findVariable(getScope: GetScope, node: Node, name: string): VariableLike | undefined {
  for (let scope: ScopeLike | null = getScope(node); scope; scope = scope.upper) {
    const variable = scope.set.get(name);
    if (variable) return variable;
  }
  return undefined;
}

/** The variable an identifier refers to. */
export function variableOf(getScope: GetScope, identifier: TSESTree.Identifier): VariableLike | undefined {
  return findVariable(getScope, identifier, identifier.name);
}

/** True for `require`, `setInterval`, `process`… as the runtime provides them (not declared in the file). */
export function isGlobalReference(getScope: GetScope, identifier: TSESTree.Identifier): boolean {
  const variable = variableOf(getScope, identifier);
  return variable === undefined || variable.defs.length === 0;
}

/** Module-level: the global or module scope, or CommonJS's module function scope. */
export function isModuleScope(scope: ScopeLike): boolean {
  return scope.type === 'global' || scope.type === 'module' || (scope.type === 'function' && scope.block.type === 'Program');
}

/** A variable written only by its declaration (const, or a let/var never reassigned). */
export function isWrittenOnce(variable: VariableLike): boolean {
  let writes = 0;
  for (const reference of variable.references) {
    if (reference.isWrite()) writes++;
  }
  return writes <= 1;
}
