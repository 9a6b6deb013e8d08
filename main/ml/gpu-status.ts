/**
 * Why the GPU is or is not used, in words a user can act on (`glimpse doctor`, Settings). The native GPU backend
 * (@tensorflow/tfjs-node-gpu 4.22) bundles libtensorflow 2.9.1, built against CUDA 11.2 and cuDNN 8.1 (the tfjs-node
 * README: "Linux GPU (… Cuda 11.2 w/ CUDNN v8)"); it exists for Linux x64 and Windows x64 only.
 *
 * libtensorflow does not fail when CUDA is missing: it logs a warning and runs on the CPU. So before the GPU
 * package is loaded, `cudaPreflight` looks for the CUDA runtime, cuDNN and a device itself, and a missing one is
 * reported (and the backend skipped) instead of "GPU" running on the CPU.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const GPU_NEEDS = { package: '@tensorflow/tfjs-node-gpu', version: '4.22', cuda: '11.2', cudnn: '8.1' } as const;

/** The library files CUDA 11.x and cuDNN 8 install, per platform (what libtensorflow 2.9 opens by name). */
const LIBS = {
  linux: { cudart: 'libcudart.so.11.0', cudnn: 'libcudnn.so.8', cudartAny: /^libcudart\.so\.(\d+)/, cudnnAny: /^libcudnn\.so\.(\d+)/ },
  win32: { cudart: 'cudart64_110.dll', cudnn: 'cudnn64_8.dll', cudartAny: /^cudart64_(\d+)\.dll$/i, cudnnAny: /^cudnn64_(\d+)\.dll$/i },
} as const;

export type GpuProblem =
  | 'in_use'
  | 'not_installed'
  | 'unsupported_platform'
  | 'cuda_missing'
  | 'cudnn_missing'
  | 'no_device'
  | 'driver'
  | 'native_broken'
  | 'pinned'
  | 'unknown';

export interface GpuStatus {
  used: boolean;
  problem: GpuProblem;
  /** one sentence, no stack, no module paths */
  why: string;
  /** the backend that runs instead, in words ('' when the GPU is used, or nothing runs) */
  instead: string;
}

const wanted = `CUDA ${GPU_NEEDS.cuda} and cuDNN ${GPU_NEEDS.cudnn}`;

/**
 * Plain words for one failed backend load. `message` is the first line of the error (backend.ts keeps no more);
 * module-not-found, missing shared libraries and CUDA runtime errors each say what to install.
 */
export function explainLoadError(backend: string, message: string): { problem: GpuProblem; why: string } {
  const pkg =
    backend === 'tensorflow-gpu' ? GPU_NEEDS.package : backend === 'tensorflow' ? '@tensorflow/tfjs-node' : `the ${backend} backend`;
  const m = message;
  if (/Cannot find (module|package)|MODULE_NOT_FOUND|ERR_MODULE_NOT_FOUND/.test(m))
    return { problem: 'not_installed', why: `${pkg} is not installed (it is optional; install it to use native TensorFlow)` };
  if (/unsupported platform|not supported on (darwin|this platform)/i.test(m))
    return { problem: 'unsupported_platform', why: `${pkg} has no build for this system (CUDA runs on Linux x64 and Windows x64 only)` };
  const found = /found ([^)]+)\)/.exec(m)?.[1];
  if (/libcudart|cudart64/i.test(m))
    return {
      problem: 'cuda_missing',
      why: `the CUDA ${GPU_NEEDS.cuda} runtime was not found${found ? ` (found ${found})` : ''}; the GPU backend needs ${wanted}`,
    };
  if (/libcudnn|cudnn64/i.test(m))
    return {
      problem: 'cudnn_missing',
      why: `cuDNN ${GPU_NEEDS.cudnn} was not found${found ? ` (found ${found})` : ''}; the GPU backend needs ${wanted}`,
    };
  if (/no CUDA-capable device|CUDA_ERROR_NO_DEVICE|no NVIDIA (GPU|device)|\/dev\/nvidia/i.test(m))
    return { problem: 'no_device', why: 'no NVIDIA graphics card was found (CUDA needs one)' };
  if (/libcuda\.so|nvcuda\.dll|CUDA driver version is insufficient|CUDA_ERROR_INSUFFICIENT_DRIVER/i.test(m))
    return { problem: 'driver', why: 'the NVIDIA driver is missing or too old for CUDA 11.2 (it needs driver 450.80 or newer)' };
  if (/tfjs_binding\.node|libtensorflow|cannot open shared object|The specified module could not be found/i.test(m))
    return { problem: 'native_broken', why: `${pkg} is installed but its TensorFlow library did not load; reinstall it` };
  return { problem: 'unknown', why: `${pkg} did not start` };
}

