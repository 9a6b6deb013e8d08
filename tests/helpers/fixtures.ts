/**
 * Test videos made on the spot with ffmpeg's lavfi sources, so a fresh clone passes anywhere without the
 * team's clips. Every helper writes into a fresh temp folder that the caller removes.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TEST_OUTPUT = path.join(PROJECT_ROOT, 'test-output');

export function tempDir(prefix = 'glimpse-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Encode `seconds` of a lavfi source (e.g. `testsrc2=size=320x240:rate=25`) to `file`. */
export function makeVideo(file: string, opts: { source?: string; seconds?: number; args?: string[] } = {}): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const source = opts.source ?? 'testsrc2=size=320x240:rate=25';
  execFileSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      source,
      '-t',
      String(opts.seconds ?? 2),
      ...(opts.args ??
        (file.endsWith('.webm')
          ? ['-c:v', 'libvpx', '-b:v', '200k']
          : file.endsWith('.gif')
            ? []
            : ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'])),
      file,
    ],
    { stdio: 'pipe' },
  );
  return file;
}

/**
 * A small library: two synthetic pattern clips, a clip that shows a real person (a frame of a picture made
 * from lavfi cannot contain one, so this uses the bundled test image of @vladmandic/human when present),
 * a broken file, and a nested folder with a space and unicode in its name.
 */
export function makeLibrary(dir: string): { dir: string; videos: string[]; broken: string } {
  const videos = [
    makeVideo(path.join(dir, 'pattern one.mp4'), { seconds: 2 }),
    makeVideo(path.join(dir, 'sub dir', 'ünïcode clip.webm'), { source: 'mandelbrot=size=320x240:rate=10', seconds: 2 }),
  ];
  const person = personImage();
  if (person) {
    videos.push(
      makeVideo(path.join(dir, 'person.mp4'), {
        source: `movie=${person.replace(/[\\:',]/g, (c) => `\\${c}`)},loop=loop=-1:size=1,scale=640:-2,setpts=N/25/TB`,
        seconds: 2,
      }),
    );
  }
  const broken = path.join(dir, 'broken.mp4');
  fs.writeFileSync(broken, 'this is text, not a video');
  // A broken file that has sat there a while: a file modified seconds ago that does not probe is deferred as
  // "still being written" (index-service settle check), which is not what these libraries are about.
  const past = new Date(Date.now() - 60_000);
  fs.utimesSync(broken, past, past);
  return { dir, videos, broken };
}

/** A photo containing people, shipped inside an installed npm package (never downloaded). */
export function personImage(): string | null {
  const candidates = [
    path.join(PROJECT_ROOT, 'node_modules', '@vladmandic', 'human', 'assets', 'samples.jpg'),
    path.join(PROJECT_ROOT, 'node_modules', '@vladmandic', 'human', 'assets', 'screenshot-facedetect.jpg'),
  ];
  return candidates.find((c) => fs.existsSync(c)) ?? null;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the real `glimpse` bin in a child process. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'main', 'cli', 'bin.js'), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`glimpse ${args.join(' ')} timed out\n${stderr}`));
    }, opts.timeoutMs ?? 300_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/**
 * Resolves once this process (its main thread and worker threads) has used under 5% of a core for half a second, i.e.
 * a CNN pool started in the background is up and warm; rejects after `maxSeconds`.
 */
export async function processIdle(maxSeconds = 120): Promise<void> {
  for (let i = 0; i < maxSeconds * 2; i++) {
    const c0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 500));
    const c = process.cpuUsage(c0);
    if ((c.user + c.system) / 1e6 < 0.025) return;
  }
  throw new Error(`this process did not go idle within ${maxSeconds} s`);
}
