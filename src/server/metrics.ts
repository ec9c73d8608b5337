import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Scope, Store } from '../store/index.ts';

/**
 * The Prometheus metrics of one server, on its own registry (not prom-client's global one), so
 * a process may run several servers, and tests may create many, without name clashes.
 * Queue depth and decay alarms are read from the database at scrape time, so they agree across
 * every server and worker that shares it.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly requestSeconds: Histogram<'method' | 'route' | 'status'>;
  readonly predictions: Counter<'task' | 'model' | 'scope'>;
  readonly buildSeconds: Histogram<'task' | 'scope' | 'status'>;
  private readonly seenBuilds = new Set<number>();

  constructor(store: Store, options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'curator_' });
    this.requestSeconds = new Histogram({
      name: 'curator_http_request_duration_seconds',
      help: 'HTTP request latency by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    });
    this.predictions = new Counter({
      name: 'curator_predictions_total',
      help: 'Predictions answered, by task, deciding model and its scope kind',
      labelNames: ['task', 'model', 'scope'],
      registers,
    });
    this.buildSeconds = new Histogram({
      name: 'curator_build_duration_seconds',
      help: 'Wall time of builds this server saw finish, by task, scope kind and status (built / skipped)',
      labelNames: ['task', 'scope', 'status'],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers,
    });
    new Gauge({
      name: 'curator_job_queue_depth',
      help: 'Build jobs by status (queued and running are the queue)',
      labelNames: ['status'],
      registers,
      async collect() {
        const counts = await store.listing.jobCounts();
        this.reset();
        for (const status of ['queued', 'running', 'succeeded', 'failed', 'cancelled']) this.set({ status }, counts.get(status) ?? 0);
      },
    });
    new Gauge({
      name: 'curator_decay_alarms',
      help: 'Decay alarms recorded per task (trigger events of rule decay)',
      labelNames: ['task'],
      registers,
      async collect() {
        const counts = await store.listing.triggerCounts('decay');
        this.reset();
        for (const [task, n] of counts) this.set({ task }, n);
      },
    });
  }

  /** Counts one answered prediction. */
  prediction(task: string, modelId: number, scope: Scope): void {
    this.predictions.inc({ task, model: String(modelId), scope: scope.kind });
  }

  /** Records a finished build once (the engine's event and the caller's outcome may both report it). */
  build(jobId: number, task: string, scope: Scope, status: string, wallMs: number): void {
    if (this.seenBuilds.has(jobId)) return;
    this.seenBuilds.add(jobId);
    if (this.seenBuilds.size > 10_000) this.seenBuilds.clear();
    this.buildSeconds.observe({ task, scope: scope.kind, status }, wallMs / 1000);
  }
}
