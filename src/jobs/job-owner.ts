import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** Engines of this process that have not closed: their jobs are not orphans even though the pid is alive. */
const live = new Set<string>();

/**
 * Who holds a job: `host:pid:instance`. A restarted process tells a dead holder from a live one
 * by it — same host: the pid no longer exists (or, in this very process, the engine closed);
 * another host: its heartbeat (the job row's `updated_at`) is older than the lease.
 *
 * @example const me = JobOwner.create(); JobOwner.isGone('db1:4242:1a2b3c4d', updatedAt, 600_000);
 */
export const JobOwner = {
  /** A new identity for an engine of this process, counted live until {@link JobOwner.release}. */
  create(): string {
    const id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    live.add(id);
    return id;
  },

  release(id: string): void {
    live.delete(id);
  },

  /** True when the holder cannot be running the job any more. */
  isGone(owner: string | null, updatedAt: Date, leaseMs: number, now = Date.now()): boolean {
    if (now - updatedAt.getTime() > leaseMs) return true;
    if (owner === null) return false;
    const parts = owner.split(':');
    if (parts.length < 3) return false;
    const pid = Number(parts[parts.length - 2]);
    const host = parts.slice(0, -2).join(':');
    if (host !== hostname() || !Number.isSafeInteger(pid) || pid <= 0) return false;
    if (pid === process.pid) return !live.has(owner);
    try {
      process.kill(pid, 0);
      return false;
    } catch (error) {
      // EPERM: the pid exists but belongs to another user — alive, as far as we can tell.
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  },
};
