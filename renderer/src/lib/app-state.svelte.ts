import type { JobInfo } from '../../../shared/api.ts';

/** State shared across views: notices, the undo depth, the running job, and a "library changed" tick views refresh on. */
class AppState {
  notice: { text: string; kind: 'error' | 'info' } | null = $state(null);
  undoDepth = $state(0);
  /** Bumped when videos or tags change (engine events, edits); views re-fetch when it moves. */
  tick = $state(0);
  /** The running or queued job (for the job bar and the library's "indexing…" state). */
  job: JobInfo | null = $state(null);
  private timer: ReturnType<typeof setTimeout> | null = null;

  error(e: unknown) {
    this.show((e as Error)?.message ?? String(e), 'error');
  }
  info(text: string) {
    this.show(text, 'info');
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
  private show(text: string, kind: 'error' | 'info') {
    this.notice = { text, kind };
    if (this.timer) clearTimeout(this.timer);
    // Errors stay long enough to read, then go: a stale error after things work again misleads.
    this.timer = setTimeout(() => this.dismiss(), kind === 'info' ? 4000 : 15000);
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
