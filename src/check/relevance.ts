import { ts } from 'ts-morph';
import { catalogModules } from '../analysis';
import type { ClientKind } from '../catalog';
import { OriginResolver } from './origins';
import type { ProgramSummaries } from './summarise';

/**
 * The files worth running the rules on. Both rules start from a client creation, and in a file
 * a creation is either a catalog module's factory or constructor, which needs the module's name
 * in the file (the rules' own fast path tests the same), or a call, `new` or getter read that
 * resolves to a summarised factory (with summaries given, the rules judge project functions by
 * the summaries alone). A file with neither cannot produce a finding; skipping it saves ESLint's
 * parse, scope and code-path work, most of a large project's checking time.
 */
export function filesThatMayCreateClients(
  program: ts.Program,
  files: readonly ts.SourceFile[],
  { summaries, factoryNames }: ProgramSummaries,
  catalog: readonly ClientKind[],
): ts.SourceFile[] {
  const quotedModules = catalogModules(catalog).flatMap((module) => [`'${module}'`, `"${module}"`, `\`${module}\``]);
  const origins = new OriginResolver(program.getTypeChecker(), catalog);
  const reachesFactory = (node: ts.Node): boolean => {
    if (ts.isCallExpression(node) || ts.isNewExpression(node) || ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
      const target = ts.isCallExpression(node) || ts.isNewExpression(node) ? node.expression : node;
      const key = origins.calleeKey(target, factoryNames);
      if (key !== undefined && summaries.factories[key] !== undefined) return true;
    }
    return ts.forEachChild(node, reachesFactory) === true;
  };
  return files.filter((file) => quotedModules.some((quoted) => file.text.includes(quoted)) || ts.forEachChild(file, reachesFactory) === true);
}
