import cliProgress from 'cli-progress';
import type { BuildProgress } from '../lifecycle/index.ts';

/** A progress display: a live bar on a terminal, a line every 10 % otherwise; always on stderr. */
export interface Progress {
  update(value: number, total: number, what: string): void;
  stop(): void;
}

/**
 * Progress on stderr, so stdout stays clean for `--json`: a cli-progress bar when stderr is a
 * terminal, else (CI logs, pipes) one line per 10 % step, so long work is never silent.
 *
 * @example const p = createProgress('import'); p.update(50, 100, 'rows'); p.stop();
 */
export function createProgress(title: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: ` ${title} {bar} {percentage}% | {value}/{total} | {what}`, hideCursor: true, stream, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(value, total, what) {
        if (!started) {
          bar.start(Math.max(total, 1), value, { what });
          started = true;
        }
        bar.setTotal(Math.max(total, 1));
        bar.update(value, { what });
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let last = -1;
  return {
    update(value, total, what) {
      const pct = total > 0 ? Math.floor((value / total) * 10) * 10 : 0;
      if (pct > last) {
        last = pct;
        stream.write(`${title} ${String(pct).padStart(3)}% (${value}/${total}) ${what}\n`);
      }
    },
    stop() {},
  };
}

/** What a build reports to show "candidate j/m fold i/n" (a job engine adds the candidate's index). */
type BuildStep = BuildProgress & { readonly candidateIndex?: number; readonly candidates?: number };

/** Turns build progress into a bar: cross-validation units, then the fit/evaluate/register/promote stages. */
export function buildProgress(title = 'build'): { onProgress: (p: BuildProgress) => void; stop: () => void } {
  const bar = createProgress(title);
  return {
    onProgress(p: BuildStep) {
      let what: string = p.stage;
      if (p.stage === 'cv') {
        const cand = p.candidateIndex !== undefined && p.candidates !== undefined ? ` ${p.candidateIndex}/${p.candidates}` : '';
        what = `candidate${cand} ${p.candidate ?? ''} · fold ${p.fold ?? '?'}/${p.folds ?? '?'}`;
      } else if (p.candidate !== undefined) {
        what = `${p.stage} ${p.candidate}`;
      }
      bar.update(p.done, p.total, what);
    },
    stop: () => bar.stop(),
  };
}
