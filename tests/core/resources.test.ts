/**
 * The one resource resolver, in each layout it meets: the repo (tsx), a compiled build under out/, and an installed
 * app whose code sits in <resources>/app.asar with real files in app.asar.unpacked (a fake resources folder:
 * under Node, app.asar is an ordinary directory holding the same layout).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  bundledTool,
  detectRoots,
  modelsDir,
  npmModelsDir,
  packageDir,
  rendererDir,
  resourceList,
  workerScript,
} from '../../main/core/resources.ts';
import { PROJECT_ROOT, tempDir } from '../helpers/fixtures.ts';

const tmp = tempDir('glimpse-resources-');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function touch(file: string, body = ''): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, body);
}

/** A package folder with its package.json and the given files. */
function fakePackage(nodeModules: string, name: string, files: string[]): void {
  touch(path.join(nodeModules, name, 'package.json'), JSON.stringify({ name, version: '1.0.0' }));
  for (const f of files) touch(path.join(nodeModules, name, f));
}

function fakeNodeModules(nm: string): void {
  fakePackage(nm, 'nsfwjs', ['dist/models/mobilenet_v2/model.min.js']);
  fakePackage(nm, '@vladmandic/human', ['models/centernet.json']);
  fakePackage(nm, `@ffmpeg-installer/${process.platform}-${process.arch}`, ['ffmpeg']);
  fakePackage(nm, `@ffprobe-installer/${process.platform}-${process.arch}`, ['ffprobe']);
  fakePackage(nm, 'better-sqlite3', ['build/Release/better_sqlite3.node']);
  fakePackage(nm, '@tensorflow/tfjs-backend-wasm', ['dist/tfjs-backend-wasm.wasm']);
}

test('from the sources (tsx), everything is found in the repo and every listed resource exists', () => {
  const r = detectRoots();
  assert.equal(r.layout, 'source');
  assert.equal(r.appRoot, PROJECT_ROOT);
  assert.equal(modelsDir(r), path.join(PROJECT_ROOT, 'resources', 'models'));
  assert.ok(fs.existsSync(path.join(modelsDir(r), 'student', 'manifest.json')), 'the shipped student model is where the resolver says');
  // workers from source need the JS entry that registers tsx (workers do not inherit the parent's loader)
  assert.equal(workerScript('cnn-worker', r), path.join(PROJECT_ROOT, 'main', 'ml', 'cnn-worker-entry.js'));
  assert.equal(workerScript('engine-host', r), path.join(PROJECT_ROOT, 'main', 'host', 'engine-host-entry.js'));
  assert.ok(fs.existsSync(path.join(npmModelsDir('nsfwjs', r), 'mobilenet_v2')));
  // the renderer is a build product (npm run build); everything else must exist in a fresh checkout + npm ci
  for (const res of resourceList(r).filter((x) => x.kind !== 'renderer'))
    assert.ok(fs.existsSync(res.path), `${res.id}: ${res.path} is missing`);
});

test('from a compiled build (out/cli, chunks in a subfolder) the app root is the folder above out/', () => {
  const app = path.join(tmp, 'compiled');
  fakeNodeModules(path.join(app, 'node_modules'));
  for (const f of ['out/cli/glimpse.js', 'out/cli/cnn-worker.js', 'out/cli/train-worker.js', 'out/renderer/index.html'])
    touch(path.join(app, f));
  // the resolver's code may land in a shared chunk: out/cli/chunks/x.js
  const r = detectRoots(path.join(app, 'out', 'cli', 'chunks', 'resources-abc.js'), undefined);
  assert.deepEqual(r, {
    layout: 'compiled',
    appRoot: app,
    codeDir: path.join(app, 'out', 'cli'),
    resourcesDir: path.join(app, 'resources'),
    unpackedRoot: app,
  });
  assert.equal(workerScript('cnn-worker', r), path.join(app, 'out', 'cli', 'cnn-worker.js'));
  assert.equal(rendererDir(r), path.join(app, 'out', 'renderer'));
  assert.equal(
    bundledTool('ffmpeg', r),
    path.join(app, 'node_modules', '@ffmpeg-installer', `${process.platform}-${process.arch}`, 'ffmpeg'),
  );
  // the same bundle run by Electron (out/main) finds its own workers
  assert.equal(
    workerScript('train-worker', detectRoots(path.join(app, 'out', 'main', 'index.js'), undefined)),
    path.join(app, 'out', 'main', 'train-worker.js'),
  );
  // a process.resourcesPath that does not hold our code (e.g. `electron .` in development) is not "packaged"
  assert.equal(detectRoots(path.join(app, 'out', 'main', 'index.js'), path.join(tmp, 'elsewhere')).layout, 'compiled');
});

