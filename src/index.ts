/** connleak's programmatic API. */
export * from './catalog';
export * from './runtime';
