/**
 * The one place that knows where Glimpse's files are at run time: the shipped video models, the CNN weights inside
 * npm packages, the worker-thread scripts, the renderer build, package.json and the bundled ffmpeg/ffprobe.
 *
 * Three layouts, told apart by where this module's own code sits (no electron import, so the CLI, tests and the
 * Electron main process share it):
 * - source: TypeScript run through tsx (tests, development): main/core/resources.ts in the repo;
 * - compiled: the bundles under out/<build>/ (the `glimpse` command, `glimpse serve`, out/main for Electron);
 * - packaged: an installed app: the code is in <resources>/app.asar, `process.resourcesPath` is set, what must
 *   be a real file for the OS (executables, native modules, wasm, worker scripts, model weights) is in
 *   <resources>/app.asar.unpacked, and resources/models is copied to <resources>/models (extraResources).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isBelow } from './paths.ts';

export type Layout = 'source' | 'compiled' | 'packaged';

export interface Roots {
  layout: Layout;
  /** the folder of package.json: the repo, an installed npm package, or <resources>/app.asar */
  appRoot: string;
  /** where the running code's bundles are: main/ (source) or out/<build>/ */
  codeDir: string;
  /** the repo's resources/ folder, or process.resourcesPath when packaged */
  resourcesDir: string;
  /** appRoot, or <resources>/app.asar.unpacked when packaged: where files the OS must open directly live */
  unpackedRoot: string;
}

/**
 * Where things are, from the path of this module's code. `moduleFile` and `resourcesPath` are parameters so that
 * tests can lay out a fake install; at run time they are this file and Electron's `process.resourcesPath`.
 */
