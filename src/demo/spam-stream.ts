import type { Curator, PredictionAnswer } from '../lifecycle/curator.ts';
import type { Crowd, SimulatedLabel, TimedRecord } from './spam-timeline.ts';

/** What happened to one email of the stream. */
export interface Delivery {
  readonly documentId: number;
  readonly truth: string;
  readonly labels: readonly SimulatedLabel[];
  /** The prediction the reader got (absent when nobody asked or no model serves yet). */
  readonly answer?: PredictionAnswer;
}

/**
 * One email arrives in the demo's data product: it is stored, the reader (when given) gets a
 * prediction and reports the true label as feedback, and the crowd labels it (which runs the
 * growth rules; a decay alarm runs from the feedback).
 *
 * @example const d = await deliver(curator, 'spam', email, crowd, { reader: 'carl' });
 */
export async function deliver(curator: Curator, taskId: string, email: TimedRecord, crowd: Crowd, options: { reader?: string } = {}): Promise<Delivery> {
  // Emails arrive over time: let the event loop turn first, so a build's messages from its
  // worker thread (progress, outcome, promotion) are handled between two emails. A loop of
  // SQLite calls alone only runs microtasks and would hold them until it ends.
  await new Promise((resolve) => setImmediate(resolve));
  const [doc] = await curator.addDocuments(taskId, [{
    content: email.text, externalId: email.key, metadata: { group: email.group, release: email.release },
    ...(email.sent === null ? {} : { createdAt: email.sent }),
  }]);
  let answer: PredictionAnswer | undefined;
  if (options.reader !== undefined) {
    answer = await curator.predict(taskId, email.text, { userId: options.reader });
    await curator.feedback(taskId, { predictionId: answer.predictionId, label: email.label, userId: options.reader });
  }
  const labels = crowd.labels(email.label);
  await curator.annotateMany(taskId, labels.map((l) => ({ documentId: doc!.id, userId: l.userId, label: l.label })));
  return { documentId: doc!.id, truth: email.label, labels, ...(answer === undefined ? {} : { answer }) };
}
