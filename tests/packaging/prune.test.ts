/**
 * The `npm prune --omit=dev` proof: the compiled build runs with nothing but the production dependencies. An app
 * folder is laid out as npm installs Glimpse (out/, bin/, package.json, resources/models) with a node_modules
 * that holds ONLY the production closure of package-lock.json (entries without "dev": true, symlinked to the
 * installed copies), and the shipped `glimpse` command does real work from there: --help, add with a real scan
 * (ffmpeg + the CNN worker threads), search, and serve (the page and an API call with the token).
 * tsx, vite and every other devDependency are absent, so an import of one at run time fails the test.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { makeVideo, PROJECT_ROOT, tempDir } from '../helpers/fixtures.ts';

const tmp = tempDir('glimpse-prune-');
const app = path.join(tmp, 'app');
const db = path.join(tmp, 'lib.db');
const lib = path.join(tmp, 'videos');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** package-lock's top-level packages that are not dev-only (their own nested node_modules come along in the link). */
function productionPackages(): string[] {
  const lock = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(
      ([k, v]) => k.startsWith('node_modules/') && !k.slice('node_modules/'.length).includes('node_modules/') && !v.dev && !v.devOptional,
    )
    .map(([k]) => k.slice('node_modules/'.length));
}

before(() => {
  // What `npm run build` (the prepare script) makes: the CLI and workers compiled, the renderer built.
  execFileSync(
    process.execPath,
    [path.join(PROJECT_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'vite.cli.config.ts'],
    {
      cwd: PROJECT_ROOT,
      stdio: 'pipe',
    },
  );
  if (!fs.existsSync(path.join(PROJECT_ROOT, 'out', 'renderer', 'index.html')))
    execFileSync(
      process.execPath,
      [path.join(PROJECT_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'renderer/vite.config.ts'],
      {
        cwd: PROJECT_ROOT,
        stdio: 'pipe',
      },
    );
  for (const d of ['out/cli', 'out/renderer', 'bin', 'resources/models'])
    fs.cpSync(path.join(PROJECT_ROOT, d), path.join(app, d), { recursive: true, filter: (src) => !src.endsWith('.ts') });
  fs.copyFileSync(path.join(PROJECT_ROOT, 'package.json'), path.join(app, 'package.json'));
  const nm = path.join(app, 'node_modules');
  for (const pkg of productionPackages()) {
    const real = path.join(PROJECT_ROOT, 'node_modules', pkg);
    if (!fs.existsSync(real)) continue; // an optional dependency npm did not install here (tfjs-node, other OS's ffmpeg)
    fs.mkdirSync(path.dirname(path.join(nm, pkg)), { recursive: true });
    fs.symlinkSync(real, path.join(nm, pkg), 'dir');
  }
  makeVideo(path.join(lib, 'bars.mp4'), { seconds: 3 });
  makeVideo(path.join(lib, 'sub', 'mandel.mp4'), { source: 'mandelbrot=size=320x240:rate=25', seconds: 2 });
});

function glimpse(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(app, 'bin', 'glimpse.js'), ...args], { cwd: tmp, encoding: 'utf8', timeout: 600_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the app folder has no dev-only package: tsx and vite cannot be imported from it', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  const shipped = new Set(productionPackages());
  // (a devDependency that a production package also needs, such as @types/node, stays: npm prune keeps it too)
  const devOnly = Object.keys(pkg.devDependencies).filter((d) => !shipped.has(d));
  assert.ok(devOnly.includes('tsx') && devOnly.includes('vite') && devOnly.includes('electron'));
  for (const dev of devOnly) assert.ok(!fs.existsSync(path.join(app, 'node_modules', dev)), `${dev} is in the pruned app`);
  assert.ok(fs.existsSync(path.join(app, 'node_modules', 'better-sqlite3')), 'the production closure is there');
});

test('glimpse --help runs from the compiled build', () => {
  const r = glimpse(['--help']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^glimpse — tag a video library by content/);
});

test('glimpse add scans for real (ffmpeg and the CNN worker threads), then search and videos find the library', () => {
  const add = glimpse(['add', lib, '--db', db, '--k', '2', '--json']);
  assert.equal(add.status, 0, add.stderr);
  const { videos } = JSON.parse(glimpse(['videos', '--db', db, '--json']).stdout) as { videos: { path: string }[] };
  assert.deepEqual(videos.map((v) => path.basename(v.path)).sort(), ['bars.mp4', 'mandel.mp4']);
  const show = JSON.parse(glimpse(['show', '1', '--db', db, '--json']).stdout) as {
    scans: { kind: string; frames: number }[];
    frames: unknown[];
  };
  assert.ok(
    show.scans.some((s) => s.kind === 'student' && s.frames > 0),
    `no student scan recorded: ${JSON.stringify(show).slice(0, 300)}`,
  );
  assert.ok(show.frames.length > 0, 'the frames the student looked at are stored');
  const search = glimpse(['search', 'person', '--db', db, '--json']);
  assert.equal(search.status, 0, search.stderr);
  assert.equal((JSON.parse(search.stdout) as { total: number }).total, 0, 'bars and a fractal carry no person');
  // every model is found in the app folder and a tfjs backend starts (the native ones are optional: not installed here)
  const doctor = glimpse(['doctor', '--db', db]);
  assert.equal(doctor.status, 0, doctor.stdout + doctor.stderr);
  assert.doesNotMatch(doctor.stdout + doctor.stderr, /MISSING|tsx/);
  assert.equal([...doctor.stdout.matchAll(/^model: +ok .*\((.*)\)$/gm)].filter((m) => m[1].startsWith(app)).length, 6);
});

test('glimpse serve serves the page and answers the API with its token', async () => {
  const child = spawn(process.execPath, [path.join(app, 'bin', 'glimpse.js'), 'serve', '--db', db, '--port', '0', '--json'], {
    cwd: tmp,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const { url, token } = await new Promise<{ url: string; token: string }>((resolve, reject) => {
      let out = '',
        err = '';
      child.stdout.on('data', (d) => {
        out += d;
        try {
          resolve(JSON.parse(out) as { url: string; token: string });
        } catch {
          /* the line is not complete yet */
        }
      });
      child.stderr.on('data', (d) => (err += d));
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
    });
    const origin = new URL(url).origin;
    const page = await fetch(`${origin}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="app"|<script type="module"/);
    const api = await fetch(`${origin}/api/library.search`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    assert.equal(api.status, 200);
    const body = (await api.json()) as { total: number };
    assert.equal(body.total, 2);
  } finally {
    await new Promise<void>((r) => {
      if (child.exitCode !== null) return r();
      child.once('exit', () => r());
      child.kill('SIGTERM');
    });
  }
});
