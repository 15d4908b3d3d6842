import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { baseTrace, binaryJunk, runCli, withTempDir } from './inputs';
import { assertNoCrash, assertOneLineError } from './outcome';

/**
 * `connleak report` on hostile traces: a page, or one line and exit 2, never a hang, a stack
 * trace or an out-of-memory. The traces the runtime writes are bounded (4,000 samples per
 * destination, 1,000 warnings and resets listed); these are not, as a hand-made or foreign file
 * may not be. Runs get a 512 MB heap: a report must not need more than a small multiple of its
 * trace.
 */

const reportHeapMb = 512;

async function reportOn(directory: string, trace: string | Buffer, heapMb = reportHeapMb): Promise<{ result: Awaited<ReturnType<typeof runCli>>; page: string }> {
  writeFileSync(path.join(directory, 'trace.json'), trace);
  const result = await runCli(['report', 'trace.json', '-o', 'page.html'], directory, heapMb);
  const pageFile = path.join(directory, 'page.html');
  return { result, page: existsSync(pageFile) ? readFileSync(pageFile, 'utf8') : '' };
}

function assertPage(result: Awaited<ReturnType<typeof runCli>>, page: string): void {
  assertNoCrash(result);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^connleak: report written to page\.html\n/);
  assert.match(page, /^<!doctype html>/);
  assert.match(page, /<\/html>\n$/);
}

/** The chart data block of a page. */
function charts(page: string): { x: number[]; live: (number | null)[]; max: (number | null)[] }[] {
  const block = /<script type="application\/json" id="connleak-data">(.*?)<\/script>/s.exec(page);
  assert.ok(block, 'the page has its data block');
  return (JSON.parse(block[1]!) as { charts: ReturnType<typeof charts> }).charts;
}

