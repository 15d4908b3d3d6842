import { cpSync, existsSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../support/paths';

/**
 * Real projects for `connleak check`: packages that ship their TypeScript sources (mongodb, ajv,
 * bson), copied out of node_modules (the checker never analyses files under node_modules) with a
 * tsconfig, and, in the stress run, JavaScript packages with many clients checked through a
 * tsconfig with `allowJs`. The repository's node_modules is linked in so imports resolve.
 */

export interface RealProject {
  readonly name: string;
  /** The installed package the sources come from. */
  readonly package: string;
  /** What to copy from the package into the project directory. */
  readonly copy: readonly string[];
  /** A tsconfig.json to write; without one, the package's own (copied) is used. */
  readonly tsconfig?: object;
  /** At least this many files analysed (guards against a tsconfig that silently matches little). */
  readonly minFiles: number;
  /** Only in `npm run test:stress`. */
  readonly stressOnly: boolean;
}

const javascriptProject = {
  compilerOptions: { allowJs: true, checkJs: false, target: 'ES2022', module: 'commonjs', moduleResolution: 'node', esModuleInterop: true, skipLibCheck: true, types: ['node'], noEmit: true },
  include: ['**/*.js', '**/*.cjs', '**/*.mjs'],
};

export const realProjects: readonly RealProject[] = [
  // mongodb's own tsconfig.json (strict, node16 modules) over its 132 source files; a catalog client whose code opens sockets.
  { name: 'mongodb', package: 'mongodb', copy: ['src', 'tsconfig.json', 'package.json'], minFiles: 130, stressOnly: false },
  // ajv's 106 source files (it ships no tsconfig): a large typed code base with no client at all.
  {
    name: 'ajv',
    package: 'ajv',
    copy: ['lib', 'package.json'],
    tsconfig: { compilerOptions: { target: 'ES2018', module: 'commonjs', moduleResolution: 'node', strict: true, esModuleInterop: true, resolveJsonModule: true, skipLibCheck: true, types: ['node'], noEmit: true }, include: ['lib'] },
    minFiles: 100,
    stressOnly: false,
  },
  {
    name: 'bson',
    package: 'bson',
    copy: ['src', 'package.json'],
    tsconfig: { compilerOptions: { target: 'ES2022', module: 'commonjs', moduleResolution: 'node', strict: true, skipLibCheck: true, types: ['node'], noEmit: true }, include: ['src'] },
    minFiles: 30,
    stressOnly: true,
  },
  { name: 'fastify', package: 'fastify', copy: ['.'], tsconfig: javascriptProject, minFiles: 250, stressOnly: true },
  { name: 'kafkajs', package: 'kafkajs', copy: ['.'], tsconfig: javascriptProject, minFiles: 350, stressOnly: true },
  { name: 'mysql2', package: 'mysql2', copy: ['.'], tsconfig: javascriptProject, minFiles: 90, stressOnly: true },
  { name: 'ioredis', package: 'ioredis', copy: ['.'], tsconfig: javascriptProject, minFiles: 45, stressOnly: true },
  { name: 'pg', package: 'pg', copy: ['.'], tsconfig: javascriptProject, minFiles: 15, stressOnly: true },
  { name: 'redis-client', package: '@redis/client', copy: ['.'], tsconfig: javascriptProject, minFiles: 450, stressOnly: true },
];

/** Lays the project out in `directory` (which must not exist yet) and returns it. */
export function materialise(project: RealProject, directory: string): string {
  const source = realpathSync(path.join(repoRoot, 'node_modules', project.package));
  for (const entry of project.copy) {
    const from = path.join(source, entry);
    if (!existsSync(from)) throw new Error(`${project.package} has no ${entry}`);
    cpSync(from, path.join(directory, entry), {
      recursive: true,
      dereference: true,
      // Nested node_modules are other packages, not this project's code.
      filter: (file) => !path.relative(source, file).split(path.sep).includes('node_modules'),
    });
  }
  if (project.tsconfig) {
    rmSync(path.join(directory, 'tsconfig.json'), { force: true });
    writeFileSync(path.join(directory, 'tsconfig.json'), JSON.stringify(project.tsconfig, null, 2));
  }
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(directory, 'node_modules'), 'dir');
  return directory;
}
