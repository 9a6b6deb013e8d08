/** An in-app replacement for window.confirm(): `await ask({...})` resolves true on confirm, false on cancel/Escape. */
export interface ConfirmRequest {
  title: string;
  body: string;
  confirm: string;
  danger?: boolean;
}

class ConfirmState {
  current: (ConfirmRequest & { resolve: (ok: boolean) => void }) | null = $state(null);

  ask(req: ConfirmRequest): Promise<boolean> {
    this.current?.resolve(false);
    return new Promise((resolve) => {
      this.current = { ...req, resolve };
    });
  }
  answer(ok: boolean) {
    const c = this.current;
    this.current = null;
    c?.resolve(ok);
  }
}

export const confirmer = new ConfirmState();
export const ask = (req: ConfirmRequest): Promise<boolean> => confirmer.ask(req);
