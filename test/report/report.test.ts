import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main';
import { escapeHtml, jsonForScript, renderReport } from '../../src/report/html';
import { loadTrace } from '../../src/report/load';
import { buildModel, summarize } from '../../src/report/model';
import type { Trace } from '../../src/runtime/trace';
import { captureIo } from '../netstat/support';
import { fixturesDir, repoRoot } from '../support/paths';

const leakyTrace = path.join(fixturesDir, 'traces/leaky-zookeeper.json');
const xssTrace = path.join(fixturesDir, 'traces/xss-payloads.json');
const outputDir = path.join(repoRoot, '.tmp/test-output');

describe('report model', () => {
  test('the summary says in one sentence what went wrong in the leaky ZooKeeper run', () => {
    assert.equal(
      summarize(loadTrace(leakyTrace)),
      '10.0.0.7:2181 reached its limit of 60 live connections (ZooKeeper maxClientCnxns) after 31.5 s, and the server then closed 17 new connections at once; 58 of the 60 were opened at src/zk.js:14:20.',
    );
  });

  test('a clean run says nothing went wrong; a leak without warnings names the open connections', () => {
    const clean: Trace = { ...loadTrace(leakyTrace), warnings: [], resets: [], openAtExit: [], openAtExitTotal: 0 };
    assert.equal(summarize(clean), 'No destination neared its limit and every connection was closed by the end of the run.');
    const leak: Trace = { ...clean, openAtExit: loadTrace(leakyTrace).openAtExit, openAtExitTotal: 66 };
    assert.equal(summarize(leak), 'No destination neared a limit, but 66 connections were still open when the process ended, 5 of those listed opened at src/zk.js:14:20.');
  });

  test('charts merge sample and event times; sites carry their share of all sockets', () => {
    const model = buildModel(loadTrace(leakyTrace));
    const zookeeper = model.panels[0]!;
    assert.equal(zookeeper.destination.destination, '10.0.0.7:2181');
    assert.equal(zookeeper.chart.limit, 60);
    assert.equal(zookeeper.chart.threshold, 48);
    const warningAt = zookeeper.chart.x.indexOf(25.5);
    assert.equal(zookeeper.chart.warnings[warningAt], 48);
    const resetAt = zookeeper.chart.x.indexOf(32.003);
    assert.equal(zookeeper.chart.resets[resetAt], 61);
    assert.equal(zookeeper.chart.live[resetAt], null);
    assert.equal(zookeeper.chart.resets.filter((value) => value !== null).length, 17);
    assert.deepEqual(
      model.sites.map((site) => [site.site, site.count, Number(site.share.toFixed(3))]),
      [
        ['src/zk.js:14:20', 75, 0.765],
        ['src/db.js:9:14', 17, 0.173],
        ['src/cache.js:5:15', 4, 0.041],
        ['src/health.js:8:3', 2, 0.02],
      ],
    );
    assert.equal(model.panels[1]!.chart.limit, undefined);
  });
});

describe('report escaping', () => {
  test('escapeHtml and jsonForScript leave no markup', () => {
    assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    const json = jsonForScript({ host: '</script><script>alert(1)</script>', line: 'a\u2028b' });
    assert.doesNotMatch(json, /[<>]/);
    assert.deepEqual(JSON.parse(json), { host: '</script><script>alert(1)</script>', line: 'a\u2028b' });
  });

  test('no trace string reaches the page as markup', () => {
    const page = renderReport(loadTrace(xssTrace));
    // The JSON data block, uPlot and the page script: nothing else.
    assert.equal(page.match(/<script/g)!.length, 3);
    assert.doesNotMatch(page, /<img|<svg/i);
    // The handlers appear only as escaped text, never as an attribute of a real tag.
    assert.doesNotMatch(page, /<[^>]*\son(error|load)=/i);
    assert.match(page, /&lt;script&gt;window\.__xss=1&lt;\/script&gt;:2181/);
  });
});

