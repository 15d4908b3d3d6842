/** connleak's programmatic API. */
export * from './catalog';
