import type { SpamRecord } from './spam-corpus.ts';

/**
 * When each part of the SpamAssassin public corpus was published: `-1` groups in the 2002-10-10
 * release, `-2` groups in the 2003-02-28 one. The demo's emails arrive release by release.
 */
export const RELEASES: Readonly<Record<2002 | 2003, Date>> = { 2002: new Date(Date.UTC(2002, 9, 10)), 2003: new Date(Date.UTC(2003, 1, 28)) };

/** An email with its place in the demo's timeline. */
export interface TimedRecord extends SpamRecord {
  readonly release: 2002 | 2003;
  /** The Date header, when it parses to a time between 1995 and the release; else null. */
  readonly sent: Date | null;
}

const EARLIEST = Date.UTC(1995, 0, 1);

/** The release a corpus group belongs to (`spam-2`, `easy-ham-2` → 2003). */
export function releaseOf(group: string): 2002 | 2003 {
  return group.endsWith('-2') ? 2003 : 2002;
}

/** The Date header of a raw email, or null when it is missing or does not parse. */
export function sentDate(raw: string): Date | null {
  const end = raw.search(/\r?\n\r?\n/);
  const headers = end < 0 ? raw : raw.slice(0, end);
  const m = /^Date:[ \t]*(.+(?:\r?\n[ \t]+.+)*)/im.exec(headers);
  if (m === null) return null;
  const t = Date.parse(m[1]!.replace(/\s+/g, ' ').replace(/\s*\([^)]*\)\s*$/, '').trim());
  return Number.isNaN(t) ? null : new Date(t);
}

/**
 * The emails in arrival order: by release, then by Date header within a release (a missing or
 * implausible date — the corpus has years 0102 and 2028 — counts as the release date, so it
 * arrives last). Ordering by Date header alone would not show the 2002→2003 shift: most spam-2
 * emails carry 2002 dates (median June 2002, earlier than spam-1's September).
 */
export function timeline(records: readonly SpamRecord[]): TimedRecord[] {
  const timed = records.map((r, i) => {
    const release = releaseOf(r.group);
    const d = sentDate(r.text);
    const sent = d !== null && d.getTime() >= EARLIEST && d.getTime() <= RELEASES[release].getTime() ? d : null;
    return { r: { ...r, release, sent }, i, t: (sent ?? RELEASES[release]).getTime() };
  });
  timed.sort((a, b) => a.r.release - b.r.release || a.t - b.t || a.i - b.i);
  return timed.map((x) => x.r);
}

/** `n` records spread evenly over `records` (in their order): every (length / n)-th. */
export function spread<T>(records: readonly T[], n: number): T[] {
  if (n >= records.length) return [...records];
  const step = records.length / n;
  return Array.from({ length: n }, (_, i) => records[Math.floor(i * step)]!);
}

/** A small seeded generator (mulberry32): the simulated people make the same choices every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One simulated annotator: how much of the stream they label and how often they are wrong. */
export interface SimulatedAnnotator {
  readonly userId: string;
  /** Relative share of the emails this person labels. */
  readonly share: number;
  /** Probability that a label is the wrong one (experts: 0). */
  readonly errorRate: number;
}

/** One label a simulated person gives. */
export interface SimulatedLabel {
  readonly userId: string;
  readonly label: string;
  /** An expert's second look at an ordinary user's label. */
  readonly review: boolean;
}

/**
 * The people who label the stream: each email goes to one annotator (by share); the expert
 * additionally reviews a fraction of the ordinary users' labels, and the expert's label wins
 * label resolution. Deterministic for a seed.
 *
 * @example
 * const crowd = new Crowd({ annotators, expert: 'eve', reviewRate: 0.5, labels: ['ham', 'spam'], seed: 7 });
 * crowd.labels('spam'); // [{ userId: 'ana', label: 'ham', review: false }, { userId: 'eve', label: 'spam', review: true }]
 */
export class Crowd {
  private readonly random: () => number;
  private readonly total: number;

  constructor(
    private readonly options: {
      readonly annotators: readonly SimulatedAnnotator[];
      /** The expert who reviews; must be one of the annotators. */
      readonly expert: string;
      readonly reviewRate: number;
      readonly labels: readonly string[];
      readonly seed: number;
    },
  ) {
    this.random = seededRandom(options.seed);
    this.total = options.annotators.reduce((s, a) => s + a.share, 0);
  }

  /** The labels one email with this true label gets. */
  labels(truth: string): SimulatedLabel[] {
    let pick = this.random() * this.total;
    const who = this.options.annotators.find((a) => (pick -= a.share) < 0) ?? this.options.annotators.at(-1)!;
    const wrong = this.random() < who.errorRate;
    const others = this.options.labels.filter((l) => l !== truth);
    const label = wrong ? others[Math.floor(this.random() * others.length)]! : truth;
    const out: SimulatedLabel[] = [{ userId: who.userId, label, review: false }];
    if (who.userId !== this.options.expert && this.random() < this.options.reviewRate) out.push({ userId: this.options.expert, label: truth, review: true });
    return out;
  }
}

/** Precision and recall of one label over (answer, truth) pairs. */
export function figuresFor(pairs: readonly { readonly label: string; readonly truth: string }[], positive: string): { n: number; support: number; precision: number; recall: number } {
  const tp = pairs.filter((p) => p.label === positive && p.truth === positive).length;
  const predicted = pairs.filter((p) => p.label === positive).length;
  const support = pairs.filter((p) => p.truth === positive).length;
  return { n: pairs.length, support, precision: predicted === 0 ? NaN : tp / predicted, recall: support === 0 ? NaN : tp / support };
}
