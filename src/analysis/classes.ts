/** What `this` is, and which values a class stores on `this.x`. */
import type { TSESTree } from '@typescript-eslint/utils';
import { memberName, propertyKeyName, walk, type Node } from './ast';

export type ClassNode = TSESTree.ClassDeclaration | TSESTree.ClassExpression;

/**
 * The class whose instance `this` is at `node`: inside a method, constructor, accessor or
 * instance field initializer (arrow functions keep the enclosing `this`). Undefined in plain
 * functions and static members, where `this` is something else.
 */
export function classOfThis(node: Node): ClassNode | undefined {
  let child: Node = node;
  for (let current = node.parent; current; child = current, current = current.parent) {
    switch (current.type) {
      case 'ArrowFunctionExpression':
        continue;
      case 'FunctionExpression': {
        const owner = current.parent;
        if (owner?.type === 'MethodDefinition' && !owner.static && owner.value === current) return classOf(owner);
        return undefined;
      }
      case 'PropertyDefinition':
      case 'AccessorProperty':
        if (current.value === child) return current.static ? undefined : classOf(current);
        continue;
      case 'FunctionDeclaration':
      case 'StaticBlock':
      case 'Program':
        return undefined;
      default:
        continue;
    }
  }
  return undefined;
}

function classOf(member: TSESTree.MethodDefinition | TSESTree.PropertyDefinition | TSESTree.AccessorProperty): ClassNode | undefined {
  const body = member.parent;
  const classNode = body?.parent;
  return classNode && (classNode.type === 'ClassDeclaration' || classNode.type === 'ClassExpression') ? classNode : undefined;
}

interface ClassFields {
  /** Field name -> values assigned to it (`this.x = v`, `x = v` field initializers). */
  readonly assigned: Map<string, Node[]>;
  /** Field name -> every `this.x` member expression of the class (reads and writes). */
  readonly accesses: Map<string, TSESTree.MemberExpression[]>;
}

const fieldsCache = new WeakMap<ClassNode, ClassFields>();

function classFields(classNode: ClassNode): ClassFields {
  const cached = fieldsCache.get(classNode);
  if (cached) return cached;
  const fields: ClassFields = { assigned: new Map(), accesses: new Map() };
  for (const member of classNode.body.body) {
    if ((member.type === 'PropertyDefinition' || member.type === 'AccessorProperty') && !member.static && member.value) {
      const name = propertyKeyName(member as TSESTree.PropertyDefinition);
      if (name !== undefined) push(fields.assigned, name, member.value);
    }
  }
  walk(classNode.body, (node) => {
    if (node.type !== 'MemberExpression' || node.object.type !== 'ThisExpression') return;
    const name = memberName(node);
    if (name === undefined || classOfThis(node) !== classNode) return;
    push(fields.accesses, name, node);
    const parent = node.parent;
    if (parent?.type === 'AssignmentExpression' && parent.left === node && parent.operator === '=') push(fields.assigned, name, parent.right);
  });
  fieldsCache.set(classNode, fields);
  return fields;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function fieldAssignments(classNode: ClassNode, name: string): readonly Node[] {
  return classFields(classNode).assigned.get(name) ?? [];
}

export function fieldAccesses(classNode: ClassNode, name: string): readonly TSESTree.MemberExpression[] {
  return classFields(classNode).accesses.get(name) ?? [];
}
