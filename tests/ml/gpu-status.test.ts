// Why the GPU is not used, in plain words. The module-not-found case is real here (tfjs-node-gpu is an optional
// dependency that is not installed on this machine), and so is the CUDA preflight against this machine's libraries.
// Missing libcudart/libcudnn, no device and an old driver cannot be produced here: those messages are MOCKED, written
// the way the dynamic loader and the CUDA runtime word them.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { initBackend } from '../../main/ml/backend.ts';
import { cudaPreflight, explainLoadError, gpuStatus, GPU_NEEDS } from '../../main/ml/gpu-status.ts';

const require = createRequire(import.meta.url);
const gpuInstalled = (() => {
  try {
    require.resolve('@tensorflow/tfjs-node-gpu');
    return true;
  } catch {
    return false;
  }
})();

/** No raw loader text, paths or stacks reach the words a user sees. */
function assertPlain(why: string): void {
  assert.doesNotMatch(why, /Cannot find module|Require stack|MODULE_NOT_FOUND|\n|\s+at\s+\S+\s+\(|node_modules|\.so\b|\.dll\b/, why);
}

test(
  'real: GPU package not installed → said so, and the backend that runs instead is named',
  { skip: gpuInstalled && 'tfjs-node-gpu is installed here' },
  async () => {
    const report = await initBackend(['tensorflow-gpu', 'wasm']);
    const tried = report.tried.find((t) => t.name === 'tensorflow-gpu');
    assert.match(tried?.error ?? '', /^Cannot find module '@tensorflow\/tfjs-node-gpu'/, 'the real loader message');
    const s = gpuStatus(report);
    assert.equal(s.used, false);
    assert.equal(s.problem, 'not_installed');
    assert.equal(s.why, '@tensorflow/tfjs-node-gpu is not installed (it is optional; install it to use native TensorFlow)');
    assert.equal(s.instead, 'WebAssembly on the CPU');
    assertPlain(s.why);
  },
);

test('real: the CUDA preflight on this machine (no NVIDIA device) names what is missing in words', () => {
  const reason = cudaPreflight();
  assert.ok(reason, 'this machine has no usable CUDA 11.2 + cuDNN 8.1 + device');
  const { problem, why } = explainLoadError('tensorflow-gpu', reason);
  assert.ok(['cuda_missing', 'cudnn_missing', 'no_device', 'unsupported_platform'].includes(problem), `${problem}: ${why}`);
  assertPlain(why);
});

test('MOCKED library lists: versions wanted vs found', () => {
  const linux = (libs: string[], device = true) => cudaPreflight('linux', {}, libs, () => device);
  assert.equal(linux(['libcudart.so.11.0', 'libcudnn.so.8']), null, 'CUDA 11 + cuDNN 8 + a device: go');
  const cuda12 = explainLoadError('tensorflow-gpu', linux(['libcudart.so.12', 'libcudnn.so.9'])!);
  assert.deepEqual(cuda12, {
    problem: 'cuda_missing',
    why: `the CUDA ${GPU_NEEDS.cuda} runtime was not found (found CUDA 12); the GPU backend needs CUDA 11.2 and cuDNN 8.1`,
  });
  assert.deepEqual(explainLoadError('tensorflow-gpu', linux(['libcudart.so.11.0', 'libcudnn.so.9'])!), {
    problem: 'cudnn_missing',
    why: 'cuDNN 8.1 was not found (found cuDNN 9); the GPU backend needs CUDA 11.2 and cuDNN 8.1',
  });
  assert.equal(explainLoadError('tensorflow-gpu', linux(['libcudart.so.11.0', 'libcudnn.so.8'], false)!).problem, 'no_device');
  assert.equal(
    explainLoadError(
      'tensorflow-gpu',
      cudaPreflight('win32', {}, ['cudart64_110.dll'], () => true)!,
    ).problem,
    'cudnn_missing',
  );
  assert.match(
    explainLoadError(
      'tensorflow-gpu',
      cudaPreflight('win32', {}, ['cudart64_12.dll'], () => true)!,
    ).why,
    /found CUDA 12\)/,
  );
  assert.equal(
    explainLoadError(
      'tensorflow-gpu',
      cudaPreflight('darwin', {}, [], () => false)!,
    ).problem,
    'unsupported_platform',
  );
});

test('MOCKED loader and CUDA runtime messages map to plain words', () => {
  const cases: [string, string][] = [
    ['libcudart.so.11.0: cannot open shared object file: No such file or directory', 'cuda_missing'],
    ["Could not load dynamic library 'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open shared object file", 'cudnn_missing'],
    ['failed call to cuInit: CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected', 'no_device'],
    ['libcuda.so.1: cannot open shared object file: No such file or directory', 'driver'],
    ['CUDA driver version is insufficient for CUDA runtime version', 'driver'],
    ['libtensorflow.so.2: cannot open shared object file: No such file or directory', 'native_broken'],
    ['The specified module could not be found.', 'native_broken'],
    ['something nobody has seen before', 'unknown'],
  ];
  for (const [message, problem] of cases) {
    const r = explainLoadError('tensorflow-gpu', message);
    assert.equal(r.problem, problem, message);
    assertPlain(r.why);
  }
  // the CPU build of native TensorFlow, not installed: its own package is named
  assert.match(
    explainLoadError('tensorflow', "Cannot find module '@tensorflow/tfjs-node'").why,
    /^@tensorflow\/tfjs-node is not installed/,
  );
});

test('GPU in use, and a pinned backend, are said as such', () => {
  assert.deepEqual(gpuStatus({ name: 'tensorflow-gpu', tried: [{ name: 'tensorflow-gpu', ok: true }] }), {
    used: true,
    problem: 'in_use',
    why: 'CUDA GPU in use (CUDA 11.2 and cuDNN 8.1)',
    instead: '',
  });
  const none = gpuStatus({ name: 'none', tried: [] });
  assert.deepEqual([none.used, none.instead], [false, ''], 'nothing runs: no "running … instead" to say');
  const pinned = gpuStatus({ name: 'cpu', tried: [{ name: 'cpu', ok: true }] });
  assert.equal(pinned.problem, 'pinned');
  assert.equal(pinned.instead, 'plain JavaScript on the CPU (slowest)');
});
