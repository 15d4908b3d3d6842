import path from 'node:path';

/** The repository root, from compiled tests in dist/test/… as from sources. */
export const repoRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');
export const fixturesDir = path.join(repoRoot, 'fixtures');
/** The compiled package entry points, as users load them. */
export const distDir = path.join(repoRoot, 'dist');
export const registerPath = path.join(repoRoot, 'dist/src/runtime/register.js');
export const cliPath = path.join(repoRoot, 'dist/src/cli/main.js');
