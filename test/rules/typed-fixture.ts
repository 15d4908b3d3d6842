import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { declarationKey, type CrossFileSummaries } from '../../src/analysis';
import { fixturesDir } from '../support/paths';

/** The typed fixture project the typed rule tests lint in (fixtures/lint/typed). */
export const typedFixtureDir = path.join(fixturesDir, 'lint/typed');

/**
 * Summaries as the checker would hand them over for fixtures/lint/typed/wrappers.ts:
 * `opaqueFactory` makes a ZooKeeper client, `shutdown` closes its first argument, `ZkSession`
 * holds a client it creates (closed by `stop()`), `ClientHolder` takes over its constructor's
 * argument. The keys are
 * computed the way the checker computes them, from the declarations' positions.
 */
export function summariesForTypedFixture(): CrossFileSummaries {
  const fileName = path.join(typedFixtureDir, 'wrappers.ts');
  const sourceFile = ts.createSourceFile(fileName, readFileSync(fileName, 'utf8'), ts.ScriptTarget.Latest, true);
  const declaration = (name: string): ts.FunctionDeclaration | ts.ClassDeclaration => {
    const found = sourceFile.statements.find(
      (statement): statement is ts.FunctionDeclaration | ts.ClassDeclaration =>
        (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name?.text === name,
    );
    if (!found) throw new Error(`wrappers.ts has no declaration ${name}`);
    return found;
  };
  return {
    factories: {
      [declarationKey(declaration('opaqueFactory'))]: 'node-zookeeper-client',
      [declarationKey(declaration('ZkSession'))]: 'node-zookeeper-client',
    },
    closers: {
      [declarationKey(declaration('shutdown'))]: [0],
      [declarationKey(declaration('ClientHolder'))]: [0],
    },
    closeMethods: { [declarationKey(declaration('ZkSession'))]: ['stop'] },
  };
}
