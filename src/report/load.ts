import { readFileSync } from 'node:fs';
import { TraceFormatError, validateTrace, type Trace } from '../runtime/trace';

/** Reads and validates a `CONNLEAK_REPORT` trace. Every failure is one line. */
export function loadTrace(file: string): Trace {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TraceFormatError(`cannot read trace ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TraceFormatError(`not a valid connleak trace: ${file} is not JSON (${(error as Error).message.split('\n')[0]})`);
  }
  return validateTrace(json);
}
