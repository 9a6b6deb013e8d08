/**
 * Starts the engine host under plain Node with child_process.fork (tests, and any Node parent). The Electron app
 * starts the same host with utilityProcess.fork instead (main/electron/host-launcher.ts).
 */
import { fork } from 'node:child_process';
import { workerScript } from '../core/resources.ts';
import type { HostChild } from './host-client.ts';
import type { ToHost } from './protocol.ts';

export function forkNodeHost(): HostChild {
  // From sources the host is TypeScript and needs the tsx entry; compiled, it is engine-host.js beside this code.
  const entry = workerScript('engine-host');
  // 'advanced' serialization is the structured clone the utilityProcess transport uses too.
  const child = fork(entry, [], { serialization: 'advanced', execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    get pid() {
      return child.pid;
    },
    postMessage: (m: ToHost) => {
      if (child.connected) child.send(m);
    },
    onMessage: (l) => child.on('message', l),
    onExit: (l) => child.once('exit', (code) => l(code)),
    kill: () => child.kill('SIGKILL'),
  };
}
