import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Linter } from 'eslint';
import plugin = require('../../src/eslint-plugin');
import { repoRoot } from '../support/paths';

/**
 * The examples of docs/rules/<id>.md are linted, so they stay true: a fence tagged
 * "```js incorrect" must be reported by the rule, "```js correct" must not; a JSON object after
 * the tag gives the rule's options.
 */

interface Example {
  readonly kind: 'correct' | 'incorrect';
  readonly code: string;
  readonly options: Record<string, unknown> | undefined;
  readonly line: number;
}

function examples(markdown: string): Example[] {
  const found: Example[] = [];
  const fence = /^```(?:js|ts) (correct|incorrect)(?: (\{.*\}))?\n([\s\S]*?)^```$/gm;
  for (let match = fence.exec(markdown); match; match = fence.exec(markdown)) {
    found.push({
      kind: match[1] as Example['kind'],
      options: match[2] ? (JSON.parse(match[2]) as Record<string, unknown>) : undefined,
      code: match[3]!,
      line: markdown.slice(0, match.index).split('\n').length,
    });
  }
  return found;
}

const linter = new Linter();

for (const id of Object.keys(plugin.rules)) {
  describe(`docs/rules/${id}.md examples`, () => {
    const markdown = readFileSync(path.join(repoRoot, 'docs/rules', `${id}.md`), 'utf8');
    const cases = examples(markdown);

    test('has incorrect and correct examples', () => {
      assert.ok(cases.filter((example) => example.kind === 'incorrect').length >= 2);
      assert.ok(cases.filter((example) => example.kind === 'correct').length >= 2);
    });

    for (const example of cases) {
      test(`line ${example.line}: ${example.kind}${example.options ? ` with ${JSON.stringify(example.options)}` : ''}`, () => {
        const messages = linter.verify(example.code, [
          {
            languageOptions: { ecmaVersion: 'latest', sourceType: 'module' },
            plugins: { connleak: plugin as never },
            rules: { [`connleak/${id}`]: example.options ? ['error', example.options] : 'error' },
          },
        ]);
        assert.deepEqual(messages.filter((message) => message.fatal), [], 'the example parses');
        const reported = messages.filter((message) => message.ruleId === `connleak/${id}`);
        if (example.kind === 'incorrect') assert.ok(reported.length > 0, 'the rule reports the incorrect example');
        else assert.deepEqual(reported.map((message) => message.message), [], 'the rule accepts the correct example');
      });
    }
  });
}
