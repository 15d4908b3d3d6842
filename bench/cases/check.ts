import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { median, timeCommand, type BenchCase, type Measurement } from '../harness';

/**
 * `connleak check` against `tsc --noEmit` on the same generated TypeScript project of 1,000+
 * files: wall time and peak RSS, side by side. The issue's budget is 1.5 for both.
 *
 * The project is generated under .tmp/bench-project: 50 feature directories of 20 modules, each
 * importing helpers and types from three earlier modules (its own feature and others), with
 * interfaces, unions, a generic class, async code; plus a clients/ directory behind a barrel
 * (ZooKeeper and PostgreSQL through ambient shims, ioredis with its real types) whose factories
 * ten modules call in loops. Those leaks are accepted into a baseline, so `connleak check` exits
 * 0 and the harness counts the run (it rejects failing commands); the whole pipeline still runs.
 */

const repoRoot = path.resolve(__dirname, '../../..');
const projectDir = path.join(repoRoot, '.tmp/bench-project');
const baselineFile = path.join(projectDir, 'connleak-baseline.json');
const features = 50;
const modulesPerFeature = 20;
/** Every this many modules, one calls a client factory in a loop (a leak for the checker to find). */
const leakEvery = 100;

/** A small deterministic generator, so every run checks the same project. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function modulePath(index: number): { feature: string; module: string } {
  const feature = Math.floor(index / modulesPerFeature);
  return { feature: `f${String(feature).padStart(2, '0')}`, module: `m${String(index % modulesPerFeature).padStart(2, '0')}` };
}

function importPath(from: number, to: number): string {
  const source = modulePath(from);
  const target = modulePath(to);
  return source.feature === target.feature ? `./${target.module}` : `../${target.feature}/${target.module}`;
}

function moduleSource(index: number, next: () => number): string {
  const lines: string[] = [];
  const dependencies: number[] = [];
  if (index > 0) {
    const sameFeatureStart = index - (index % modulesPerFeature);
    while (dependencies.length < Math.min(3, index)) {
      const local = next() < 0.5 && index > sameFeatureStart;
      const candidate = local ? sameFeatureStart + Math.floor(next() * (index - sameFeatureStart)) : Math.floor(next() * index);
      if (!dependencies.includes(candidate)) dependencies.push(candidate);
    }
  }
  const [a, b, c] = dependencies;
  if (a !== undefined) lines.push(`import { helper${a}, type Entity${a} } from '${importPath(index, a)}';`);
  if (b !== undefined) lines.push(`import { helper${b} } from '${importPath(index, b)}';`);
  if (c !== undefined) lines.push(`import { Repository${c} } from '${importPath(index, c)}';`);
  const leaks = index % leakEvery === leakEvery / 2;
  const usesShared = index % leakEvery === leakEvery / 4;
  if (leaks) lines.push(`import { connectZooKeeper, openRedis } from '../../clients';`);
  if (usesShared) lines.push(`import { sharedZooKeeper } from '../../clients';`);
  const repository = c === undefined ? `Repository${index}` : `Repository${c}`;
  lines.push(
    '',
    `export interface Entity${index} {`,
    '  readonly id: string;',
    '  readonly name: string;',
    '  readonly tags: readonly string[];',
    '  readonly score: number;',
    a === undefined ? '' : `  readonly parent?: Entity${a};`,
    '}',
    '',
    `export type Event${index} =`,
    `  | { readonly kind: 'created'; readonly entity: Entity${index} }`,
    `  | { readonly kind: 'renamed'; readonly id: string; readonly name: string }`,
    `  | { readonly kind: 'deleted'; readonly id: string };`,
    '',
    `export class Repository${index}<T extends { readonly id: string }> {`,
    '  private readonly items = new Map<string, T>();',
    '',
    '  add(item: T): this {',
    '    this.items.set(item.id, item);',
    '    return this;',
    '  }',
    '',
    '  find(predicate: (item: T) => boolean): T[] {',
    '    return [...this.items.values()].filter(predicate);',
    '  }',
    '',
    '  get size(): number {',
    '    return this.items.size;',
    '  }',
    '}',
    '',
    `export function apply${index}(state: ReadonlyMap<string, Entity${index}>, event: Event${index}): Map<string, Entity${index}> {`,
    '  const next = new Map(state);',
    '  switch (event.kind) {',
    `    case 'created':`,
    '      next.set(event.entity.id, event.entity);',
    '      break;',
    `    case 'renamed': {`,
    '      const current = next.get(event.id);',
    '      if (current) next.set(event.id, { ...current, name: event.name });',
    '      break;',
    '    }',
    `    case 'deleted':`,
    '      next.delete(event.id);',
    '      break;',
    '  }',
    '  return next;',
    '}',
    '',
    `export function helper${index}(value: number): number {`,
    a === undefined ? '  return value + 1;' : `  return helper${a}(value) + ${b === undefined ? 'value' : `helper${b}(value + 1)`} * ${(index % 7) + 1};`,
    '}',
    '',
    `export async function load${index}(ids: readonly string[]): Promise<Entity${index}[]> {`,
    `  const repository = new ${repository}<Entity${index}>();`,
    `  const entities = await Promise.all(ids.map(async (id, position) => ({ id, name: id.toUpperCase(), tags: [id.slice(0, 2)], score: helper${index}(position) })));`,
    '  for (const entity of entities) repository.add(entity);',
    `  return repository.find((entity) => entity.score > ${index % 13}).sort((left, right) => left.score - right.score);`,
    '}',
    '',
    `export const summary${index} = (entities: readonly Entity${index}[]): number => entities.reduce((total, entity) => total + entity.score, 0);`,
  );
  if (leaks) {
    lines.push(
      '',
      `export async function watch${index}(paths: readonly string[]): Promise<void> {`,
      '  for (const path of paths) {',
      `    const zk = connectZooKeeper('127.0.0.1:2181');`,
      '    zk.exists(path, () => undefined);',
      `    const redis = await openRedis('redis://127.0.0.1:6379');`,
      '    await redis.get(path);',
      '  }',
      '}',
    );
  }
  if (usesShared) {
    lines.push('', `export function read${index}(paths: readonly string[]): void {`, '  for (const path of paths) sharedZooKeeper().getData(path, () => undefined);', '}');
  }
  return lines.join('\n') + '\n';
}

const clientFiles: Record<string, string> = {
  'src/shims.d.ts': `// The ZooKeeper and PostgreSQL clients ship no types.\ndeclare module 'node-zookeeper-client';\ndeclare module 'pg';\n`,
  'src/clients/zookeeper.ts': [
    `import zookeeper from 'node-zookeeper-client';`,
    '',
    'export function connectZooKeeper(connectString: string) {',
    '  const client = zookeeper.createClient(connectString, { sessionTimeout: 10000 });',
    '  client.connect();',
    '  return client;',
    '}',
    '',
    'let shared: ReturnType<typeof connectZooKeeper> | undefined;',
    '',
    'export function sharedZooKeeper() {',
    `  shared ??= connectZooKeeper(process.env.ZK ?? '127.0.0.1:2181');`,
    '  return shared;',
    '}',
    '',
  ].join('\n'),
  'src/clients/redis.ts': [
    `import Redis from 'ioredis';`,
    '',
    'export async function openRedis(url: string): Promise<Redis> {',
    '  const redis = new Redis(url, { lazyConnect: true });',
    '  await redis.connect();',
    '  return redis;',
    '}',
    '',
  ].join('\n'),
  'src/clients/postgres.ts': [`import pg from 'pg';`, '', 'export const openPool = (connectionString: string) => new pg.Pool({ connectionString });', ''].join('\n'),
  'src/clients/index.ts': [`export * from './zookeeper';`, `export * from './redis';`, `export { openPool } from './postgres';`, ''].join('\n'),
};

export function generateProject(): number {
  rmSync(projectDir, { recursive: true, force: true });
  mkdirSync(projectDir, { recursive: true });
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(projectDir, 'node_modules'), 'dir');
  writeFileSync(
    path.join(projectDir, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', lib: ['ES2023'], types: ['node'], strict: true, esModuleInterop: true, skipLibCheck: true, noEmit: true },
        include: ['src'],
      },
      null,
      2,
    ) + '\n',
  );
  let files = 0;
  for (const [file, text] of Object.entries(clientFiles)) {
    mkdirSync(path.dirname(path.join(projectDir, file)), { recursive: true });
    writeFileSync(path.join(projectDir, file), text);
    files++;
  }
  const next = random(20_190_601);
  for (let index = 0; index < features * modulesPerFeature; index++) {
    const { feature, module } = modulePath(index);
    const directory = path.join(projectDir, 'src/features', feature);
    if (index % modulesPerFeature === 0) mkdirSync(directory, { recursive: true });
    writeFileSync(path.join(directory, `${module}.ts`), moduleSource(index, next));
    files++;
  }
  return files;
}

const node = process.execPath;
const tscArgs = [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', projectDir];
const checkArgs = [path.join(repoRoot, 'dist/src/cli/main.js'), 'check', '-p', projectDir, '--baseline', baselineFile];

const measured: { tsc: Measurement[]; check: Measurement[] } = { tsc: [], check: [] };
let generatedFiles = 0;
let findings = 0;

export const cases: BenchCase[] = [
  {
    name: 'check',
    description: `connleak check vs tsc --noEmit on a generated ${features * modulesPerFeature}+ file TypeScript project (wall time and peak RSS)`,
    budget: 1.5,
    metricBudgets: { rssKb: 1.5 },
    rounds: 5,
    warmup: 1,
    async setup() {
      generatedFiles = generateProject();
      const tsc = spawnSync(node, tscArgs, { cwd: repoRoot, encoding: 'utf8' });
      if (tsc.status !== 0) throw new Error(`the generated project does not type-check: ${tsc.stdout.slice(0, 500)}`);
      const update = spawnSync(node, [...checkArgs, '--update-baseline'], { cwd: repoRoot, encoding: 'utf8' });
      if (update.status !== 0) throw new Error(`connleak check --update-baseline failed: ${update.stderr}`);
      findings = Number(/wrote (\d+) finding/.exec(update.stderr)?.[1] ?? 'NaN');
    },
    baseline: {
      label: 'tsc --noEmit',
      async run() {
        const measurement = await timeCommand(node, tscArgs, { cwd: repoRoot });
        measured.tsc.push(measurement);
        return measurement;
      },
    },
    subject: {
      label: 'connleak check',
      async run() {
        const measurement = await timeCommand(node, checkArgs, { cwd: repoRoot });
        measured.check.push(measurement);
        return measurement;
      },
    },
    async extra() {
      // The first run of each is the warm-up, not counted.
      const rss = (runs: Measurement[]) => median(runs.slice(1).map((run) => run.rssKb ?? Number.NaN));
      return {
        files: generatedFiles,
        findingsBaselined: findings,
        tscMedianRssMb: Number((rss(measured.tsc) / 1024).toFixed(1)),
        checkMedianRssMb: Number((rss(measured.check) / 1024).toFixed(1)),
      };
    },
  },
];
