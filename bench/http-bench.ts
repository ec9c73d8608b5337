/**
 * `npm run bench:http`: requests per second and latency of the HTTP service on loopback.
 *
 * The database is a SQLite temp file (embedded jobs): a subset of the demo corpus is loaded and a
 * model built (tf-idf + LinearSVC, the Django comparison's pipeline). Then a load generator in
 * another process — wrk (Debian's `wrk`, one thread, what the Django figures were measured with)
 * when installed, else autocannon in a child process — POSTs the fixed ~2 KB email as
 * `{"text": …}` to /v1/tasks/spam/predict with a user token (prediction logging on, rate limiting
 * on with a ceiling the run cannot reach), 10 s at 1 and at 32 connections, keep-alive; then the
 * same against the same server's bare GET /healthz (no auth, no body: its hello-world), each run
 * after a 3 s warm-up of the same load that is not counted (--warmup). First
 * against a server in this process (1 process: its event loop is measured too), then against
 * `curator serve --processes 2` (what gunicorn's 2 workers are in the Django figures), whose CPU
 * is read from /proc for the primary and its servers. Prints one table, compares with the Django
 * + gunicorn figures of ../shared/bench/README.md, and writes bench/results/http-bench.json.
 *
 *   npm run bench:http
 *   npm run bench:http -- --duration 5 --docs 1200
 *   npm run bench:http -- --client autocannon
 *   npm run bench:http -- --processes 1          # only the in-process server
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fixedDoc, loadSpamCorpus } from '../src/demo/spam-corpus.ts';
import { createCurator } from '../src/lifecycle/index.ts';
import { createServer, issueToken } from '../src/server/index.ts';
import { openStore } from '../src/store/index.ts';
import { percentile, renderTable } from './bench-stats.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT_DIR = join(HERE, 'results');
/** Django 3.2 + gunicorn (2 sync workers, 32 connections, no keep-alive) in ../shared/bench/README.md. */
const DJANGO_32 = { reqPerSec: 1250, p50Ms: 24.5, p99Ms: 41 };

interface Run {
  readonly label: string;
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly connections: number;
  readonly duration: number;
}

interface Figures {
  readonly label: string;
  /** Event-loop delay of the server while the run lasted (a blocked loop delays every connection). */
  loopP99Ms?: number;
  loopMaxMs?: number;
  readonly connections: number;
  /** Server processes: 1 is the server in the bench's own process, N > 1 `curator serve --processes N`. */
  processes?: number;
  readonly reqPerSec: number;
  /** autocannon's latency percentiles are whole milliseconds; the mean is not. */
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly total: number;
  /** CPU time per answered request: the load generator's, and the server process's. */
  readonly clientCpuUs: number;
  serverCpuUs?: number;
  /**
   * Busy time of the server's main thread (event-loop utilization × run time) per request: what
   * caps a single-threaded server. CPU above counts every thread (the prediction log's writer too).
   */
  loopBusyUs?: number;
}

/** Child side: runs autocannon for each run the parent sends and answers with the figures. */
async function client(): Promise<void> {
  const autocannon = createRequire(import.meta.url)('autocannon') as (opts: Record<string, unknown>) => Promise<{
    requests: { average: number }; latency: { p50: number; p99: number; average: number }; errors: number; timeouts: number; non2xx: number; duration: number;
    statusCodeStats: Record<string, { count: number }>;
  }>;
  process.on('message', (msg: { run: Run }) => {
    void (async () => {
      const r = msg.run;
      const cpu0 = process.cpuUsage();
      const result = await autocannon({
        url: r.url, method: r.method, headers: r.headers, ...(r.body === undefined ? {} : { body: r.body }),
        connections: r.connections, duration: r.duration, pipelining: 1,
      });
      const total = Object.values(result.statusCodeStats).reduce((s, c) => s + Number(c.count), 0);
      const cpu = process.cpuUsage(cpu0);
      const figures: Figures = {
        label: r.label, connections: r.connections, reqPerSec: result.requests.average, meanMs: result.latency.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99,
        errors: result.errors + result.timeouts, non2xx: result.non2xx, total,
        clientCpuUs: total > 0 ? (cpu.user + cpu.system) / total : 0,
      };
      process.send!({ figures });
    })();
  });
  process.send!({ ready: true });
}

