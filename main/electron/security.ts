/**
 * Electron's security checklist in one place, as plain data and pure checks so they are unit-tested under Node
 * (the Electron binary cannot run on CI machines).
 */
import type { WebPreferences } from 'electron';
import { contentSecurityPolicy } from '../core/csp.ts';

export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    spellcheck: false,
  };
}

export const ELECTRON_CSP = contentSecurityPolicy(['glimpse:']);

/** Only the app's own page may call the engine: its file:// entry, or the dev server when one is configured. */
export function isTrustedSender(url: string | undefined, appEntryUrl: string, devServerUrl?: string): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    if (devServerUrl && u.origin === new URL(devServerUrl).origin) return true;
    const entry = new URL(appEntryUrl);
    return u.protocol === 'file:' && u.pathname === entry.pathname;
  } catch {
    return false;
  }
}

/** External links leave the app only as http(s), after the user confirms, and through the OS browser. */
export function isAllowedExternalUrl(url: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

/**
 * What a window.open / target=_blank asks for: the app window always answers `deny`; an http(s) URL then goes to
 * the OS browser only if the person confirms. `confirm` and `open` are Electron's dialog and shell in the app.
 */
export function windowOpenPolicy(
  url: string,
  confirm: (url: string) => Promise<boolean>,
  open: (url: string) => Promise<void>,
): { action: 'deny'; opened: Promise<boolean> } {
  const opened = isAllowedExternalUrl(url)
    ? confirm(url).then(
        async (yes) => {
          if (yes) await open(url);
          return yes;
        },
        () => false,
      )
    : Promise.resolve(false);
  return { action: 'deny', opened };
}
