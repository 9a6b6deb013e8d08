import type { JobInfo } from '../../../shared/api.ts';

/** State shared across views: notices, the undo depth, the running job, and a "library changed" tick views refresh on. */
class AppState {
  notice: { text: string; kind: 'error' | 'info'; link?: { href: string; text: string } } | null = $state(null);
  undoDepth = $state(0);
  /** Bumped when videos or tags change (engine events, edits); views re-fetch when it moves. */
  tick = $state(0);
  /** The running or queued job (for the job bar and the library's "indexing…" state). */
  job: JobInfo | null = $state(null);
  private timer: ReturnType<typeof setTimeout> | null = null;

  error(e: unknown) {
    this.show((e as Error)?.message ?? String(e), 'error');
  }
  info(text: string, link?: { href: string; text: string }) {
    this.show(text, 'info', link);
  }
  /** A later action succeeded: an old error no longer describes the app. */
  succeeded() {
    if (this.notice?.kind === 'error') this.dismiss();
  }
  dismiss() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.notice = null;
  }
  private show(text: string, kind: 'error' | 'info', link?: { href: string; text: string }) {
    this.notice = link ? { text, kind, link } : { text, kind };
    if (this.timer) clearTimeout(this.timer);
    // Errors stay long enough to read, then go: a stale error after things work again misleads. A notice with a link
    // (a job's summary) stays long enough to follow it.
    this.timer = setTimeout(() => this.dismiss(), kind === 'info' && !link ? 4000 : 15000);
  }
  changed() {
    this.tick++;
  }
}

export const app = new AppState();

/** Shortcut-free targets: typing "/" or Escape in these must not be hijacked. */
export const isTypingTarget = (t: EventTarget | null): boolean => {
  const el = t as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
};