export function detectRoots(
  moduleFile: string = fileURLToPath(import.meta.url),
  resourcesPath: string | undefined = (process as { resourcesPath?: string }).resourcesPath,
): Roots {
  // The marker of a packaged app: our code is inside the app archive (or its unpacked twin) in process.resourcesPath.
  // A worker thread may not have process.resourcesPath: the archive's folder in its own path says the same.
  resourcesPath ??= /^(.*)[\\/]app\.asar(?:\.unpacked)?[\\/]/.exec(moduleFile)?.[1];
  if (resourcesPath) {
    const asar = path.join(resourcesPath, 'app.asar');
    const unpacked = `${asar}.unpacked`;
    if (isBelow(moduleFile, asar) || isBelow(moduleFile, unpacked)) {
      const inApp = path.relative(isBelow(moduleFile, asar) ? asar : unpacked, moduleFile);
      const build = inApp.split(path.sep).slice(0, 2); // out/<build>
      return { layout: 'packaged', appRoot: asar, codeDir: path.join(asar, ...build), resourcesDir: resourcesPath, unpackedRoot: unpacked };
    }
  }
  if (moduleFile.endsWith('.ts')) {
    // main/core/resources.ts
    const appRoot = path.resolve(path.dirname(moduleFile), '..', '..');
    return {
      layout: 'source',
      appRoot,
      codeDir: path.join(appRoot, 'main'),
      resourcesDir: path.join(appRoot, 'resources'),
      unpackedRoot: appRoot,
    };
  }
  // A bundle under out/<build>/ (chunks may sit in a subfolder of it).
  let dir = path.dirname(moduleFile);
  while (path.basename(path.dirname(dir)) !== 'out') {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot tell where Glimpse is installed: ${moduleFile} is neither in main/ nor in out/`);
    dir = up;
  }
  const appRoot = path.dirname(path.dirname(dir));
  return { layout: 'compiled', appRoot, codeDir: dir, resourcesDir: path.join(appRoot, 'resources'), unpackedRoot: appRoot };
}

let cached: Roots | null = null;
function roots(): Roots {
  cached ??= detectRoots();
  return cached;
}

/** A path inside the app, moved to its asar-unpacked copy when packaged (the OS cannot exec or dlopen in an archive). */
function unpacked(p: string, r: Roots): string {
  return r.layout === 'packaged' && isBelow(p, r.appRoot) ? path.join(r.unpackedRoot, path.relative(r.appRoot, p)) : p;
}

/**
 * An npm package's folder, found as Node finds it (node_modules of the app root, then of each parent) but without
 * following symlinks, so that a packaged path stays inside app.asar and can be mapped to app.asar.unpacked.
 */
export function packageDir(pkg: string, r: Roots = roots()): string | null {
  for (let dir = r.appRoot; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', pkg);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

function packageDirOrThrow(pkg: string, r: Roots): string {
  const d = packageDir(pkg, r);
  if (!d) throw new Error(`the package ${pkg} is not installed (looked in node_modules from ${r.appRoot})`);
  return d;
}

/** package.json of the app (its version is shown by `glimpse doctor` and the About text). */
export function packageJsonFile(r: Roots = roots()): string {
  return path.join(r.appRoot, 'package.json');
}

/** The shipped video models (teacher, student) and checksums.json: resources/models, or <resources>/models packaged. */
export function modelsDir(r: Roots = roots()): string {
  return path.join(r.resourcesDir, 'models');
}

/** A package's folder as files are read from it: its asar-unpacked copy when packaged (as the model dirs are). */
export function unpackedPackageDir(pkg: string, r: Roots = roots()): string | null {
  const d = packageDir(pkg, r);
  return d && unpacked(d, r);
}

/** The frame CNN weights inside npm packages: nsfwjs's MobileNet/Inception and Human's face/body models. */
export function npmModelsDir(pkg: 'nsfwjs' | '@vladmandic/human', r: Roots = roots()): string {
  const root = packageDirOrThrow(pkg, r);
  return unpacked(pkg === 'nsfwjs' ? path.join(root, 'dist', 'models') : path.join(root, 'models'), r);
}

export type WorkerName = 'cnn-worker' | 'train-worker' | 'engine-host';

/** Where each script's tsx-registering JS entry sits in the source tree. */
const SOURCE_ENTRY: Record<WorkerName, string> = {
  'cnn-worker': 'ml/cnn-worker-entry.js',
  'train-worker': 'ml/train-worker-entry.js',
  'engine-host': 'host/engine-host-entry.js',
};

/**
 * A worker thread's (or the engine host process's) script. From source it is the JS entry that registers tsx first
 * (workers and forked processes do not inherit the parent's loader); compiled it is the bundle beside the running
 * code; packaged, its unpacked copy.
 */
export function workerScript(name: WorkerName, r: Roots = roots()): string {
  if (r.layout === 'source') return path.join(r.codeDir, SOURCE_ENTRY[name]);
  return unpacked(path.join(r.codeDir, `${name}.js`), r);
}

/** The renderer build (index.html and assets): out/renderer, inside the archive when packaged. */
export function rendererDir(r: Roots = roots()): string {
  return path.join(r.appRoot, 'out', 'renderer');
}

/** Electron's preload script, built beside out/main. */
export function preloadScript(r: Roots = roots()): string {
  return path.join(r.appRoot, 'out', 'preload', 'preload.cjs');
}

export type Tool = 'ffmpeg' | 'ffprobe';

/**
 * The ffmpeg/ffprobe binary that ships in @ffmpeg-installer/<os>-<arch> and @ffprobe-installer/<os>-<arch>, the
 * fallback when none is on PATH. null where the platform package is not installed (npm skips other platforms').
 */
export function bundledTool(tool: Tool, r: Roots = roots(), platform = process.platform, arch = process.arch): string | null {
  const dir = packageDir(`@${tool}-installer/${platform}-${arch}`, r);
  return dir ? unpacked(path.join(dir, platform === 'win32' ? `${tool}.exe` : tool), r) : null;
}

export type ResourceKind = 'models' | 'npm-models' | 'worker' | 'renderer' | 'preload' | 'package.json' | 'tool' | 'native' | 'wasm';

export interface Resource {
  id: string;
  kind: ResourceKind;
  /** absolute path in the given layout */
  path: string;
  /** the OS or a worker must open it as a real file: asar-unpacked when packaged */
  unpacked: boolean;
}

/**
 * Every file or folder Glimpse loads at run time, in the given layout: what the resolver hands out plus the native
 * and wasm files that their packages load themselves (better-sqlite3's addon, tfjs's wasm binaries). The packaging
 * test walks this list against electron-builder.yml, so a new resource here that the installer would miss fails CI.
 */
export function resourceList(r: Roots = roots()): Resource[] {
  const list: Resource[] = [
    { id: 'package.json', kind: 'package.json', path: packageJsonFile(r), unpacked: false },
    { id: 'models', kind: 'models', path: modelsDir(r), unpacked: false },
    { id: 'models:nsfwjs', kind: 'npm-models', path: npmModelsDir('nsfwjs', r), unpacked: true },
    { id: 'models:human', kind: 'npm-models', path: npmModelsDir('@vladmandic/human', r), unpacked: true },
    { id: 'worker:cnn', kind: 'worker', path: workerScript('cnn-worker', r), unpacked: true },
    { id: 'worker:train', kind: 'worker', path: workerScript('train-worker', r), unpacked: true },
    { id: 'worker:engine-host', kind: 'worker', path: workerScript('engine-host', r), unpacked: true },
    { id: 'renderer', kind: 'renderer', path: rendererDir(r), unpacked: false },
  ];
  if (r.layout !== 'source') list.push({ id: 'preload', kind: 'preload', path: preloadScript(r), unpacked: false });
  for (const tool of ['ffmpeg', 'ffprobe'] as const) {
    const p = bundledTool(tool, r);
    if (p) list.push({ id: `tool:${tool}`, kind: 'tool', path: p, unpacked: true });
  }
  const sqlite = packageDir('better-sqlite3', r);
  if (sqlite)
    list.push({
      id: 'native:better-sqlite3',
      kind: 'native',
      path: unpacked(path.join(sqlite, 'build', 'Release', 'better_sqlite3.node'), r),
      unpacked: true,
    });
  const wasm = packageDir('@tensorflow/tfjs-backend-wasm', r);
  if (wasm) {
    for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'])
      list.push({ id: `wasm:${f}`, kind: 'wasm', path: unpacked(path.join(wasm, 'dist', f), r), unpacked: true });
  }
  return list;
}
