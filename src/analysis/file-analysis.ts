/**
 * The analysis of one linted file, shared by both rules (one per AST and settings object): the
 * recogniser, and caches of ownership and repeated contexts per creation.
 */
import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { mentionsCatalogModule } from './catalog-match';
import { ClientRecognizer, type Creation } from './creations';
import { analyzeOwnership, collectExternalFieldCloses, type Ownership } from './ownership';
import { findRepeatedContext, type RepeatedContext } from './repeated-contexts';
import type { GetScope } from './scope';
import { readSettings, type ConnleakSettings } from './settings';
import { TypedRecognizer, typedServices } from './typed';
import type { Node } from './ast';

export interface FileAnalysis {
  readonly settings: ConnleakSettings;
  readonly recognizer: ClientRecognizer;
  /** False when the file cannot create a catalog client at all: no catalog module named, no types, no summaries. */
  readonly mayCreateClients: boolean;
  readonly getScope: GetScope;
  readonly getText: (node: Node) => string;
  ownership(creation: Creation): Ownership;
  repeatedContext(creation: Creation): RepeatedContext | undefined;
}

type AnyContext = Readonly<TSESLint.RuleContext<string, readonly unknown[]>>;

const analyses = new WeakMap<TSESTree.Program, { settingsObject: unknown; analysis: FileAnalysis }>();

export function fileAnalysis(context: AnyContext): FileAnalysis {
  const sourceCode = context.sourceCode;
  const settingsObject = (context.settings as Record<string, unknown> | undefined)?.connleak;
  const cached = analyses.get(sourceCode.ast);
  if (cached && cached.settingsObject === settingsObject) return cached.analysis;
  const analysis = createFileAnalysis(context);
  analyses.set(sourceCode.ast, { settingsObject, analysis });
  return analysis;
}

function createFileAnalysis(context: AnyContext): FileAnalysis {
  const sourceCode = context.sourceCode;
  const settings = readSettings(context.settings as Record<string, unknown>);
  const getScope = ((node: Node) => sourceCode.getScope(node)) as unknown as GetScope;
  const services = typedServices(sourceCode.parserServices);
  const typed = services ? new TypedRecognizer(services, settings.catalog, settings.summaries) : undefined;
  const recognizer = new ClientRecognizer(getScope, settings.catalog, typed);
  const text = sourceCode.text;
  const mayCreateClients = typed !== undefined || mentionsCatalogModule(settings.catalog, text);
  const ownerships = new Map<Node, Ownership>();
  const contexts = new Map<Node, RepeatedContext | null>();
  let externalFieldCloses: Set<string> | undefined;
  const ownershipContext = {
    getScope,
    ...(typed ? { closerIndexes: (call: TSESTree.CallExpression | TSESTree.NewExpression) => typed.closerIndexes(call) } : {}),
    externalFieldCloses: () => (externalFieldCloses ??= collectExternalFieldCloses(sourceCode.ast)),
  };
  return {
    settings,
    recognizer,
    mayCreateClients,
    getScope,
    getText: (node) => sourceCode.getText(node),
    ownership(creation) {
      let ownership = ownerships.get(creation.node);
      if (!ownership) {
        ownership = analyzeOwnership(creation, ownershipContext);
        ownerships.set(creation.node, ownership);
      }
      return ownership;
    },
    repeatedContext(creation) {
      const known = contexts.get(creation.node);
      if (known !== undefined) return known ?? undefined;
      const found = findRepeatedContext(creation.node, { getScope, origins: recognizer.origins });
      contexts.set(creation.node, found ?? null);
      return found;
    },
  };
}

