/**
 * Starts the engine host in an Electron utilityProcess (Chromium's service process model: its own OS process,
 * no Node in the renderer, killed with the app). The one piece of the host that needs the Electron binary, so it is
 * not runnable here; the same host, protocol and supervisor run under Node in tests/host via child_process.fork.
 */
import { utilityProcess } from 'electron';
import { workerScript } from '../core/resources.ts';
import type { HostChild } from '../host/host-client.ts';

export function forkUtilityHost(): HostChild {
  // engine-host.js is its own entry of the main build (electron.vite.config.ts), beside index.js; asar-unpacked when packaged.
  const child = utilityProcess.fork(workerScript('engine-host'), [], {
    serviceName: 'Glimpse engine',
    stdio: 'inherit',
  });
  return {
    get pid() {
      return child.pid;
    },
    postMessage: (m) => child.postMessage(m),
    onMessage: (l) => child.on('message', l),
    onExit: (l) => child.once('exit', (code) => l(code)),
    kill: () => void child.kill(),
  };
}
