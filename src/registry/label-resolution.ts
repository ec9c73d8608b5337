import type { TaskAnnotation } from '../store/index.ts';

/** How the labels of several annotators become one label per document. */
export type ResolutionRule =
  /** Only this user's labels (a user-scope snapshot). */
  | { readonly kind: 'own'; readonly userId: string }
  /**
   * Majority vote; a tie leaves the document out. If any `experts` labelled a document, only
   * their votes count for it (an expert group's label wins). `voters`, when given, limits who
   * votes at all (a group-scope snapshot: the group's members).
   */
  | { readonly kind: 'majority'; readonly experts: ReadonlySet<string>; readonly voters?: ReadonlySet<string> };

/** One document's resolved label. */
export interface ResolvedLabel {
  readonly documentId: number;
  readonly contentHash: string;
  readonly label: string;
}

/** A short name of a rule, stored with the snapshot. */
export function ruleName(rule: ResolutionRule): string {
  if (rule.kind === 'own') return 'own-labels';
  return rule.voters === undefined ? 'majority+expert' : 'group-majority+expert';
}

/**
 * Resolves annotations (one per document and user) into labels, by document id.
 *
 * @example
 * resolveLabels(annotations, { kind: 'majority', experts: new Set(['eve']) });
 */
export function resolveLabels(annotations: readonly TaskAnnotation[], rule: ResolutionRule): ResolvedLabel[] {
  const byDoc = new Map<number, TaskAnnotation[]>();
  for (const a of annotations) {
    if (rule.kind === 'own' ? a.userId !== rule.userId : rule.voters !== undefined && !rule.voters.has(a.userId)) continue;
    let list = byDoc.get(a.documentId);
    if (list === undefined) byDoc.set(a.documentId, (list = []));
    list.push(a);
  }
  const out: ResolvedLabel[] = [];
  for (const [documentId, list] of byDoc) {
    let votes = list;
    if (rule.kind === 'majority') {
      const expertVotes = list.filter((a) => rule.experts.has(a.userId));
      if (expertVotes.length > 0) votes = expertVotes;
    }
    const label = majority(votes);
    if (label !== undefined) out.push({ documentId, contentHash: list[0]!.contentHash, label });
  }
  return out.sort((a, b) => a.documentId - b.documentId);
}

/** The label with strictly the most votes; undefined on a tie. */
function majority(votes: readonly TaskAnnotation[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of votes) counts.set(v.label, (counts.get(v.label) ?? 0) + 1);
  let best: string | undefined;
  let bestCount = 0;
  let tied = false;
  for (const [label, n] of counts) {
    if (n > bestCount) {
      best = label;
      bestCount = n;
      tied = false;
    } else if (n === bestCount) {
      tied = true;
    }
  }
  return tied ? undefined : best;
}
