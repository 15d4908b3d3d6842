/**
 * Close on every path, with ESLint's code-path analysis, modelled on ESLint core's
 * no-this-before-super: per-function state pushed in onCodePathStart; per segment (in our own map,
 * keyed by segment id) the set of clients that may be open at its end, computed from its
 * predecessors when it starts and re-propagated around loops in onCodePathSegmentLoop; the verdict
 * at onCodePathEnd from the function's final segments. ESLint >= 9 has no
 * CodePath#currentSegments, so the current segments are tracked through the start/end events.
 *
 * ESLint's code paths model explicit `throw` only (and, inside `try`, a fork from the first
 * throwable expression to `catch` / `finally`). For `requireCloseOnThrow` every call, `new`,
 * `await` and `throw` that runs while the client is open counts as a way out, unless a `try`
 * whose `finally` (or `catch`) closes the client, or a `.finally()` callback that closes it,
 * guards it.
 */
import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { calleeMember, isFunction, isWithin, memberName, skipWrappers, type Node } from './ast';
import type { Creation } from './creations';
import type { FileAnalysis } from './file-analysis';
import type { Ownership } from './ownership';
import type { VariableLike } from './scope';
import { listenerMethods } from './values';

type CodePath = TSESLint.CodePath & {
  traverseSegments(options: { first: Segment; last: Segment }, callback: (segment: Segment) => void): void;
};
type Segment = TSESLint.CodePathSegment;

export interface ClosePathOptions {
  readonly requireCloseOnThrow: boolean;
}

export type PathFinding =
  | { readonly kind: 'open-on-exit'; readonly ownership: Ownership }
  | { readonly kind: 'open-on-throw'; readonly ownership: Ownership; readonly throwSite: Node }
  | { readonly kind: 'overwritten'; readonly ownership: Ownership; readonly write: Node };

interface Tracked {
  readonly ownership: Ownership;
  readonly variables: ReadonlySet<VariableLike>;
  readonly closeNodes: readonly Node[];
  /** `.finally(() => client.close())` calls: what their callee chain runs is covered. */
  readonly finallyCalls: readonly TSESTree.CallExpression[];
  throwSite: Node | undefined;
  done: boolean;
}

interface FunctionState {
  readonly upper: FunctionState | undefined;
  readonly codePath: CodePath;
  readonly currentSegments: Set<Segment>;
  readonly tracked: Tracked[];
  /** The try blocks the traversal is in (innermost last), with the clients open where something in them may throw. */
  readonly tryBlocks: { readonly statement: TSESTree.TryStatement; readonly openAtThrow: Set<Tracked> }[];
}

interface SegmentState {
  open: Set<Tracked>;
  readonly effects: Effect[];
  /** A catch clause's entry: what was open where its try block may throw, instead of the predecessors' state. */
  readonly entry?: ReadonlySet<Tracked>;
}

type Effect = { readonly open: Tracked } | { readonly close: Tracked };

/**
 * The code-path listeners that follow the clients `shouldTrack` accepts and call `report` with
 * the findings. `onCreation` sees every creation first (the rule reports the path-insensitive
 * findings there).
 */