describe('connleak report CLI', () => {
  let work: string;
  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'connleak-report-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('writes the page and prints where it is and the summary', async () => {
    const io = captureIo();
    const output = path.join(work, 'report.html');
    assert.equal(await main(['report', leakyTrace, '-o', output], io), 0);
    assert.equal(io.err, '');
    assert.equal(io.out.split('\n')[0], `connleak: report written to ${path.relative(process.cwd(), output)}`);
    assert.match(io.out.split('\n')[1]!, /^10\.0\.0\.7:2181 reached its limit of 60/);
    const page = readFileSync(output, 'utf8');
    assert.match(page, /^<!doctype html>/);
    // Self-contained: no reference to anything outside the file.
    assert.doesNotMatch(page, /\b(src|href)=["']?(https?:|\/\/)/i);
    assert.doesNotMatch(page, /@import|url\(\s*['"]?https?:/i);
  });

  const invalid: Array<[string, string, RegExp]> = [
    ['not JSON', '{"schema": "connleak-trace", ', /^connleak: not a valid connleak trace: .*bad\.json is not JSON \(/],
    ['another schema', '{"schema": "something-else", "version": 1}', /^connleak: not a valid connleak trace: schema should be "connleak-trace", got "something-else"\n$/],
    ['a newer version', '{"schema": "connleak-trace", "version": 2}', /^connleak: unsupported connleak trace version 2 \(this connleak reads version 1\)\n$/],
    ['a missing field', JSON.stringify({ ...JSON.parse(readFileSync(leakyTrace, 'utf8')), sites: undefined }), /^connleak: not a valid connleak trace: sites should be an array, got undefined\n$/],
    ['an array', '[]', /^connleak: not a valid connleak trace: the file should be an object, got an array\n$/],
  ];
  for (const [what, content, message] of invalid) {
    test(`a trace that is ${what}: one line, exit 2, nothing written`, async () => {
      const trace = path.join(work, 'bad.json');
      writeFileSync(trace, content);
      const io = captureIo();
      const output = path.join(work, 'bad.html');
      assert.equal(await main(['report', trace, '-o', output], io), 2);
      assert.match(io.err, message);
      assert.equal(io.err.split('\n').length, 2);
      assert.throws(() => readFileSync(output), { code: 'ENOENT' });
    });
  }

  const usage: Array<[string[], RegExp]> = [
    [[], /^connleak: report needs a trace file/],
    [['a.json', 'b.json'], /^connleak: report takes one trace file, got 2/],
    [['--bogus', 'a.json'], /^connleak: Unknown option '--bogus'/],
    [['/nonexistent/trace.json', '-o', '/nonexistent/x.html'], /^connleak: cannot read trace \/nonexistent\/trace\.json: no such file\n$/],
  ];
  for (const [args, message] of usage) {
    test(`report ${args.join(' ')} exits 2 with one line`, async () => {
      const io = captureIo();
      assert.equal(await main(['report', ...args], io), 2);
      assert.match(io.err, message);
      assert.equal(io.err.trim().split('\n').length, 1);
    });
  }
});

/**
 * The page in a real browser: Debian's chromium driven by playwright-core. Every request the page
 * makes is recorded, and anything but the page's own file is refused.
 */
describe('the report page in headless Chromium', () => {
  // Loaded lazily so the other suites do not pay for playwright.
  type Playwright = typeof import('playwright-core');
  let browser: Awaited<ReturnType<Playwright['chromium']['launch']>>;
  before(async () => {
    const { chromium } = require('playwright-core') as Playwright;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    mkdirSync(outputDir, { recursive: true });
  });
  after(() => browser?.close());

  async function openReport(tracePath: string, name: string) {
    const pagePath = path.join(outputDir, `${name}.html`);
    assert.equal(await main(['report', tracePath, '-o', pagePath], captureIo()), 0);
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const requests: string[] = [];
    const problems: string[] = [];
    await context.route('**/*', (route) => (route.request().url().startsWith('file://') ? route.continue() : route.abort()));
    const page = await context.newPage();
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`));
    await page.goto(`file://${pagePath}`);
    await page.waitForSelector('html[data-charts-drawn]');
    return { page, context, requests, problems, pageUrl: `file://${pagePath}` };
  }

  /** Pixels of each chart canvas that are not blank (not transparent, not white). */
  function drawnPixels(): number[] {
    const pageGlobals = globalThis as unknown as { document: { querySelectorAll(selector: string): ArrayLike<unknown> } };
    return Array.from(pageGlobals.document.querySelectorAll('.chart canvas'), (element) => {
      // The page's DOM types are not in this project's lib; the shape used is spelled out here.
      const canvas = element as { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let drawn = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 0 && (data[i]! < 250 || data[i + 1]! < 250 || data[i + 2]! < 250)) drawn++;
      return drawn;
    });
  }

  test('draws a chart per destination and the sites table, fetching nothing', async () => {
    const { page, context, requests, problems, pageUrl } = await openReport(leakyTrace, 'report');
    try {
      assert.deepEqual(problems, []);
      assert.deepEqual(requests, [pageUrl]);
      const pixels = await page.evaluate(drawnPixels);
      assert.equal(pixels.length, 3);
      for (const count of pixels) assert.ok(count > 2000, `a chart canvas is blank (${count} drawn pixels)`);
      const rows = await page.$$eval('#sites tbody tr', (trs) => trs.map((tr) => Array.from((tr as unknown as { cells: ArrayLike<{ textContent: string }> }).cells, (cell) => cell.textContent)));
      assert.deepEqual(
        rows.map((cells) => cells.slice(0, 5)),
        [
          ['src/zk.js:14:20', 'node-zookeeper-client', '75', '76.5%', '58'],
          ['src/db.js:9:14', 'pg', '17', '17.3%', '2'],
          ['src/cache.js:5:15', 'ioredis', '4', '4.1%', '4'],
          ['src/health.js:8:3', 'node-zookeeper-client', '2', '2.0%', '2'],
        ],
      );
      assert.match(await page.textContent('#summary') ?? '', /^10\.0\.0\.7:2181 reached its limit of 60 live connections/);
      await page.screenshot({ path: path.join(outputDir, 'report.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });

  test('shows XSS payloads from the trace as text and runs none of them', async () => {
    const { page, context, requests, problems, pageUrl } = await openReport(xssTrace, 'report-xss');
    try {
      assert.deepEqual(problems, []);
      assert.deepEqual(requests, [pageUrl]);
      const state = await page.evaluate(() => {
        const pageGlobals = globalThis as unknown as { __xss?: unknown; document: { querySelectorAll(selector: string): ArrayLike<unknown>; body: { innerText: string } } };
        return {
          xss: pageGlobals.__xss,
          images: pageGlobals.document.querySelectorAll('img').length,
          svgs: pageGlobals.document.querySelectorAll('svg').length,
          scripts: pageGlobals.document.querySelectorAll('script').length,
          text: pageGlobals.document.body.innerText,
        };
      });
      assert.equal(state.xss, undefined);
      assert.equal(state.images, 0);
      assert.equal(state.svgs, 0);
      assert.equal(state.scripts, 3);
      assert.ok(state.text.includes('<script>window.__xss=1</script>:2181'));
      assert.ok(state.text.includes('"><img src=x onerror="window.__xss=2">'));
      assert.ok(state.text.includes('</script><script>window.__xss=3</script>'));
      const pixels = await page.evaluate(drawnPixels);
      assert.equal(pixels.length, 2);
      for (const count of pixels) assert.ok(count > 2000);
      await page.screenshot({ path: path.join(outputDir, 'report-xss.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });
});
