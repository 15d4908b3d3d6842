import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Creation sites: where the code that opened a socket lives.
 *
 * Capturing a stack is the one costly thing the tracer does per connect (about 2 µs here, a
 * fixed cost of V8's stack walk even for one frame; formatting the usual text stack costs 3-4
 * times more). So a capture keeps V8's unformatted frames (`Error.captureStackTrace` on a small
 * object) and nothing is turned into text until a warning, a reset diagnosis or a report needs
 * the site. Resolved sites are interned: every socket opened at one place shares one `Site`.
 */

/** One place in user code that opens connections. */
export interface Site {
  /** `file:line:column`, the file relative to the working directory when under it. */
  readonly id: string;
  /** A short stack of user frames, `fn (file:line:column)`, for reports. */
  readonly stack: readonly string[];
  /** The catalog id of the client whose factory call this is, when the site was carried from one. */
  readonly client?: string;
}

/** An unresolved stack: V8 keeps the frames and formats them on first access of `.stack`. */
export interface Capture {
  stack?: unknown;
}

/** Enough frames to get past Node's HTTP agent or a client library to the caller. */
const captureDepth = 14;
const reportFrames = 6;

export const unknownSite: Site = { id: '(unknown)', stack: [] };
/**
 * Where sockets from further sites go once `maxSites` distinct sites are known: generated or
 * eval'd code can make every call site distinct, and the table must not grow with it.
 */
export const otherSite: Site = { id: '(other sites)', stack: [] };
const maxSites = 1000;
/** Sockets opened while their destination's count was low, whose stack was not captured. */
export const notSampledSite: Site = { id: '(opened at a low count, site not sampled)', stack: [] };

const sitesById = new Map<string, Site>();
let cwd = process.cwd();

/** Resolved paths are relative to this directory (the working directory at start, by default). */
export function setSiteRoot(directory: string): void {
  cwd = directory;
  sitesById.clear();
  files.clear();
}

/** Captures the current stack without formatting it; frames above `above` are left out. */
export function captureStack(above: Function): Capture {
  const holder: Capture = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = captureDepth;
  Error.captureStackTrace(holder, above);
  Error.stackTraceLimit = limit;
  return holder;
}

function framesOf(capture: Capture): NodeJS.CallSite[] {
  const previous = Error.prepareStackTrace;
  // V8 formats a captured stack on first access with whatever prepareStackTrace is set then:
  // asking for the raw CallSite objects skips the text formatting (and any source-map work).
  Error.prepareStackTrace = (_error, frames) => frames;
  try {
    const frames = capture.stack;
    return Array.isArray(frames) ? (frames as NodeJS.CallSite[]) : [];
  } finally {
    Error.prepareStackTrace = previous;
  }
}

interface FileInfo {
  /** Relative to the working directory when under it. */
  readonly display: string;
  /** Not under node_modules. */
  readonly user: boolean;
}

/** Per file name V8 reports: how to show it, whether it is user code; null for Node's own. */
const files = new Map<string, FileInfo | null>();
const maxFiles = 2000;
/** connleak's own compiled files (dist/src/): never a creation site, wherever the package lives. */
const ownRoot = path.resolve(__dirname, '..') + path.sep;

function fileOf(frame: NodeJS.CallSite): FileInfo | null {
  const raw = frame.getFileName();
  if (!raw) return null;
  let info = files.get(raw);
  if (info === undefined) {
    if (raw.startsWith('node:') || raw.startsWith('internal/')) info = null;
    else {
      const file = raw.startsWith('file://') ? fileURLToPath(raw) : raw;
      info = file.startsWith(ownRoot) ? null : { display: displayPath(file), user: !file.includes(`${path.sep}node_modules${path.sep}`) };
    }
    if (files.size < maxFiles) files.set(raw, info);
  }
  return info;
}

export function displayPath(file: string): string {
  const relative = path.relative(cwd, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

function location(frame: NodeJS.CallSite, file: FileInfo): string {
  return `${file.display}:${frame.getLineNumber() ?? 0}:${frame.getColumnNumber() ?? 0}`;
}

function describeFrame(frame: NodeJS.CallSite, file: FileInfo): string {
  const name = frame.getFunctionName() ?? frame.getMethodName();
  return name ? `${name} (${location(frame, file)})` : location(frame, file);
}

/** The one Site object for a location (sites are compared by identity). */
export function internSite(id: string, stack: readonly string[], client?: string): Site {
  const key = client === undefined ? id : `${id}\0${client}`;
  let site = sitesById.get(key);
  if (!site) {
    if (sitesById.size >= maxSites) return otherSite;
    site = client === undefined ? { id, stack } : { id, stack, client };
    sitesById.set(key, site);
  }
  return site;
}

/**
 * The site of a capture: the first frame in user code (not Node's, not under node_modules), or,
 * when the whole stack is library code (a client connecting from a timer), the first library
 * frame, marked as such.
 */
export function resolveSite(capture: Capture, client?: string): Site {
  const frames = framesOf(capture);
  let firstLibrary: { frame: NodeJS.CallSite; file: FileInfo } | undefined;
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i]!;
    const file = fileOf(frame);
    if (file === null) continue;
    if (!file.user) {
      firstLibrary ??= { frame, file };
      continue;
    }
    const id = location(frame, file);
    // A site seen before (a leak opens many sockets at one place) needs no stack built again.
    const known = sitesById.get(client === undefined ? id : `${id}\0${client}`);
    if (known) return known;
    const stack: string[] = [];
    for (let j = i; j < frames.length && stack.length < reportFrames; j++) {
      const userFile = fileOf(frames[j]!);
      if (userFile?.user) stack.push(describeFrame(frames[j]!, userFile));
    }
    return internSite(id, stack, client);
  }
  if (firstLibrary) {
    const id = `${location(firstLibrary.frame, firstLibrary.file)} (library code, no user frame)`;
    return internSite(id, [describeFrame(firstLibrary.frame, firstLibrary.file)], client);
  }
  return unknownSite;
}
