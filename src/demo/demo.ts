/**
 * `npm run demo`: connleak's three catches of the incident, one after the other.
 *
 * 1. ESLint with `connleak/recommended` on the demo project (fixtures/demo) and the leaky app;
 * 2. `connleak check` on the demo project, which also finds the leak hidden behind a helper in
 *    another file;
 * 3. the leaky app under the preload against a ZooKeeper that accepts 10 connections per client
 *    IP: warnings before the limit, the reset diagnosis, and an HTML report of the run.
 *
 * It uses a real Apache ZooKeeper when one is installed and an embedded stand-in otherwise, and
 * says which.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import * as tsParser from '@typescript-eslint/parser';
import { defaultIo, type CliIo } from '../cli/io';
import { startStandInServer } from './standin-server';

const repoRoot = path.resolve(__dirname, '../../..');
const demoProject = path.join(repoRoot, 'fixtures/demo');
const leakyApp = path.join(repoRoot, 'fixtures/apps/incident-leaky.js');
const outputDir = path.join(repoRoot, '.tmp/demo');
const registerPath = path.join(repoRoot, 'dist/src/runtime/register.js');
const maxClientCnxns = 10;

const bold = (text: string): string => (process.stdout.isTTY ? `\u001b[1m${text}\u001b[22m` : text);
const relative = (file: string): string => path.relative(process.cwd(), file) || '.';

function heading(text: string): void {
  console.log(`\n${bold(text)}\n${'-'.repeat(text.length)}`);
}

/** The CLI's sub-commands print straight through. */
const printingIo: CliIo = defaultIo();

async function lint(): Promise<void> {
  heading('1/3  In the editor: ESLint with connleak/recommended');
  // Loaded as users load it: the package's own export.
  const plugin = require('connleak/eslint-plugin') as { configs: { recommended: object } };
  const eslint = new ESLint({
    cwd: repoRoot,
    overrideConfigFile: true,
    overrideConfig: [
      { files: ['**/*.ts'], languageOptions: { parser: tsParser } },
      { files: ['**/*.{js,ts}'], ...plugin.configs.recommended },
    ],
  });
  const results = await eslint.lintFiles([path.join(demoProject, 'src'), leakyApp]);
  const formatter = await eslint.loadFormatter('stylish');
  const text = await formatter.format(results);
  console.log(text.trim() === '' ? 'no problems' : text.trimEnd());
  console.log(`\n${relative(path.join(demoProject, 'src/config-watcher.ts'))} looks clean to ESLint: its client comes from a helper in zk.ts.`);
}

async function check(): Promise<void> {
  heading('2/3  In CI: connleak check, across files');
  console.log(`$ connleak check -p ${relative(path.join(demoProject, 'tsconfig.json'))}`);
  const { run } = require('../cli/check') as { run: (argv: string[], io: CliIo) => Promise<number> };
  const code = await run(['-p', path.join(demoProject, 'tsconfig.json')], printingIo);
  console.log(`(exit code ${code}: ${code === 1 ? 'findings, the build fails' : code === 0 ? 'clean' : 'error'})`);
}

interface DemoServer {
  readonly connectString: string;
  readonly port: number;
  log(): string;
  stop(): Promise<void>;
}

async function startServer(): Promise<{ server: DemoServer; label: string }> {
  // The harness that runs a real ZooKeeper lives with the tests; it is compiled with them.
  const harness = require('../../test/support/zookeeper') as {
    zooKeeperAvailable(): boolean;
    startZooKeeper(options: { maxClientCnxns: number }): Promise<DemoServer>;
  };
  if (harness.zooKeeperAvailable()) {
    return { server: await harness.startZooKeeper({ maxClientCnxns }), label: `Apache ZooKeeper (Debian package), maxClientCnxns=${maxClientCnxns}` };
  }
  return {
    server: await startStandInServer({ maxClientCnxns }),
    label: `the embedded stand-in server (ZooKeeper is not installed: apt-get install -y zookeeper), maxClientCnxns=${maxClientCnxns}`,
  };
}

function runUnderPreload(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', registerPath, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    // connleak's own lines are the point of the demo: show them as they come.
    child.stderr.on('data', (chunk: Buffer) => process.stdout.write(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

async function runtime(): Promise<void> {
  heading('3/3  At run time: the leaky app under node -r connleak/register');
  const { server, label } = await startServer();
  try {
    console.log(`server: ${label} on 127.0.0.1:${server.port}`);
    rmSync(outputDir, { recursive: true, force: true });
    mkdirSync(outputDir, { recursive: true });
    const tracePath = path.join(outputDir, 'trace.json');
    const limits = `127.0.0.1:${server.port}=${maxClientCnxns}`;
    console.log(`$ CONNLEAK_LIMITS=${limits} CONNLEAK_REPORT=${relative(tracePath)} node -r connleak/register ${relative(leakyApp)} ${server.connectString} --clients 12\n`);
    const { stdout } = await runUnderPreload([leakyApp, server.connectString, '--clients', '12', '--wait-ms', '3000'], {
      CONNLEAK_LIMITS: limits,
      CONNLEAK_REPORT: tracePath,
    });
    const summary = stdout
      .split('\n')
      .filter((line) => line.includes('"summary"'))
      .at(-1);
    if (summary) console.log(`\napp: ${summary}`);
    const rejected = server.log().split('\n').filter((line) => line.includes('Too many connections'));
    console.log(`server log: ${rejected.length} line(s) like "${rejected[0]?.replace(/^.*?(Too many connections[^V]*).*$/, '$1').trim() ?? 'none'}"`);

    const reportPath = path.join(outputDir, 'report.html');
    const { run } = require('../cli/report') as { run: (argv: string[], io: CliIo) => Promise<number> };
    await run([tracePath, '-o', reportPath], { ...printingIo, stdout: () => undefined });
    console.log(`\nreport: ${relative(reportPath)} (open it in a browser; the trace is ${relative(tracePath)})`);
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  await lint();
  await check();
  await runtime();
}

main().catch((error: unknown) => {
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