test('packaged: models from <resources>/models, executables, natives, weights and workers from app.asar.unpacked', () => {
  const res = path.join(tmp, 'packaged', 'resources');
  const asar = path.join(res, 'app.asar');
  const unpacked = path.join(res, 'app.asar.unpacked');
  fakeNodeModules(path.join(asar, 'node_modules'));
  touch(path.join(asar, 'package.json'), '{"name":"glimpse","version":"9.9.9"}');
  touch(path.join(res, 'models', 'student', 'manifest.json'));
  const r = detectRoots(path.join(asar, 'out', 'main', 'chunks', 'engine-1.js'), res);
  assert.equal(r.layout, 'packaged');
  assert.equal(r.codeDir, path.join(asar, 'out', 'main'));
  assert.equal(modelsDir(r), path.join(res, 'models'));
  assert.equal(workerScript('cnn-worker', r), path.join(unpacked, 'out', 'main', 'cnn-worker.js'));
  // the engine host (utilityProcess.fork) is a file beside them
  assert.equal(workerScript('engine-host', r), path.join(unpacked, 'out', 'main', 'engine-host.js'));
  assert.equal(npmModelsDir('nsfwjs', r), path.join(unpacked, 'node_modules', 'nsfwjs', 'dist', 'models'));
  assert.equal(npmModelsDir('@vladmandic/human', r), path.join(unpacked, 'node_modules', '@vladmandic', 'human', 'models'));
  assert.equal(
    bundledTool('ffprobe', r),
    path.join(unpacked, 'node_modules', '@ffprobe-installer', `${process.platform}-${process.arch}`, 'ffprobe'),
  );
  // the renderer is read through Electron's asar support
  assert.equal(rendererDir(r), path.join(asar, 'out', 'renderer'));
  // code started from the unpacked copy (a worker) sees the same layout, with or without process.resourcesPath
  assert.deepEqual(detectRoots(path.join(unpacked, 'out', 'main', 'cnn-worker.js'), res), r);
  assert.deepEqual(detectRoots(path.join(unpacked, 'out', 'main', 'cnn-worker.js'), undefined), r);
  // every resource that must be a real file is outside the archive
  for (const x of resourceList(r)) {
    if (x.unpacked) assert.ok(!x.path.startsWith(asar + path.sep), `${x.id} is inside app.asar: ${x.path}`);
  }
  assert.deepEqual(
    resourceList(r).map((x) => x.kind),
    [
      'package.json',
      'models',
      'npm-models',
      'npm-models',
      'worker',
      'worker',
      'worker',
      'renderer',
      'preload',
      'tool',
      'tool',
      'native',
      'wasm',
      'wasm',
      'wasm',
    ],
  );
});

test('packages are found through symlinks without leaving the app folder (so packaged paths map to app.asar.unpacked)', () => {
  const app = path.join(tmp, 'linked');
  fs.mkdirSync(path.join(app, 'node_modules'), { recursive: true });
  fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules', 'nsfwjs'), path.join(app, 'node_modules', 'nsfwjs'));
  const r = detectRoots(path.join(app, 'out', 'cli', 'glimpse.js'), undefined);
  assert.equal(packageDir('nsfwjs', r), path.join(app, 'node_modules', 'nsfwjs'));
  assert.equal(packageDir('not-a-package-glimpse-uses', r), null);
  assert.equal(bundledTool('ffmpeg', r, 'aix', 'ppc64'), null, 'no binary for a platform npm did not install');
});
