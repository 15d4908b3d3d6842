import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';

/**
 * Writes `text` to a temporary file next to `file` and renames it over `file`, so a reader (a CI
 * step uploading SARIF, a browser opening a report, `connleak report` reading a trace) never sees
 * half a file. The temporary name holds the pid and thread, so concurrent writers never share one.
 * On failure the temporary file is removed and the error is rethrown.
 */
export function writeFileAtomically(file: string, text: string): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${threadId}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
