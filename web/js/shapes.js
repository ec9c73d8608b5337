/**
 * Small readers that tolerate the few ways a response may wrap its data, so each page reads
 * the API's objects in one place.
 */

/** A list answer: `{ items, nextCursor }` or a bare array. */
export function itemsOf(x) {
  return Array.isArray(x) ? x : x?.items ?? [];
}

/** `scope=global|group:<id>|user:<id>` as the API's query filters take it. */
export function scopeParam(s) {
  if (!s || s.kind === 'global') return 'global';
  return s.kind === 'group' ? `group:${s.groupId}` : `user:${s.userId}`;
}

/** A task detail answer, flattened: task, config, corpus size, active model per scope. */
export function taskDetail(x) {
  const task = x.task ?? x;
  return {
    task,
    config: x.config ?? task.config ?? {},
    corpus: x.corpus ?? { documents: x.corpusSize ?? x.documents, labelled: x.labelled },
    active: x.active ?? x.activeModels ?? [],
  };
}

/** A model detail answer: `{ model, evaluations, promotions }` or the model with those fields. */
export function modelDetail(x) {
  const model = x.model ?? x;
  return {
    model,
    evaluations: x.evaluations ?? model.evaluations ?? [],
    promotions: x.promotions ?? x.promotionHistory ?? model.promotions ?? [],
    snapshot: x.snapshot ?? null,
    confusion: x.confusionMatrix ?? x.confusion ?? null,
  };
}
