/**
 * tfjs backend selection at run time: the fastest that loads wins, in the order
 * tfjs-node-gpu → tfjs-node → wasm → cpu. The native ones are optionalDependencies: where their
 * libtensorflow download failed they are simply absent, and we say why we fell back.
 */
import { createRequire } from 'node:module';
import { cudaPreflight } from './gpu-status.ts';

// Not named `require`: electron-vite's ESM output declares its own `require` shim in the same chunk.
const requireCjs = createRequire(import.meta.url);

export interface BackendReport {
  name: string;
  reason: string;
  tried: { name: string; ok: boolean; error?: string }[];
}

let report: BackendReport | null = null;

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e)
    .split('\n')[0]
    .slice(0, 200);
}

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export async function initBackend(prefer: BackendName[] = preferredOrder()): Promise<BackendReport> {
  if (report) return report;
  // Imported here, not at the top: only a scan or training needs tfjs. The core alone (not the '@tensorflow/tfjs'
  // bundle with layers, data and two more backends: 0.6 vs 0.15 s to import here) and the backend that is chosen.
  // require, not import(): these are CommonJS bundles, and an ESM import first runs Node's CJS export lexer over each
  // (~0.2 s of a CNN worker's start here); both give the one module instance.
  const tf = requireCjs('@tensorflow/tfjs-core') as typeof import('@tensorflow/tfjs-core');
  const tried: BackendReport['tried'] = [];
  for (const name of prefer) {
    try {
      if (name === 'tensorflow-gpu') {
        // Installed at all? (the real module-not-found error). Then CUDA itself: libtensorflow would otherwise
        // start without it and quietly run on the CPU while this report said GPU.
        requireCjs.resolve('@tensorflow/tfjs-node-gpu');
        const missing = cudaPreflight();
        if (missing) throw new Error(missing);
        requireCjs('@tensorflow/tfjs-node-gpu');
      } else if (name === 'tensorflow') requireCjs('@tensorflow/tfjs-node');
      else if (name === 'wasm') requireCjs('@tensorflow/tfjs-backend-wasm');
      else if (name === 'cpu') requireCjs('@tensorflow/tfjs-backend-cpu');
      const backend = name === 'tensorflow-gpu' ? 'tensorflow' : name;
      if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') returned false`);
      await tf.ready();
      tried.push({ name, ok: true });
      const reason =
        name === 'tensorflow-gpu'
          ? 'native TensorFlow with CUDA'
          : name === 'tensorflow'
            ? 'native TensorFlow on CPU (no usable GPU build)'
            : name === 'wasm'
              ? 'WebAssembly with SIMD, 1 thread (native TensorFlow not installed)'
              : 'pure JavaScript (slowest; WebAssembly failed to start)';
      report = { name, reason, tried };
      return report;
    } catch (e) {
      tried.push({ name, ok: false, error: firstLine(e) });
    }
  }
  throw new Error(`no tfjs backend could start: ${tried.map((t) => `${t.name}: ${t.error}`).join('; ')}`);
}

/** GLIMPSE_BACKEND pins one backend (used by tests and for reproducing a user's report). */
function preferredOrder(): BackendName[] {
  const all: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
  const pin = process.env.GLIMPSE_BACKEND as BackendName | undefined;
  return pin && all.includes(pin) ? [pin] : all;
}

export function backendReport(): BackendReport | null {
  return report;
}
