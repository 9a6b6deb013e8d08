/** A progress bar on a TTY, plain lines elsewhere (logs and pipes should not fill with carriage returns). */
import type { JobInfo } from '../../shared/api.ts';

export function formatEta(s: number | null): string {
  if (s === null) return '';
  if (s < 60) return `${s}s`;
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export function renderBar(job: Pick<JobInfo, 'done' | 'total' | 'etaS' | 'message'>, width = 30): string {
  const frac = job.total > 0 ? Math.min(1, job.done / job.total) : 0;
  const filled = Math.round(frac * width);
  const eta = job.etaS !== null && job.done < job.total ? ` ETA ${formatEta(job.etaS)}` : '';
  // done is fractional inside a video (its frames); the count says whole videos, the bar and message the rest
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor(job.done)}/${job.total}${eta} ${job.message}`;
}

export class ProgressPrinter {
  private lastLine = '';
  constructor(
    private stream: NodeJS.WriteStream = process.stderr,
    private quiet = false,
  ) {}

  update(job: JobInfo): void {
    if (this.quiet) return;
    if (this.stream.isTTY) {
      const cols = this.stream.columns ?? 100;
      this.stream.write(
        `\r${renderBar(job)
          .slice(0, cols - 1)
          .padEnd(cols - 1)}`,
      );
    } else {
      // a log gets one line per finished unit, not four a second of frame counts
      if (job.step) return;
      const line = `${Math.floor(job.done)}/${job.total} ${job.message}`;
      if (line !== this.lastLine) this.stream.write(`${line}\n`);
      this.lastLine = line;
    }
  }

  end(): void {
    if (!this.quiet && this.stream.isTTY) this.stream.write('\n');
  }
}
