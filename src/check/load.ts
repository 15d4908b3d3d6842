import { existsSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { Project, ts } from 'ts-morph';

/**
 * Loads what `connleak check` analyses into one ts-morph Project: a tsconfig.json (its
 * `include`/`exclude`, `files` and compiler options) or plain JavaScript/TypeScript paths and
 * globs. Files under node_modules are never analysed; declaration files only give types.
 */

/** A configuration problem the user must fix: one line, exit 2. */
export class CheckConfigError extends Error {
  override readonly name = 'CheckConfigError';
}

export interface LoadRequest {
  readonly cwd: string;
  /** `--project`: a tsconfig.json file, or a directory holding one. */
  readonly project?: string;
  /** Files, directories and globs; with none, the project's own files are checked. */
  readonly paths: readonly string[];
  /** Told how many files will be parsed, before parsing starts. */
  readonly onFiles?: (count: number) => void;
}

export interface SkippedFile {
  /** Absolute path. */
  readonly fileName: string;
  readonly reason: string;
}

export interface LoadedProgram {
  readonly project: Project;
  readonly program: ts.Program;
  /** The tsconfig.json used, when one was. */
  readonly configFile?: string;
  /** The files to check, in a stable order. */
  readonly files: readonly ts.SourceFile[];
  /** Files asked for but not analysed (syntax errors), with the first error. */
  readonly skipped: readonly SkippedFile[];
}

const sourceExtensions = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
const globCharacters = /[*?[\]{}]/;

/** Compiler options for plain paths without a tsconfig: accept any JS/TS and resolve like a bundler. */
const pathModeOptions: ts.CompilerOptions = {
  allowJs: true,
  checkJs: false,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  // `preserve` accepts both `import` and `require` in every file and resolves extensionless
  // relative imports, so a loose set of files loads without knowing how it is built.
  module: ts.ModuleKind.Preserve,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  esModuleInterop: true,
  skipLibCheck: true,
  jsx: ts.JsxEmit.Preserve,
};

export function loadProgram(request: LoadRequest): LoadedProgram {
  const configFile = request.project !== undefined ? explicitConfig(request.cwd, request.project) : request.paths.length === 0 ? nearestConfig(request.cwd) : undefined;
  const parsed = configFile ? readConfig(configFile) : undefined;
  const rootNames = request.paths.length > 0 ? expandPaths(request.cwd, request.paths) : parsed!.fileNames;
  const fileNames = onePathPerFile([...new Set(rootNames.map((file) => path.resolve(file)))].filter(isAnalysable));
  if (fileNames.length === 0) {
    throw new CheckConfigError(
      request.paths.length > 0
        ? `no TypeScript or JavaScript files matched ${request.paths.join(' ')}`
        : `no TypeScript or JavaScript files matched by ${relative(request.cwd, configFile!)} (check its "include", "exclude" and "files")`,
    );
  }
  request.onFiles?.(fileNames.length);
  const options = parsed ? { ...parsed.options, noEmit: true, ...(request.paths.length > 0 ? { allowJs: true } : {}) } : pathModeOptions;
  // Files are added one by one from the list above, so ts-morph neither globs the tsconfig again
  // nor walks dependencies itself: creating the Program resolves imports once, as tsc does.
  const newProject = () => new Project({ compilerOptions: options, skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true });
  let project = newProject();
  const skipped: SkippedFile[] = [];
  let parsedButSkipped = false;
  for (const fileName of fileNames) {
    // TypeScript's parser, binder and checker, typescript-estree and eslint-scope all recurse:
    // code nested some hundreds of levels deep (generated code, callback pyramids, long call
    // chains) exhausts the call stack in one of them. Such a file is reported, the others checked.
    let sourceFile;
    try {
      sourceFile = project.addSourceFileAtPath(fileName);
    } catch (error) {
      if (!isStackOverflow(error)) throw error;
      skipped.push({ fileName, reason: tooDeeplyNested });
      continue;
    }
    const tooBig = beyondLimits(sourceFile.compilerNode);
    if (tooBig) {
      skipped.push({ fileName, reason: tooBig });
      parsedButSkipped = true;
    }
  }
  if (parsedButSkipped) {
    // ts-morph forgets a removed file node by node (minutes for a large one): start again without them.
    const excluded = new Set(skipped.map((skip) => skip.fileName));
    project = newProject();
    for (const fileName of fileNames) if (!excluded.has(fileName)) project.addSourceFileAtPath(fileName);
  }
  let program: ts.Program;
  try {
    program = project.getProgram().compilerObject;
  } catch (error) {
    if (!isStackOverflow(error)) throw error;
    throw new CheckConfigError(`cannot build the TypeScript program: a file it imports is ${tooDeeplyNested}`);
  }
  const files: ts.SourceFile[] = [];
  const notParsed = new Set(skipped.map((skip) => skip.fileName));
  for (const fileName of fileNames) {
    if (notParsed.has(fileName)) continue;
    const sourceFile = program.getSourceFile(fileName);
    if (!sourceFile) {
      skipped.push({ fileName, reason: 'not part of the TypeScript program' });
      continue;
    }
    const syntaxError = program.getSyntacticDiagnostics(sourceFile).find((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error);
    if (syntaxError) skipped.push({ fileName, reason: `syntax error: ${describeDiagnostic(syntaxError)}` });
    else files.push(sourceFile);
  }
  return { project, program, ...(configFile ? { configFile } : {}), files, skipped };
}

function explicitConfig(cwd: string, project: string): string {
  const resolved = path.resolve(cwd, project);
  const candidate = existsSync(resolved) && statSync(resolved).isDirectory() ? path.join(resolved, 'tsconfig.json') : resolved;
  if (!existsSync(candidate)) throw new CheckConfigError(`tsconfig not found: ${relative(cwd, candidate)}`);
  return candidate;
}

function nearestConfig(cwd: string): string {
  const found = ts.findConfigFile(cwd, ts.sys.fileExists, 'tsconfig.json');
  if (!found) {
    throw new CheckConfigError(`no tsconfig.json found in ${cwd} or any directory above it (pass --project FILE, or the files to check)`);
  }
  return path.resolve(found);
}

function readConfig(configFile: string): ts.ParsedCommandLine {
  const read = ts.readConfigFile(configFile, ts.sys.readFile);
  if (read.error) throw new CheckConfigError(`invalid tsconfig ${configFile}: ${describeDiagnostic(read.error)}`);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(configFile), undefined, configFile);
  // "No inputs were found" and "the 'files' list is empty" are reported below as "no files matched".
  const error = parsed.errors.find((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error && diagnostic.code !== 18002 && diagnostic.code !== 18003);
  if (error) throw new CheckConfigError(`invalid tsconfig ${configFile}: ${describeDiagnostic(error)}`);
  return parsed;
}

function expandPaths(cwd: string, paths: readonly string[]): string[] {
  let fileSystem: ReturnType<Project['getFileSystem']> | undefined;
  return paths.flatMap((given) => {
    const resolved = path.resolve(cwd, given);
    if (existsSync(resolved)) {
      if (statSync(resolved).isDirectory()) return ts.sys.readDirectory(resolved, sourceExtensions, ['**/node_modules'], ['**/*']);
      if (!sourceExtensions.some((extension) => resolved.endsWith(extension))) {
        throw new CheckConfigError(`not a TypeScript or JavaScript file: ${given}`);
      }
      return [resolved];
    }
    if (!globCharacters.test(given)) throw new CheckConfigError(`${isSymlinkLoop(resolved) ? 'path is a symbolic link loop' : 'path not found'}: ${given}`);
    // ts-morph's file system host globs (with tinyglobby); the excluded node_modules is never walked.
    fileSystem ??= new Project({ skipLoadingLibFiles: true }).getFileSystem();
    return fileSystem.globSync([resolved, `!${globBase(resolved)}/**/node_modules/**`]);
  });
}

/** The directory part of a glob before its first wildcard: where the walk starts. */
function globBase(pattern: string): string {
  const parts = pattern.split(/[\\/]/);
  const firstGlob = parts.findIndex((part) => globCharacters.test(part));
  return parts.slice(0, firstGlob).join('/') || '/';
}

const tooDeeplyNested = 'nested too deeply for the TypeScript parser (call stack exhausted)';

/**
 * Deepest syntax tree the checker analyses. Every stage was measured to survive about 600 levels
 * (parentheses, callbacks, call chains, nested blocks, arrays) and to fail from about 800 with
 * Node's default stack; the deepest file in the scale corpus (5,600 files of real code, see
 * docs/scale.md) is 183 levels deep, the median 15.
 */
const maxNestingDepth = 500;
/**
 * Most syntax nodes in one file. Linting a file with types costs about 1.6 KB of heap per node
 * (typescript-eslint's tree, tokens and node maps), so a 5 MB minified file (2.4 million nodes)
 * would exhaust the heap. The largest hand-written file in the scale corpus has about 25,000
 * nodes, the largest generated one (a schema validator) 171,000, TypeScript's own 9 MB bundle 1.1
 * million.
 */
const maxSyntaxNodes = 500_000;

/** Why a parsed file is beyond what the checker analyses, or undefined. Walked with an explicit stack: a recursive walk would overflow first. */
function beyondLimits(root: ts.Node): string | undefined {
  let nodes = 0;
  const pending: [ts.Node, number][] = [[root, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (depth > maxNestingDepth) return `nested more than ${maxNestingDepth} levels deep (syntax tree depth), deeper than the checker follows`;
    if (++nodes > maxSyntaxNodes) return `more than ${maxSyntaxNodes.toLocaleString('en')} syntax nodes, larger than the checker analyses (minified or generated code?)`;
    ts.forEachChild(node, (child) => {
      pending.push([child, depth + 1]);
    });
  }
  return undefined;
}

function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

function isSymlinkLoop(fileName: string): boolean {
  try {
    statSync(fileName);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ELOOP';
  }
}

/**
 * One path per file on disk, the shortest, sorted: through a symbolic link loop (`src/up -> ..`)
 * a glob reaches the same file again by longer paths, which would report each finding twice.
 */
function onePathPerFile(fileNames: readonly string[]): string[] {
  const byRealPath = new Map<string, string>();
  for (const fileName of [...fileNames].sort()) {
    let real = fileName;
    try {
      real = realpathSync(fileName);
    } catch {
      // A file that vanished or cannot be resolved stays under its own name; loading reports it.
    }
    const kept = byRealPath.get(real);
    if (kept === undefined || fileName.length < kept.length) byRealPath.set(real, fileName);
  }
  return [...byRealPath.values()].sort();
}

function isAnalysable(fileName: string): boolean {
  return (
    !fileName.split(/[\\/]/).includes('node_modules') &&
    sourceExtensions.some((extension) => fileName.endsWith(extension)) &&
    !/\.d\.[cm]?ts$/.test(fileName) &&
    !/\.d\.[^.]+\.ts$/.test(fileName)
  );
}

export function describeDiagnostic(diagnostic: ts.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ').replace(/\s+/g, ' ').trim();
  if (!diagnostic.file || diagnostic.start === undefined) return message;
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return `${message} (line ${line + 1}, column ${character + 1})`;
}

export function relative(cwd: string, fileName: string): string {
  const relativePath = path.relative(cwd, fileName);
  return (relativePath === '' ? '.' : relativePath).split(path.sep).join('/');
}