describe('connleak report on hostile traces', () => {
  test('a million samples in one destination: a page whose chart keeps the peaks in at most 4,000 points', () =>
    withTempDir(async (directory) => {
      const trace = baseTrace();
      const [first] = trace.destinations;
      // Built as text: a million sample objects and one JSON.stringify would take this process's own memory.
      const samples: string[] = [];
      for (let index = 0; index < 1_000_000; index++) {
        const live = index === 777_777 ? 9_999 : index % 70;
        samples.push(`{"t":${index * 250},"live":${live},"max":${live}}`);
      }
      trace.destinations = [{ ...first, samples: [] }];
      const text = JSON.stringify(trace).replace('"samples":[]', `"samples":[${samples.join(',')}]`);
      assert.ok(text.length > 30_000_000);
      const { result, page } = await reportOn(directory, text);
      assertPage(result, page);
      const [chart] = charts(page);
      assert.ok(chart!.x.length <= 4_000 + trace.warnings.length + trace.resets.length, `${chart!.x.length} points`);
      assert.equal(Math.max(...chart!.max.filter((value): value is number => value !== null)), 9_999, 'the spike survives thinning');
      assert.ok(statSync(path.join(directory, 'page.html')).size < 2_000_000);
    }));

  test('100,000 destinations with 100,000 warnings and 100,000 resets: a page in linear time', () =>
    withTempDir(async (directory) => {
      // A lookup per destination (as the report once did) takes minutes here: the run's time limit catches it.
      const trace = baseTrace();
      const name = (index: number) => `10.${index >> 16}.${(index >> 8) & 255}.${index & 255}`;
      const count = 100_000;
      trace.destinations = Array.from({ length: count }, (_, index) => ({ destination: `${name(index)}:2181`, host: name(index), port: 2181, peak: 1, opened: 1, closed: 0, live: 1, samples: [{ t: 0, live: 1, max: 1 }] }));
      trace.warnings = Array.from({ length: count }, (_, index) => ({ t: index, destination: `${name(index)}:2181`, level: 'threshold', live: 48, limit: 60, sites: [], message: 'near its limit' }));
      trace.resets = Array.from({ length: count }, (_, index) => ({ t: index, destination: `${name(index)}:2181`, code: 'ECONNRESET', live: 60, afterMs: 3 }));
      const { result, page } = await reportOn(directory, JSON.stringify(trace), 768);
      assertPage(result, page);
      assert.equal(charts(page).length, count);
      assert.match(page, /… and 99900 more warnings/);
    }));

  test('nesting a million arrays deep: one line, exit 2', () =>
    withTempDir(async (directory) => {
      const { result } = await reportOn(directory, `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`);
      assertOneLineError(result, /the file should be an object, got an array/);
    }));

  test('nesting a million objects deep: one line, exit 2', () =>
    withTempDir(async (directory) => {
      const { result } = await reportOn(directory, `${'{"a":'.repeat(1_000_000)}1${'}'.repeat(1_000_000)}`);
      assertOneLineError(result, /schema should be "connleak-trace"/);
    }));

  test('100,000 levels of nesting in a field the report does not read: a page', () =>
    withTempDir(async (directory) => {
      const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
      const { result, page } = await reportOn(directory, JSON.stringify(baseTrace()).replace(/}$/, `,"extra":${deep}}`));
      assertPage(result, page);
      assert.doesNotMatch(page, /\[\[\[\[/);
    }));

  test('100,000 levels of nesting where a string belongs: one line, exit 2', () =>
    withTempDir(async (directory) => {
      const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
      const { result } = await reportOn(directory, JSON.stringify(baseTrace()).replace('"argv":[', `"argv":[${deep},`));
      assertOneLineError(result, /process\.argv\[0\] should be a string, got an array/);
    }));

  for (const [what, content, pattern] of [
    ['binary junk', binaryJunk(100_000), /is not JSON/],
    ['empty', '', /is not JSON \(Unexpected end of JSON input\)/],
    ['cut off half-way', JSON.stringify(baseTrace()).slice(0, 5_000), /is not JSON/],
    ['text', 'connleak trace? not really\n', /is not JSON/],
    ['a JSON string', '"connleak-trace"', /the file should be an object, got "connleak-trace"/],
    ['JSON null', 'null', /the file should be an object, got null/],
  ] as const) {
    test(`a trace that is ${what}: one line, exit 2, no page`, () =>
      withTempDir(async (directory) => {
        const { result, page } = await reportOn(directory, content);
        assertOneLineError(result, pattern);
        assert.equal(page, '');
      }));
  }

  const wrongTypes: readonly [string, (trace: ReturnType<typeof baseTrace>) => void, RegExp][] = [
    ['destinations is an object', (trace) => void (trace.destinations = {} as never), /destinations should be an array, got object/],
    ['a sample time is a string', (trace) => void ((trace.destinations[0]!.samples as Record<string, unknown>[])[3]!.t = 'soon'), /destinations\[0\]\.samples\[3\]\.t should be a number, got "soon"/],
    ['samples is a number', (trace) => void (trace.destinations[0]!.samples = 4000), /destinations\[0\]\.samples should be an array, got number/],
    ['a warning level is unknown', (trace) => void (trace.warnings[0]!.level = 'panic'), /warnings\[0\]\.level should be one of threshold, limit, got "panic"/],
    ['a stack is a string', (trace) => void ((trace.sites as Record<string, unknown>[])[0]!.stack = 'at x'), /sites\[0\]\.stack should be an array, got "at x"/],
    ['process is null', (trace) => void (trace.process = null), /process should be an object, got null/],
    ['the count of open sockets is a string', (trace) => void (trace.openAtExitTotal = '3'), /openAtExitTotal should be a number, got "3"/],
    ['the version is from the future', (trace) => void (trace.version = 2), /unsupported connleak trace version 2/],
  ];
  for (const [what, spoil, pattern] of wrongTypes) {
    test(`a trace where ${what}: one line naming the field, exit 2`, () =>
      withTempDir(async (directory) => {
        const trace = baseTrace();
        spoil(trace);
        const { result, page } = await reportOn(directory, JSON.stringify(trace));
        assertOneLineError(result, pattern);
        assert.equal(page, '');
      }));
  }

  test('a number too large for a double (1e999): one line, exit 2', () =>
    withTempDir(async (directory) => {
      const { result } = await reportOn(directory, JSON.stringify(baseTrace()).replace('"durationMs":40120', '"durationMs":1e999'));
      assertOneLineError(result, /process\.durationMs should be a number/);
    }));

  test('a directory or a missing file as the trace: one line, exit 2', () =>
    withTempDir(async (directory) => {
      mkdirSync(path.join(directory, 'trace.json'));
      assertOneLineError(await runCli(['report', 'trace.json', '-o', 'page.html'], directory, reportHeapMb), /it is a directory/);
      assertOneLineError(await runCli(['report', 'missing.json', '-o', 'page.html'], directory, reportHeapMb), /no such file/);
    }));
});
