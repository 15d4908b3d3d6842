/** The runtime tracer's part of the programmatic API. Importing it does not start tracing. */
export { connleak } from './api';
export type { ConnleakRuntime, DestinationSnapshot } from './api';
export { TraceFormatError, traceSchema, traceVersion, validateTrace } from './trace';
export type {
  Trace,
  TraceConfig,
  TraceDestination,
  TraceLimit,
  TraceOpenSocket,
  TraceOtherProcess,
  TraceProcess,
  TraceReset,
  TraceSample,
  TraceSite,
  TraceSiteCount,
  TraceWarning,
} from './trace';
