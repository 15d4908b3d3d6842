import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ruleDocsUrl } from '../../src/analysis';
import plugin = require('../../src/eslint-plugin');
import { repoRoot } from '../support/paths';

/** Every rule file in rules/, by id (file name = rule id). */
const ruleIds = readdirSync(path.join(repoRoot, 'rules'))
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
  .map((file) => file.slice(0, -'.ts'.length))
  .sort();

interface RuleMeta {
  type?: string;
  docs?: { description?: string; url?: string; recommended?: string };
  schema?: unknown;
  defaultOptions?: unknown[];
  messages?: Record<string, string>;
}

function metaOf(id: string): RuleMeta {
  return (plugin.rules[id] as unknown as { meta: RuleMeta }).meta;
}

describe('plugin meta', () => {
  test('the plugin names itself and its version', () => {
    const packageJson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string };
    assert.deepEqual(plugin.meta, { name: packageJson.name, version: packageJson.version });
  });

  test('rules/ has the two rules of the design', () => {
    assert.deepEqual(ruleIds, ['no-client-in-loop', 'require-client-close']);
  });

  test('every rule is exported, and nothing else', () => {
    assert.deepEqual(Object.keys(plugin.rules).sort(), ruleIds);
  });

  for (const id of ruleIds) {
    describe(id, () => {
      test('has a doc page and a test file', () => {
        assert.ok(existsSync(path.join(repoRoot, 'docs/rules', `${id}.md`)), `docs/rules/${id}.md`);
        assert.ok(existsSync(path.join(repoRoot, 'test/rules', `${id}.test.ts`)), `test/rules/${id}.test.ts`);
      });

      test('meta.docs.url points at its doc page', () => {
        assert.equal(metaOf(id).docs?.url, ruleDocsUrl(id));
        assert.equal(ruleDocsUrl(id), `https://github.com/connleak/connleak/blob/main/docs/rules/${id}.md`);
      });

      test('is a problem rule whose description starts with a verb and has no final period', () => {
        const meta = metaOf(id);
        assert.equal(meta.type, 'problem');
        assert.match(meta.docs?.description ?? '', /^(Disallow|Require|Enforce) /);
        assert.doesNotMatch(meta.docs?.description ?? '', /\.$/);
      });

      test('the doc page starts with the rule id and its description', () => {
        const doc = readFileSync(path.join(repoRoot, 'docs/rules', `${id}.md`), 'utf8').split('\n');
        assert.equal(doc[0], `# connleak/${id}`);
        assert.equal(doc[2], `${metaOf(id).docs?.description}.`);
      });

      test('options have a schema without extra properties, a description each, defaults and a doc heading', () => {
        const meta = metaOf(id);
        const schema = meta.schema as Array<{ type: string; additionalProperties: boolean; properties: Record<string, { description?: string }> }>;
        assert.equal(schema.length, 1);
        assert.equal(schema[0]!.additionalProperties, false);
        const doc = readFileSync(path.join(repoRoot, 'docs/rules', `${id}.md`), 'utf8');
        const defaults = (meta.defaultOptions?.[0] ?? {}) as Record<string, unknown>;
        for (const [name, property] of Object.entries(schema[0]!.properties)) {
          assert.ok(property.description && property.description.length > 20, `${name} has a description`);
          assert.ok(name in defaults, `${name} has a default in meta.defaultOptions`);
          assert.ok(doc.includes(`### \`${name}\``), `docs/rules/${id}.md has a heading for ${name}`);
        }
      });

      test('messages are sentences ending in a period (or in an advice placeholder, itself a sentence)', () => {
        for (const [messageId, message] of Object.entries(metaOf(id).messages ?? {})) {
          assert.match(message, /^[A-Z{].*(\.|\{\{advice\}\})$/s, messageId);
        }
      });

      test('both configs turn it on, and strict with stricter options', () => {
        assert.equal(plugin.configs.recommended.rules[`connleak/${id}`], 'error');
        const strict = plugin.configs.strict.rules[`connleak/${id}`];
        assert.ok(Array.isArray(strict) && strict[0] === 'error', `strict sets connleak/${id}`);
      });
    });
  }

  test('configs are flat configs that carry the plugin itself', () => {
    for (const config of [plugin.configs.recommended, plugin.configs.strict]) {
      assert.equal(config.plugins.connleak, plugin);
      assert.match(config.name, /^connleak\//);
      assert.ok(!('extends' in config), 'flat config only');
    }
  });

  test('strict turns every option the other way', () => {
    assert.deepEqual(plugin.configs.strict.rules['connleak/no-client-in-loop'], ['error', { allowClosedInIteration: false, allowPerItemClients: false }]);
    assert.deepEqual(plugin.configs.strict.rules['connleak/require-client-close'], ['error', { requireCloseOnThrow: true }]);
  });
});
