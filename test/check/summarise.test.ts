import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ts } from 'ts-morph';
import { loadProgram } from '../../src/check/load';
import { summarise } from '../../src/check/summarise';
import { projectsDir } from './helpers';

/**
 * The cross-file summaries of each fixture project, named by declaration ("file: name") instead of
 * by offset, so a test reads like the code it checks.
 */
function summariesOf(project: string): { factories: Record<string, string>; closers: Record<string, readonly number[]>; closeMethods: Record<string, readonly string[]> } {
  const root = path.join(projectsDir, project);
  const loaded = loadProgram({ cwd: root, paths: [] });
  const files = loaded.program.getSourceFiles().filter((file) => !file.isDeclarationFile && !file.fileName.includes('/node_modules/'));
  const { summaries } = summarise(loaded.program, files);
  const name = (key: string): string => {
    const separator = key.lastIndexOf(':');
    const fileName = key.slice(0, separator);
    const sourceFile = loaded.program.getSourceFile(fileName)!;
    return `${path.relative(root, fileName)}: ${declarationName(sourceFile, Number(key.slice(separator + 1)))}`;
  };
  const rename = <T>(record: Readonly<Record<string, T>>): Record<string, T> => Object.fromEntries(Object.entries(record).map(([key, value]) => [name(key), value]));
  return { factories: rename(summaries.factories), closers: rename(summaries.closers), closeMethods: rename(summaries.closeMethods ?? {}) };
}

/** The name of the declaration that starts at `start`: a function, method, variable, class or `default`. */
function declarationName(sourceFile: ts.SourceFile, start: number): string {
  let found: string | undefined;
  const visit = (node: ts.Node): void => {
    if (found !== undefined) return;
    if (node.getStart(sourceFile) === start && !ts.isSourceFile(node)) {
      if (ts.isExportAssignment(node)) found = 'default';
      else if (ts.isExpressionStatement(node) && ts.isBinaryExpression(node.expression)) found = node.expression.left.getText(sourceFile);
      else {
        const named = (node as { name?: ts.Node }).name;
        found = named && (ts.isIdentifier(named) || ts.isPrivateIdentifier(named)) ? named.text : ts.SyntaxKind[node.kind];
      }
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found ?? `@${start}`;
}

describe('cross-file summaries', () => {
  test('a function returning a client through a local variable is a factory', () => {
    assert.deepEqual(summariesOf('factory-across-files').factories, { 'src/zk.ts: connectZooKeeper': 'node-zookeeper-client' });
  });

  test('a wrapper of a wrapper (an arrow function in a const) is a factory too', () => {
    assert.deepEqual(summariesOf('wrapper-of-wrapper').factories, {
      'src/raw.ts: rawClient': 'node-zookeeper-client',
      'src/session.ts: openSession': 'node-zookeeper-client',
    });
  });

  test('a class method that returns a new client is a factory', () => {
    assert.deepEqual(summariesOf('class-method-factory').factories, { 'src/factory.ts: create': 'node-zookeeper-client' });
  });

  test('async functions and new Promise(resolve => resolve(client)) are factories', () => {
    assert.deepEqual(summariesOf('async-factory').factories, {
      'src/redis.ts: openRedis': 'ioredis',
      'src/zookeeper.ts: connected': 'node-zookeeper-client',
    });
  });

  test('factories behind a barrel file and a default export are keyed by their own declarations', () => {
    assert.deepEqual(summariesOf('barrel-reexport').factories, {
      'src/clients/zookeeper.ts: openZooKeeper': 'node-zookeeper-client',
      'src/clients/postgres.ts: default': 'pg',
    });
  });

  test('helpers that close their argument, directly or through another closer, are closers', () => {
    const summaries = summariesOf('closing-helper');
    assert.deepEqual(summaries.factories, {});
    assert.deepEqual(summaries.closers, { 'src/lifecycle.ts: closeQuietly': [0], 'src/lifecycle.ts: closeAtExit': [0] });
  });

  test('a factory that returns a cached singleton or a client it keeps in a Map is not a factory', () => {
    assert.deepEqual(summariesOf('cached-singleton').factories, {});
  });

  test('a class whose field holds a client it creates, with a method closing it, is summarised', () => {
    const summaries = summariesOf('class-holder');
    assert.deepEqual(summaries.factories, { 'src/session.ts: ZooKeeperSession': 'node-zookeeper-client' });
    assert.deepEqual(summaries.closeMethods, { 'src/session.ts: ZooKeeperSession': ['stop'] });
  });

  test('CommonJS: module.exports = { factory } and a destructured require', () => {
    assert.deepEqual(summariesOf('commonjs-js').factories, { 'src/db.js: createPool': 'pg' });
  });

  test('every form of function, getter and export in one project', () => {
    const summaries = summariesOf('summary-forms');
    assert.deepEqual(summaries.factories, {
      'src/forms.ts: declared': 'node-zookeeper-client',
      'src/forms.ts: arrow': 'node-zookeeper-client',
      'src/forms.ts: expression': 'ioredis',
      'src/forms.ts: conditional': 'pg',
      'src/forms.ts: viaPromiseResolve': 'mysql2',
      'src/forms.ts: method': 'mongodb',
      'src/forms.ts: session': 'node-zookeeper-client',
      'src/forms.ts: property': 'node-zookeeper-client',
      'src/forms.ts: objectMethod': 'net',
      'src/forms.ts: objectArrow': 'kafkajs',
      'src/forms.ts: overloaded': 'redis',
      'src/forms.ts: default': 'amqplib',
      'src/chain.ts: third': 'node-zookeeper-client',
      'src/chain.ts: second': 'node-zookeeper-client',
      'src/chain.ts: first': 'node-zookeeper-client',
      'src/commonjs.js: make': 'node-zookeeper-client',
      'src/commonjs.js: exports.open': 'node-zookeeper-client',
    });
  });

  test('what is not a fresh client is not a factory', () => {
    const factories = Object.keys(summariesOf('summary-forms').factories);
    for (const name of ['notFactoryCached', 'notFactoryStored', 'notFactoryArgument', 'notFactoryLocalName', 'notFactoryMixed', 'notFactoryGenerator', 'notFactoryField']) {
      assert.ok(!factories.some((key) => key.endsWith(`: ${name}`)), `${name} must not be a factory`);
    }
  });
});
