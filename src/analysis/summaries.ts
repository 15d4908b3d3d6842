import path from 'node:path';

/**
 * Cross-file summaries: what the checker (`connleak check`) learns about the whole program and
 * hands to the ESLint rules as input (`settings.connleak.summaries`), so that the rules, which
 * see one file, treat a call of a summarised factory as a client creation. The checker computes
 * them with ts-morph over the call graph; the rules only look them up.
 *
 * Functions are named by their declaration's position, the same on both sides because both read
 * it from the TypeScript program: the checker's ts-morph Program is the one the typescript-eslint
 * parser is given.
 */
export interface CrossFileSummaries {
  /** declarationKey -> catalog client id, for functions, methods and getters that return a fresh client. */
  readonly factories: Readonly<Record<string, string>>;
  /** declarationKey -> indexes of the parameters whose client the function closes or takes ownership of. */
  readonly closers: Readonly<Record<string, readonly number[]>>;
  /**
   * Optional. declarationKey of a class whose instances hold a client they create themselves
   * (field initialiser or constructor) -> the names of its methods that close that client. Such
   * a class's key is also in `factories`, so `new Holder()` is a creation, and calling one of
   * these methods on the instance closes it (besides the catalog's close methods).
   */
  readonly closeMethods?: Readonly<Record<string, readonly string[]>>;
}

export const emptySummaries: CrossFileSummaries = { factories: {}, closers: {} };

/** The part of a TypeScript declaration node the key needs (TypeScript's and ts-morph's alike). */
export interface DeclarationLike {
  getStart(): number;
  getSourceFile(): { readonly fileName: string };
}

/**
 * The key of a declaration: absolute file name and the start of the declaration node (the
 * `FunctionDeclaration`, `MethodDeclaration`, `GetAccessor`, or the `VariableDeclaration` of
 * `const make = () => …`), as `symbol.declarations[0]` gives it after resolving aliases.
 */
export function declarationKey(declaration: DeclarationLike): string {
  return `${path.resolve(declaration.getSourceFile().fileName)}:${declaration.getStart()}`;
}