/** The backend that runs, in words. */
export function backendInWords(name: string): string {
  switch (name) {
    case 'tensorflow-gpu':
      return 'native TensorFlow on the GPU';
    case 'tensorflow':
      return 'native TensorFlow on the CPU';
    case 'wasm':
      return 'WebAssembly on the CPU';
    case 'cpu':
      return 'plain JavaScript on the CPU (slowest)';
    default:
      return 'nothing: no backend could start';
  }
}

/** GPU or not, and why, from what backend.ts tried (a doctor report's `backend`). */
export function gpuStatus(report: { name: string; tried: { name: string; ok: boolean; error?: string }[] }): GpuStatus {
  if (report.name === 'tensorflow-gpu') return { used: true, problem: 'in_use', why: `CUDA GPU in use (${wanted})`, instead: '' };
  // No backend at all (the frame CNNs did not start, e.g. a damaged model file): the backend line says why.
  if (report.name === 'none')
    return { used: false, problem: 'unknown', why: 'the frame CNNs did not start, so no backend was chosen', instead: '' };
  const instead = backendInWords(report.name);
  const gpu = report.tried.find((t) => t.name === 'tensorflow-gpu');
  if (!gpu)
    return {
      used: false,
      problem: 'pinned',
      why: report.tried.length ? `GLIMPSE_BACKEND chose the ${report.name} backend, so the GPU was not tried` : 'the GPU was not tried',
      instead,
    };
  return { used: false, ...explainLoadError('tensorflow-gpu', gpu.error ?? ''), instead };
}

/** Where the dynamic loader looks for shared libraries, most specific first. */
function libraryDirs(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string[] {
  if (platform === 'win32') {
    const cuda = env.CUDA_PATH ? [path.join(env.CUDA_PATH, 'bin')] : [];
    return [...cuda, ...(env.PATH ?? '').split(';').filter(Boolean)];
  }
  const fromEnv = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  return [...fromEnv, '/usr/local/cuda/lib64', '/usr/local/cuda-11.2/lib64', '/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib'];
}

function listLibs(dirs: string[]): string[] {
  const names = new Set<string>();
  for (const d of dirs) {
    try {
      for (const n of fs.readdirSync(d)) names.add(n);
    } catch {
      /* a listed folder that does not exist is common (LD_LIBRARY_PATH leftovers) */
    }
  }
  if (process.platform === 'linux') {
    try {
      // The loader's cache covers folders from /etc/ld.so.conf.d that the list above may miss.
      for (const line of execFileSync('ldconfig', ['-p'], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).split(
        '\n',
      ))
        names.add(line.trim().split(' ')[0]);
    } catch {
      /* no ldconfig on PATH (not root's PATH): the folders above are what we know */
    }
  }
  return [...names];
}

/**
 * null when CUDA 11.x, cuDNN 8 and (on Linux) an NVIDIA device are present; otherwise the reason, phrased like the
 * loader's own message (with what was found instead), which `explainLoadError` turns into words.
 */
export function cudaPreflight(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  libs: string[] = listLibs(libraryDirs(platform, env)),
  hasDevice: () => boolean = () => fs.existsSync('/dev/nvidiactl') || fs.existsSync('/dev/nvidia0'),
): string | null {
  if (platform !== 'linux' && platform !== 'win32') return `unsupported platform ${platform}`;
  const names = LIBS[platform];
  // What is there instead (e.g. CUDA 12 when 11 is wanted): the words a user compares with the versions wanted.
  const other = (re: RegExp, want: string, label: string) => {
    const majors = [...new Set(libs.filter((n) => n !== want).map((n) => re.exec(n)?.[1]))].filter((x): x is string => !!x);
    return majors.length ? ` (found ${majors.map((v) => `${label} ${v.length === 3 ? `${v.slice(0, 2)}.${v[2]}` : v}`).join(', ')})` : '';
  };
  if (!libs.includes(names.cudart)) return `${names.cudart}: cannot open shared object file${other(names.cudartAny, names.cudart, 'CUDA')}`;
  if (!libs.includes(names.cudnn)) return `${names.cudnn}: cannot open shared object file${other(names.cudnnAny, names.cudnn, 'cuDNN')}`;
  if (platform === 'linux' && !hasDevice()) return 'no NVIDIA device: /dev/nvidiactl is missing';
  return null;
}
