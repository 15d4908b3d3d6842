/**
 * The safe edit for a client that is never closed: wrap the statements after its declaration in
 * `try { … } finally { client.close() }`. Offered as a suggestion (the user applies it), never as
 * an autofix: closing changes behaviour, and the user knows when the client is done.
 */
import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { enclosingFunction } from './ast';
import type { Ownership } from './ownership';

export interface CloseEdit {
  /** The close statement the edit adds: `await client.end()`. */
  readonly closeCall: string;
  readonly fix: (fixer: TSESLint.RuleFixer) => TSESLint.RuleFix;
}

export function closeInFinallyEdit(ownership: Ownership, sourceCode: Readonly<TSESLint.SourceCode>): CloseEdit | undefined {
  const declarator = ownership.declarator;
  const declaration = declarator?.parent;
  const block = declaration?.parent;
  if (!declarator || declarator.id.type !== 'Identifier' || declaration?.type !== 'VariableDeclaration' || block?.type !== 'BlockStatement') return undefined;
  const index = block.body.indexOf(declaration);
  const rest = block.body.slice(index + 1);
  // Hoisted declarations would change scope inside the `try` block.
  if (rest.length === 0 || rest.some((statement) => statement.type === 'FunctionDeclaration')) return undefined;
  const fn = enclosingFunction(declaration);
  const close = ownership.creation.closeMethods[0] ?? 'close';
  const closeCall = `${fn?.async ? 'await ' : ''}${declarator.id.name}.${close}()`;
  const indent = /^\s*/.exec(sourceCode.lines[declaration.loc.start.line - 1] ?? '')?.[0] ?? '';
  const first = rest[0]!;
  const last = rest[rest.length - 1]!;
  const body = sourceCode.text.slice(first.range[0], last.range[1]).replace(/\n/g, '\n  ');
  const replacement = `try {\n${indent}  ${body}\n${indent}} finally {\n${indent}  ${closeCall};\n${indent}}`;
  return {
    closeCall,
    fix: (fixer) => fixer.replaceTextRange([first.range[0], last.range[1]] as TSESTree.Range, replacement),
  };
}
