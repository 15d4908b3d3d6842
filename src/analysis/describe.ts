/** The words findings use for clients and repeated contexts, so both rules (and the checker) say the same. */
import { describeLimit, type ClientKind } from '../catalog';
import type { Creation } from './creations';
import type { RepetitionKind } from './repeated-contexts';

/** `{ client: 'ZooKeeper client', limit: 'ZooKeeper accepts 60 per client IP (maxClientCnxns)', close: 'close' }`. */
export function clientWords(creation: Creation): { client: string; limit: string | undefined; close: string } {
  const kind: ClientKind = creation.kind;
  return { client: kind.clientName, limit: describeLimit(kind), close: creation.closeMethods[0] ?? kind.closeMethods[0] ?? 'close' };
}

const passWords: Record<RepetitionKind, string> = {
  loop: 'each pass opens a connection',
  iteration: 'each item opens a connection',
  concurrent: 'every item opens a connection at the same moment',
  timer: 'each tick opens a connection',
  request: 'each request opens a connection',
  event: 'each event opens a connection',
};

const adviceWords: Record<RepetitionKind, string> = {
  loop: 'Create it once outside the loop.',
  iteration: 'Create it once outside the callback.',
  concurrent: 'Create one client outside and share it, or limit the concurrency.',
  timer: 'Create it once outside the timer callback.',
  request: 'Create it once at startup and share it between requests.',
  event: 'Create it once outside the listener.',
};

export function repetitionWords(kind: RepetitionKind): { pass: string; advice: string } {
  return { pass: passWords[kind], advice: adviceWords[kind] };
}