const WRK = '/usr/bin/wrk';

/** wrk's summary as the Lua `done` hook prints it (times in µs). */
interface WrkSummary {
  requests: number; durationUs: number; p50: number; p99: number; mean: number;
  connect: number; read: number; write: number; status: number; timeout: number;
}

/** The Lua hooks: the request to send (method, headers, body from a file), and a JSON line of figures at the end. */
function wrkScript(run: Run, bodyFile: string | undefined): string {
  const headers = Object.entries(run.headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`).join('\n');
  return `wrk.method = ${JSON.stringify(run.method)}
${headers}
${bodyFile === undefined ? '' : `local f = assert(io.open(${JSON.stringify(bodyFile)}, "rb")); wrk.body = f:read("*a"); f:close()`}
done = function(s, latency, requests)
  io.write(string.format('WRK {"requests":%d,"durationUs":%d,"p50":%d,"p99":%d,"mean":%f,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    s.requests, s.duration, latency:percentile(50), latency:percentile(99), latency.mean, s.errors.connect, s.errors.read, s.errors.write, s.errors.status, s.errors.timeout))
end
`;
}

/** CPU seconds (user + system) of a process so far, from /proc: wrk is not our child's child, so getrusage cannot tell. */
function procCpuTicks(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/**
 * One run with wrk (one thread, keep-alive), the load generator of the Django reference figures.
 * Its CPU is sampled from /proc every 50 ms while it runs (the last sample is within 50 ms of its exit).
 */
async function runWrk(run: Run, dir: string): Promise<Figures> {
  const bodyFile = run.body === undefined ? undefined : join(dir, 'wrk-body.json');
  if (bodyFile !== undefined) writeFileSync(bodyFile, run.body!);
  const script = join(dir, 'wrk-run.lua');
  writeFileSync(script, wrkScript(run, bodyFile));
  const child = spawn(WRK, ['-t1', `-c${run.connections}`, `-d${run.duration}s`, '--timeout', '5s', '-s', script, run.url], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  let ticks = 0;
  const sampler = setInterval(() => { ticks = procCpuTicks(child.pid!) ?? ticks; }, 50);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  const line = out.split('\n').find((l) => l.startsWith('WRK '));
  if (code !== 0 || line === undefined) throw new Error(`wrk exited with ${code}: ${out}`);
  const w = JSON.parse(line.slice(4)) as WrkSummary;
  return {
    label: run.label, connections: run.connections, reqPerSec: w.requests / (w.durationUs / 1e6),
    meanMs: w.mean / 1000, p50Ms: w.p50 / 1000, p99Ms: w.p99 / 1000,
    errors: w.connect + w.read + w.write + w.timeout, non2xx: w.status, total: w.requests,
    clientCpuUs: w.requests > 0 ? (ticks / CLOCK_TICKS) * 1e6 / w.requests : 0,
  };
}

const CLOCK_TICKS = 100; // USER_HZ on Linux: the unit of /proc/<pid>/stat's CPU times
const BIN = join(HERE, '..', 'bin', 'curator.js');

/** Pids of a process's children (Linux /proc). */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** CPU ticks of a process and its children so far (the cluster's primary and its servers, with every thread). */
function treeCpuTicks(pid: number): number {
  return [pid, ...childPids(pid)].reduce((sum, p) => sum + (procCpuTicks(p) ?? 0), 0);
}

/** Starts `curator serve --processes n` on the bench database and waits for its --json line. */
async function startServe(dbUrl: string, n: number): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const serve = spawn(process.execPath, [BIN, 'serve', '--processes', String(n), '--db', dbUrl, '--port', '0', '--json', '--no-dashboard', '--rate-limit', '1000000000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    serve.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    serve.once('exit', (code) => reject(new Error(`curator serve exited with ${code} before listening`)));
  });
  const { url } = JSON.parse(line) as { url: string };
  return {
    url, pid: serve.pid!,
    stop: async () => {
      const exited = new Promise((resolve) => serve.once('exit', resolve));
      serve.kill('SIGTERM');
      await exited;
    },
  };
}

function ask(child: ChildProcess, run: Run): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { figures?: Figures }) => {
      if (m.figures === undefined) return;
      child.off('message', onMessage);
      resolve(m.figures);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`autocannon child exited with ${code}`)));
    child.send({ run });
  });
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' }, docs: { type: 'string', default: '1200' }, connections: { type: 'string', default: '1,32' }, only: { type: 'string' },
      'log-batch': { type: 'string' },
      // 1: the server in this process; N > 1: `curator serve --processes N` as a child process.
      processes: { type: 'string', default: '1,2' },
      // Seconds of the same load before each measured run, not counted (JIT, caches, connection setup).
      warmup: { type: 'string', default: '3' },
      // wrk (Debian's package; what the Django figures were measured with) when installed, else autocannon.
      client: { type: 'string' },
    },
  });
  const duration = Number(args.duration);
  const nDocs = Number(args.docs);
  const dir = mkdtempSync(join(tmpdir(), 'curator-http-bench-'));
  const url = `sqlite:${join(dir, 'bench.db')}`;
  const t0 = performance.now();
  const corpus = loadSpamCorpus();
  const step = corpus.length / nDocs;
  const subset = Array.from({ length: nDocs }, (_, i) => corpus[Math.floor(i * step)]!);
  const doc = fixedDoc(corpus);

  // --log-batch N: the prediction log's batch size (default the curator's 256); every batch is one commit.
  const logBatch = args['log-batch'] === undefined ? undefined : Number(args['log-batch']);
  const curator = await createCurator({ store: url, ...(logBatch === undefined ? {} : { predictionLog: { maxBatch: logBatch, flushIntervalMs: 1000 } }) });
  await curator.addUser('ana');
  await curator.addUser('bench');
  await curator.createTask({
    id: 'spam', labels: ['ham', 'spam'], cv: { folds: 3 },
    candidates: [{ name: 'svm', estimator: 'LinearSVC', params: { C: 1 } }],
    triggers: [{ kind: 'manual' }],
  });
  const docs = await curator.addDocuments('spam', subset.map((r) => ({ content: r.text, externalId: r.key })));
  await curator.annotateMany('spam', docs.map((d, i) => ({ documentId: d.id, userId: 'ana', label: subset[i]!.label })));
  const outcome = await curator.build('spam', { actor: 'ana', reason: 'bench model' });
  if (outcome.status !== 'built') throw new Error(`bench model not built: ${outcome.reason}`);
  const { token } = await issueToken(curator.store, { userId: 'bench', role: 'user', label: 'bench' });
  const app = await createServer({ curator, logger: false, dashboard: false, rateLimit: { max: 1e9, timeWindowMs: 60_000 } });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  console.log(`server ${address}; ${nDocs} documents, model #${outcome.model.id} (${outcome.model.estimator}, f1_macro ${outcome.model.score?.toFixed(3)}) built in ${((performance.now() - t0) / 1000).toFixed(1)} s; fixed email ${Buffer.byteLength(doc.text)} bytes`);

  // The model's own cost, for reading the HTTP figures: curator.predict in this process, same user and email.
  const inProcess: number[] = [];
  const inProcessRuns = 3000;
  for (let i = 0; i < inProcessRuns; i++) {
    const t = performance.now();
    await curator.predict('spam', doc.text, { userId: 'bench' });
    if (i >= 500) inProcess.push((performance.now() - t) * 1000);
  }
  const predictUs = { p50: percentile(inProcess, 50), p99: percentile(inProcess, 99) };
  console.log(`curator.predict in process (selection + logging): median ${predictUs.p50.toFixed(1)} µs, p99 ${predictUs.p99.toFixed(1)} µs`);

  const body = JSON.stringify({ text: doc.text });
  const check = await fetch(`${address}/v1/tasks/spam/predict`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
  if (check.status !== 200) throw new Error(`predict answers ${check.status}: ${await check.text()}`);

  const loadGenerator = args.client ?? (existsSync(WRK) ? 'wrk' : 'autocannon');
  if (loadGenerator !== 'wrk' && loadGenerator !== 'autocannon') throw new Error(`--client: wrk or autocannon, not '${loadGenerator}'`);
  if (loadGenerator === 'wrk' && !existsSync(WRK)) throw new Error(`--client wrk: ${WRK} is missing (apt-get install -y wrk)`);
  console.log(`load generator: ${loadGenerator === 'wrk' ? 'wrk (1 thread)' : 'autocannon (a child process)'}, keep-alive`);
  let child: ChildProcess | undefined;
  if (loadGenerator === 'autocannon') {
    child = fork(fileURLToPath(import.meta.url), ['--client'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((resolve) => child!.once('message', () => resolve()));
  }
  const runsAt = (base: string): Run[] => {
    const runs: Run[] = [];
    for (const connections of args.connections.split(',').map(Number)) {
      if (args.only !== 'hello') runs.push({ label: 'POST /v1/tasks/spam/predict', url: `${base}/v1/tasks/spam/predict`, method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body, connections, duration });
      if (args.only !== 'predict') runs.push({ label: 'GET /healthz (hello world)', url: `${base}/healthz`, method: 'GET', headers: {}, connections, duration });
    }
    return runs;
  };
  const warmup = Number(args.warmup);
  const load = (run: Run): Promise<Figures> => (child === undefined ? runWrk(run, dir) : ask(child, run));
  let warmupPredictions = 0;
  const warm = async (run: Run): Promise<void> => {
    if (warmup <= 0) return;
    const w = await load({ ...run, duration: warmup });
    if (run.method === 'POST') warmupPredictions += w.total;
  };
  const processCounts = args.processes.split(',').map(Number);
  if (processCounts.some((p) => !Number.isInteger(p) || p < 1)) throw new Error(`--processes: whole numbers ≥ 1, not '${args.processes}'`);
  const results: Figures[] = [];
  if (processCounts.includes(1)) {
    console.log('1 server process (this one: event-loop figures below are its own)');
    for (const run of runsAt(address)) {
      process.stdout.write(`${run.label} × ${run.connections} connection(s), ${warmup} s warm-up, ${duration} s … `);
      await warm(run);
      const loop = monitorEventLoopDelay({ resolution: 1 });
      loop.enable();
      const flushesBefore = curator.predictionLogStats.logged;
      const cpu0 = process.cpuUsage();
      const elu0 = performance.eventLoopUtilization();
      const f = { ...(await load(run)), processes: 1, loopP99Ms: 0, loopMaxMs: 0, serverCpuUs: 0, loopBusyUs: 0 };
      const cpu = process.cpuUsage(cpu0);
      const elu = performance.eventLoopUtilization(elu0);
      f.loopBusyUs = f.total > 0 ? (elu.active * 1000) / f.total : 0;
      f.serverCpuUs = f.total > 0 ? (cpu.user + cpu.system) / f.total : 0;
      loop.disable();
      f.loopP99Ms = loop.percentile(99) / 1e6;
      f.loopMaxMs = loop.max / 1e6;
      const logged = curator.predictionLogStats.logged - flushesBefore;
      console.log(`${Math.round(f.reqPerSec)} req/s; CPU per request: server ${f.serverCpuUs.toFixed(0)} µs (main thread busy ${f.loopBusyUs.toFixed(0)} µs, ${(elu.utilization * 100).toFixed(0)} % of the run), ${loadGenerator} ${f.clientCpuUs.toFixed(0)} µs; server event-loop delay p99 ${f.loopP99Ms.toFixed(1)} ms, max ${f.loopMaxMs.toFixed(1)} ms${logged > 0 ? `; ${logged.toLocaleString('en-US')} predictions written to the log meanwhile` : ''}`);
      results.push(f);
    }
  }
  await curator.flush();
  const inProcessLogged = (await curator.store.activity.countPredictions('spam')) - inProcessRuns;
  // The model's share of an HTTP request: latencyMs is timed inside curator.predict (selection and
  // the model, not the log), so the newest logged rows tell what it cost under the HTTP load
  // (wall time: its awaits may let other requests' work run in between, so it is an upper bound).
  const underHttp = (await curator.store.activity.recentPredictions('spam', Math.min(20_000, Math.max(0, inProcessLogged)))).map((p) => p.latencyMs * 1000);
  const httpPredictUs = { p50: underHttp.length > 0 ? percentile(underHttp, 50) : 0, p99: underHttp.length > 0 ? percentile(underHttp, 99) : 0 };
  await app.close();
  await curator.close();

  // N processes: what `curator serve --processes N` runs, as a child process on the same database.
  for (const processes of processCounts.filter((p) => p > 1)) {
    const serve = await startServe(url, processes);
    console.log(`${processes} server processes (curator serve --processes ${processes}, pids ${[serve.pid, ...childPids(serve.pid)].join(', ')}: the primary and its servers)`);
    for (const run of runsAt(serve.url)) {
      process.stdout.write(`${run.label} × ${run.connections} connection(s), ${warmup} s warm-up, ${duration} s … `);
      await warm(run);
      const cpu0 = treeCpuTicks(serve.pid);
      const f: Figures = { ...(await load(run)), processes };
      f.serverCpuUs = f.total > 0 ? ((treeCpuTicks(serve.pid) - cpu0) / CLOCK_TICKS) * 1e6 / f.total : 0;
      console.log(`${Math.round(f.reqPerSec)} req/s; CPU per request: server processes ${f.serverCpuUs.toFixed(0)} µs, ${loadGenerator} ${f.clientCpuUs.toFixed(0)} µs`);
      results.push(f);
    }
    await serve.stop();
  }
  child?.kill();
  const store = await openStore(url);
  const logged = (await store.activity.countPredictions('spam')) - inProcessRuns;
  await store.close();
  rmSync(dir, { recursive: true, force: true });

  const rows = results.map((f) => [
    f.label, String(f.processes), String(f.connections), Math.round(f.reqPerSec).toLocaleString('en-US'), f.meanMs.toFixed(2), f.p50Ms.toFixed(1), f.p99Ms.toFixed(1), String(f.errors + f.non2xx), 'yes',
    f.loopMaxMs === undefined ? '' : f.loopMaxMs.toFixed(1), (f.serverCpuUs ?? 0).toFixed(0), f.loopBusyUs === undefined ? '' : f.loopBusyUs.toFixed(0), f.clientCpuUs.toFixed(0),
  ]);
  rows.push(['Django 3.2 + gunicorn (2 sync workers)', '2', '32', DJANGO_32.reqPerSec.toLocaleString('en-US'), '', String(DJANGO_32.p50Ms), String(DJANGO_32.p99Ms), '0', 'no', '', '', '', '']);
  console.log();
  console.log(renderTable(['route', 'procs', 'conns', 'req/s', 'mean ms', 'p50 ms', 'p99 ms', 'errors', 'keep-alive', 'loop max ms', 'server µs/req', 'loop busy µs/req', 'client µs/req'], rows));
  console.log();
  for (const processes of processCounts) {
    const predict32 = results.find((f) => f.processes === processes && f.label.startsWith('POST') && f.connections === 32);
    const hello32 = results.find((f) => f.processes === processes && f.label.startsWith('GET') && f.connections === 32);
    if (predict32 === undefined || hello32 === undefined) continue;
    const ratio = predict32.reqPerSec / hello32.reqPerSec;
    console.log(`${processes} process(es), predict at 32 connections: ${(predict32.reqPerSec / DJANGO_32.reqPerSec).toFixed(1)}× Django + gunicorn's ${DJANGO_32.reqPerSec} req/s; ${(ratio * 100).toFixed(0)} % of the hello-world route`);
    console.log(`  targets: ≥ 12,500 req/s ${predict32.reqPerSec >= 12_500 ? 'met' : 'MISSED'}; p99 ≤ 10 ms ${predict32.p99Ms <= 10 ? 'met' : 'MISSED'}; 0 errors ${predict32.errors + predict32.non2xx === 0 ? 'met' : 'MISSED'}; ≥ half of hello world ${ratio >= 0.5 ? 'met' : 'MISSED'}`);
  }
  console.log(`curator.predict inside the HTTP runs (latencyMs of the last ${underHttp.length.toLocaleString('en-US')} logged): median ${httpPredictUs.p50.toFixed(1)} µs, p99 ${httpPredictUs.p99.toFixed(1)} µs; in a loop: median ${predictUs.p50.toFixed(1)} µs`);
  console.log(`predictions logged: ${logged.toLocaleString('en-US')} (${loadGenerator} counted ${(results.filter((f) => f.label.startsWith('POST')).reduce((s, f) => s + f.total, 0) + warmupPredictions).toLocaleString('en-US')} answers, warm-ups included; the check request and answers in flight at a run's end add a few)`);
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, 'http-bench.json'), JSON.stringify({ when: new Date().toISOString(), duration, documents: nDocs, inProcessPredictUs: predictUs, httpPredictUs, results, django: DJANGO_32, logged }, null, 2));
}

if (process.argv.includes('--client')) await client();
else await main();