export function closePathListeners(
  analysis: FileAnalysis,
  options: ClosePathOptions,
  onCreation: (creation: Creation, ownership: Ownership) => boolean,
  report: (finding: PathFinding) => void,
): Record<string, (...args: never[]) => void> {
  let current: FunctionState | undefined;
  const segments = new Map<string, SegmentState>();
  const closesAt = new Map<Node, Tracked[]>();
  const writesAt = new Map<Node, Tracked[]>();
  /** Per try statement, the clients open at a point of its block that may throw. */
  const openAtThrowByTry = new Map<TSESTree.TryStatement, Set<Tracked>>();

  function openSet(segment: Segment): ReadonlySet<Tracked> | undefined {
    return segments.get(segment.id)?.open;
  }

  function incoming(segment: Segment): Set<Tracked> {
    const entry = segments.get(segment.id)?.entry;
    if (entry) return new Set(entry);
    const open = new Set<Tracked>();
    // Most files never track a client: nothing to gather.
    if (segments.size === 0) return open;
    for (const previous of segment.prevSegments) {
      if (!previous.reachable) continue;
      const set = openSet(previous);
      if (set) for (const tracked of set) open.add(tracked);
    }
    return open;
  }

  function apply(open: Set<Tracked>, effects: readonly Effect[]): Set<Tracked> {
    for (const effect of effects) {
      if ('open' in effect) open.add(effect.open);
      else open.delete(effect.close);
    }
    return open;
  }

  function addEffect(effect: Effect): void {
    if (!current) return;
    for (const segment of current.currentSegments) {
      if (!segment.reachable) continue;
      let state = segments.get(segment.id);
      if (!state) {
        state = { open: new Set(), effects: [] };
        segments.set(segment.id, state);
      }
      state.effects.push(effect);
      apply(state.open, [effect]);
    }
  }

  function isOpenNow(tracked: Tracked): boolean {
    if (!current) return false;
    for (const segment of current.currentSegments) {
      if (segment.reachable && openSet(segment)?.has(tracked)) return true;
    }
    return false;
  }

  function closeAt(node: Node): void {
    const list = closesAt.get(node);
    if (list) for (const tracked of list) addEffect({ close: tracked });
  }

  function track(ownership: Ownership): void {
    const closeNodes = ownership.closes.map((close) => close.node);
    const tracked: Tracked = {
      ownership,
      variables: new Set(ownership.variables),
      closeNodes,
      finallyCalls: closeNodes.flatMap((node) => enclosingFinallyCall(node)),
      throwSite: undefined,
      done: false,
    };
    current!.tracked.push(tracked);
    for (const write of ownership.writes) push(writesAt, write, tracked);
    addEffect({ open: tracked });
    for (const close of ownership.closes) {
      // `net.connect(port, () => socket.end())`: a callback among the creation's own arguments
      // was already passed over; it closes the client from the moment it exists.
      if (isWithin(close.at, ownership.creation.node)) addEffect({ close: tracked });
      else push(closesAt, close.at, tracked);
    }
  }

  function onCreationNode(node: Node): void {
    if (!current) return;
    const creation = analysis.recognizer.creationAt(node);
    if (!creation) return;
    const ownership = analysis.ownership(creation);
    if (onCreation(creation, ownership)) track(ownership);
  }

  function onWrite(node: Node): void {
    const list = writesAt.get(node);
    if (!list) return;
    for (const tracked of list) {
      if (tracked.done || isWithin(tracked.ownership.creation.node, node) || !isOpenNow(tracked)) continue;
      tracked.done = true;
      report({ kind: 'overwritten', ownership: tracked.ownership, write: node });
      addEffect({ close: tracked });
    }
  }

  /**
   * A call, `new`, `await` or `throw` that may throw while clients are open: the innermost try
   * block's catch starts with them open (ESLint forks to the catch from the block's first
   * throwable expression only, whose segment may end after the creation); under
   * `requireCloseOnThrow`, an unguarded one is a way out.
   */
  function mayThrow(node: Node): void {
    if (!current || current.tracked.length === 0) return;
    const tryBlock = current.tryBlocks.at(-1);
    for (const tracked of current.tracked) {
      if (tracked.done || !isOpenNow(tracked) || isOwnOperation(node, tracked)) continue;
      tryBlock?.openAtThrow.add(tracked);
      if (options.requireCloseOnThrow && !tracked.throwSite && !isGuarded(node, tracked)) tracked.throwSite = node;
    }
  }

  function onTryBlock(node: TSESTree.BlockStatement): void {
    const statement = node.parent;
    if (current && statement?.type === 'TryStatement' && statement.block === node) current.tryBlocks.push({ statement, openAtThrow: new Set() });
  }

  function onTryBlockExit(node: TSESTree.BlockStatement): void {
    const statement = node.parent;
    if (!current || statement?.type !== 'TryStatement' || statement.block !== node) return;
    const tryBlock = current.tryBlocks.pop();
    if (tryBlock) openAtThrowByTry.set(tryBlock.statement, tryBlock.openAtThrow);
  }

  function onCatchClause(node: TSESTree.CatchClause): void {
    if (!current || current.tracked.length === 0 || node.parent?.type !== 'TryStatement') return;
    const entry = openAtThrowByTry.get(node.parent) ?? new Set<Tracked>();
    for (const segment of current.currentSegments) {
      if (segment.reachable) segments.set(segment.id, { open: new Set(entry), effects: [], entry });
    }
  }

  /** Throws that leave nothing to close: the creation's own expression, the close itself, listener registration. */
  function isOwnOperation(node: Node, tracked: Tracked): boolean {
    // The creation's own expression (`await createClient().connect()`): if it throws, there is no client to close.
    if (isWithin(tracked.ownership.creation.node, node)) return true;
    if (tracked.closeNodes.some((close) => isWithin(close, node))) return true;
    if (node.type !== 'CallExpression') return false;
    const member = calleeMember(node);
    const object = member && skipWrappers(member.object);
    return object?.type === 'Identifier' && listenerMethods.has(memberName(member!) ?? '') && [...tracked.variables].some((variable) => variable.name === object.name);
  }

  /** A `.finally()` callback or a try whose finally (or catch) closes the client covers the throw. */
  function isGuarded(node: Node, tracked: Tracked): boolean {
    if (tracked.finallyCalls.some((call) => call.callee.type === 'MemberExpression' && isWithin(node, call.callee.object))) return true;
    return isGuardedByTry(node, tracked);
  }

  function isGuardedByTry(node: Node, tracked: Tracked): boolean {
    let child: Node = node;
    for (let parent = node.parent; parent && !isFunction(parent); child = parent, parent = parent.parent) {
      if (parent.type !== 'TryStatement') continue;
      // In the try block, a closing finally or catch covers a throw; in the catch clause, only the finally does.
      const closers = child === parent.block ? [parent.finalizer, parent.handler] : child === parent.handler ? [parent.finalizer] : [];
      if (closers.some((clause) => clause && tracked.ownership.closes.some((close) => isWithin(close.node, clause)))) return true;
    }
    return false;
  }

  function verdict(state: FunctionState): void {
    for (const tracked of state.tracked) {
      if (tracked.done) continue;
      const openOnExit = state.codePath.returnedSegments.some((segment) => segment.reachable && openSet(segment)?.has(tracked));
      if (openOnExit) {
        report({ kind: 'open-on-exit', ownership: tracked.ownership });
        continue;
      }
      if (!options.requireCloseOnThrow) continue;
      const thrownOpen = state.codePath.thrownSegments.some((segment) => segment.reachable && openSet(segment)?.has(tracked));
      const throwSite = tracked.throwSite ?? (thrownOpen ? tracked.ownership.creation.node : undefined);
      if (throwSite) report({ kind: 'open-on-throw', ownership: tracked.ownership, throwSite });
    }
  }

  function repropagate(codePath: CodePath, from: Segment, to: Segment): void {
    for (let pass = 0; pass < 3; pass++) {
      let changed = false;
      codePath.traverseSegments({ first: to, last: from }, (segment) => {
        const state = segments.get(segment.id);
        const open = apply(incoming(segment), state?.effects ?? []);
        const before = state?.open;
        if (before && before.size === open.size && [...open].every((tracked) => before.has(tracked))) return;
        if (!before && open.size === 0) return;
        changed = true;
        if (state) state.open = open;
        else segments.set(segment.id, { open, effects: [] });
      });
      if (!changed) break;
    }
  }

  return {
    onCodePathStart(codePath: CodePath, node: Node) {
      // A close inside a callback takes effect where the callback is created, on the outer path.
      closeAt(node);
      current = { upper: current, codePath, currentSegments: new Set(), tracked: [], tryBlocks: [] };
    },
    onCodePathEnd(_codePath: CodePath) {
      if (!current) return;
      verdict(current);
      current = current.upper;
    },
    onCodePathSegmentStart(segment: Segment) {
      current?.currentSegments.add(segment);
      const open = incoming(segment);
      if (open.size > 0) segments.set(segment.id, { open, effects: [] });
    },
    onCodePathSegmentEnd(segment: Segment) {
      current?.currentSegments.delete(segment);
    },
    onUnreachableCodePathSegmentStart(segment: Segment) {
      current?.currentSegments.add(segment);
    },
    onUnreachableCodePathSegmentEnd(segment: Segment) {
      current?.currentSegments.delete(segment);
    },
    onCodePathSegmentLoop(from: Segment, to: Segment) {
      if (current && current.tracked.length > 0) repropagate(current.codePath, from, to);
    },
    CallExpression(node: TSESTree.CallExpression) {
      closeAt(node);
      if (current && current.tracked.length > 0 && isProcessExit(node)) {
        // The process ends here, and every connection with it.
        for (const tracked of current.tracked) addEffect({ close: tracked });
      }
    },
    // A call, `new` or `await` throws after its operands ran: a close in a callback among the
    // arguments (`setTimeout(() => socket.destroy())`) is already arranged by then.
    'CallExpression:exit'(node: TSESTree.CallExpression) {
      onCreationNode(node);
      mayThrow(node);
    },
    'NewExpression:exit'(node: TSESTree.NewExpression) {
      onCreationNode(node);
      mayThrow(node);
    },
    'AwaitExpression:exit': mayThrow,
    // On exit the code path has already moved past the throw.
    ThrowStatement: mayThrow,
    BlockStatement: onTryBlock,
    'BlockStatement:exit': onTryBlockExit,
    CatchClause: onCatchClause,
    NewExpression: closeAt,
    ChainExpression: closeAt,
    IfStatement: closeAt,
    LogicalExpression: closeAt,
    ConditionalExpression: closeAt,
    ...(analysis.settings.summaries ? { 'MemberExpression:exit': onCreationNode } : {}),
    'AssignmentExpression:exit': onWrite,
    'UpdateExpression:exit': onWrite,
  };
}

function isProcessExit(call: TSESTree.CallExpression): boolean {
  const member = calleeMember(call);
  if (!member) return false;
  const object = skipWrappers(member.object);
  const name = memberName(member);
  return object.type === 'Identifier' && object.name === 'process' && (name === 'exit' || name === 'abort');
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The `.finally(callback)` call whose callback holds `node`. */
function enclosingFinallyCall(node: Node): TSESTree.CallExpression[] {
  for (let current = node.parent; current; current = current.parent) {
    if (!isFunction(current)) continue;
    const call = current.parent;
    if (call?.type === 'CallExpression' && call.arguments[0] === current) {
      const member = calleeMember(call);
      if (member && memberName(member) === 'finally') return [call];
    }
  }
  return [];
}
