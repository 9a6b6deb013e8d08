/** State shared across views: notices, the undo depth, and a "library changed" tick views refresh on. */
class AppState {
  notice: { text: string; kind: 'error' | 'info' } | null = $state(null);
  undoDepth = $state(0);
  /** Bumped when videos or tags change (engine events, edits); views re-fetch when it moves. */
  tick = $state(0);
  private timer: ReturnType<typeof setTimeout> | null = null;

  error(e: unknown) {
    this.show((e as Error)?.message ?? String(e), 'error');
  }
  info(text: string) {
    this.show(text, 'info');
  }
  private show(text: string, kind: 'error' | 'info') {
    this.notice = { text, kind };
    if (this.timer) clearTimeout(this.timer);
    if (kind === 'info')
      this.timer = setTimeout(() => {
        this.notice = null;
      }, 4000);
  }
  changed() {
    this.tick++;
  }
}

export const app = new AppState();
