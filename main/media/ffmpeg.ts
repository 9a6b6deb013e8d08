/**
 * The only module that runs ffmpeg/ffprobe. Everything else asks for probes, raw frames and JPEGs, never for
 * command lines, and every run in here goes through one runner (`runFfmpeg` / `runFfprobe`): a timeout on every
 * call, an optional AbortSignal, and on either the process is killed (SIGTERM, then SIGKILL after KILL_GRACE_MS)
 * and the promise rejects, once the process is gone, with an error naming the file and the cause.
 *
 * Why `child_process.spawn` and not fluent-ffmpeg (the project card's library, dropped from package.json): fluent-ffmpeg
 * 2.1.3 cannot do timeout + abort cleanly. Its `timeout` option reports the error at once and sends one plain
 * SIGTERM with no SIGKILL after it (lib/processor.js), and an ffmpeg blocked opening a FIFO or a dead mount ignores
 * SIGTERM (ffmpeg 5.1, checked: still alive 2 s later), so the caller hears "timeout" while the process lives on
 * (upstream issues #482, #1303). It has no AbortSignal (PR #1288, never merged); `kill()` does nothing until the
 * process exists, and before that `run()` first spawns `ffmpeg -formats`/`-encoders` with no timeout; `ffprobe()`
 * returns nothing to cancel (issue #607) and has no timeout; and with piped output it reports "Output stream
 * closed" whenever ffmpeg exits more than 20 ms after its stdout closes, which under load stored a finished, valid
 * decode as broken (a CI run failed on it). The upstream repository is archived, so none of this will change.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { MediaToolSource } from '../../shared/api.ts';
import { envNumber } from '../core/env.ts';
import { tempPathFor } from '../core/atomic-write.ts';
import { bundledTool } from '../core/resources.ts';
import { rememberedVersion, rememberVersion } from './tool-versions.ts';

// ---------------------------------------------------------------------------------------------------------------
// Finding the tools

export interface ToolInfo {
  path: string;
  version: string;
  source: MediaToolSource;
  /** ffmpeg only: it understands `-fps_mode` (else `-vsync`) */
  fpsMode?: boolean;
}
export type Tool = 'ffmpeg' | 'ffprobe';

function which(bin: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, bin);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* keep looking */
    }
  }
  return null;
}

/**
 * `<tool> -version`, the one synchronous run (when the tools are first needed, and only for a binary this user's
 * Glimpse has not asked before: tool-versions.ts remembers the answer per binary): 10 s, then SIGKILL. Everything
 * else goes through `runTool`.
 */
function toolInfo(envVar: string, bin: Tool): ToolInfo | null {
  // The user's choice, else the system's (distribution builds get security updates and more codecs), else the
  // binary that ships in @ffmpeg-installer/@ffprobe-installer so that an install without ffmpeg still works.
  const candidates: [string | null | undefined, MediaToolSource][] = [
    [process.env[envVar], 'configured'],
    [which(bin), 'system'],
    [bundledTool(bin), 'bundled'],
  ];
  for (const [p, source] of candidates) {
    if (!p) continue;
    let text = rememberedVersion(p);
    if (text === null) {
      const r = spawnSync(p, ['-version'], {
        encoding: 'utf8',
        timeout: 10_000,
        killSignal: 'SIGKILL',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      if (r.error || r.status !== 0) {
        if (source === 'configured') return null; // a broken configured tool is reported, not silently replaced
        continue;
      }
      text = r.stdout.split('\n').slice(0, 3).join('\n'); // the version and copyright lines are all that is read
      rememberVersion(p, text);
    }
    return { path: p, version: /version (\S+)/.exec(text)?.[1] ?? 'unknown', source, fpsMode: hasFpsMode(text) };
  }
  return null;
}

/**
 * Whether this ffmpeg has `-fps_mode` (added in 5.1, which deprecated `-vsync`); the bundled fallback is a 2018
 * build (N-47683, ~4.1) that only knows `-vsync`. Release versions say `version 5.1.2`; git builds say
 * `version N-<commit count>-g<hash>`, dated by their copyright line (5.1 shipped in July 2022).
 */
export function hasFpsMode(versionText: string): boolean {
  const rel = /version n?(\d+)\.(\d+)/.exec(versionText);
  if (rel) return Number(rel[1]) > 5 || (Number(rel[1]) === 5 && Number(rel[2]) >= 1);
  const year = /Copyright \(c\) \d{4}-(\d{4})/.exec(versionText);
  return year ? Number(year[1]) >= 2023 : true;
}

let tools: { ffmpeg: ToolInfo | null; ffprobe: ToolInfo | null } | null = null;

export function mediaTools(): { ffmpeg: ToolInfo | null; ffprobe: ToolInfo | null } {
  tools ??= { ffmpeg: toolInfo('GLIMPSE_FFMPEG', 'ffmpeg'), ffprobe: toolInfo('GLIMPSE_FFPROBE', 'ffprobe') };
  return tools;
}

/** ffmpeg's "pass every frame through with its own timestamp" in the words this ffmpeg understands. */
function passthroughSync(): string[] {
  return mediaTools().ffmpeg?.fpsMode === false ? ['-vsync', 'passthrough'] : ['-fps_mode', 'passthrough'];
}

function toolPath(tool: Tool): string {
  const t = mediaTools();
  if (!t.ffmpeg || !t.ffprobe) {
    throw new MediaError(
      'ffmpeg/ffprobe not found: install ffmpeg (e.g. `apt-get install ffmpeg`) or set GLIMPSE_FFMPEG and GLIMPSE_FFPROBE',
      {
        retryable: true,
      },
    );
  }
  return t[tool]!.path;
}

// ---------------------------------------------------------------------------------------------------------------
// The runner

/**
 * A file that could not be used. The message is stored and shown to the user. `retryable` says whose doing it was:
 * false, the file's (ffmpeg says the data is invalid: a permanent error, shown in "Needs attention"); true, the
 * machine's (a timeout, a full disk, a permission, a missing tool: nothing is known about the file, so the next
 * scan or rescan tries it again and it is never marked broken).
 */
export class MediaError extends Error {
  readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options);
    this.name = 'MediaError';
    this.retryable = options?.retryable ?? false;
  }
}

/** errno codes that say the machine, not the file, failed (disk full, permissions, I/O, resources, missing tool). */
const ENVIRONMENT_CODES = new Set([
  'ENOSPC',
  'EDQUOT',
  'EACCES',
  'EPERM',
  'EIO',
  'EAGAIN',
  'EMFILE',
  'ENFILE',
  'ENOMEM',
  'ENOENT',
  'EBUSY',
  'EROFS',
]);

/** ffmpeg's words for the same: its output or input failed for a reason outside the file's data. */
const ENVIRONMENT_REASON =
  /No space left on device|Disk quota exceeded|Permission denied|Operation not permitted|Input\/output error|Read-only file system|Cannot allocate memory|Resource temporarily unavailable|Too many open files/i;

/**
 * Any failure of a media call as a MediaError with its classification, or null for what is neither the file's nor
 * the machine's (an abort, a bug: the caller rethrows those). Node's own errors (an ENOSPC writing a poster, an
 * EACCES opening the file) are environment failures, hence retryable.
 */
export function asMediaError(e: unknown): MediaError | null {
  if (e instanceof MediaError) return e;
  if (e instanceof FfmpegAbortError) return null;
  const code = (e as { code?: unknown } | null)?.code;
  if (e instanceof Error && typeof code === 'string' && ENVIRONMENT_CODES.has(code)) {
    return new MediaError(code === 'EACCES' || code === 'EPERM' ? `permission denied: ${e.message}` : e.message, {
      cause: e,
      retryable: true,
    });
  }
  return null;
}

/**
 * ffmpeg/ffprobe ran on `file` and did not succeed: it was killed at its timeout, or it exited with an error code
 * or a signal. A MediaError (the video is recorded and the scan goes on); retryable when it was killed at its
 * timeout (a busy machine, a hung mount) or its complaint is about the machine (disk full, permission denied),
 * permanent when ffmpeg found the data invalid.
 */
export class FfmpegError extends MediaError {
  constructor(
    message: string,
    readonly tool: Tool,
    readonly file: string,
    readonly failure: 'timeout' | 'exit',
    /** ffmpeg's complaint, cleaned (`ffmpegReason`); '' when it said nothing */
    readonly reason: string,
    /** the last stderr lines, raw */
    readonly stderrTail: string,
    readonly pid: number | undefined,
  ) {
    super(message, { retryable: failure === 'timeout' || ENVIRONMENT_REASON.test(reason) });
    this.name = 'FfmpegError';
  }
}

/** The caller aborted the run; nothing is known about the file, so this is not a MediaError. */
export class FfmpegAbortError extends Error {
  constructor(
    readonly tool: Tool,
    readonly file: string,
    readonly pid: number | undefined,
  ) {
    super(`${tool} aborted on ${file}${pid ? ' (process killed)' : ''}`);
    this.name = 'AbortError';
  }
}

/** After SIGTERM (ffmpeg's own clean stop), how long a process gets before SIGKILL. */
export const KILL_GRACE_MS = 1000;

export interface RunOptions {
  /** the media file this run reads: named in every error */
  file: string;
  /** the process is killed after this long and the run rejects with an FfmpegError of failure 'timeout' */
  timeoutMs: number;
  /** what sets the limit, named in the timeout error (e.g. the environment variable) */
  timeoutSetting?: string;
  /** aborting kills the process the same way and rejects with an FfmpegAbortError */
  signal?: AbortSignal;
  /**
   * 'buffer' (default): stdout is collected and returned; 'ignore': the output goes to a file or to `-f null`;
   * a function: each chunk is handed to it as it comes (nothing is collected, `stdout` of the result is empty)
   */
  stdout?: 'buffer' | 'ignore' | ((chunk: Buffer) => void);
  /** each stderr line as it comes (e.g. showinfo's timestamps); return true to leave it out of the error's tail */
  onStderrLine?: (line: string) => boolean | void;
  /** bytes written to the tool's standard input (e.g. raw RGB to encode); stdin is closed after them */
  stdin?: Uint8Array;
}

export interface RunResult {
  stdout: Buffer;
  stderrTail: string;
}

/**
 * The words of ffmpeg's complaint without its decorations: `[mov,mp4 @ 0x55..] moov atom not found` and
 * `/path/x.mp4: Invalid data found when processing input` become `moov atom not found; Invalid data found...`.
 */
function ffmpegReason(stderr: string, file: string): string {
  const lines = stderr
    .split('\n')
    .map((l) =>
      l
        .replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/, '')
        .split(`${file}: `)
        .pop()!
        .trim(),
    )
    .filter((l) => l && !FINAL_REPORT.test(l));
  const last = [...new Set(lines)].slice(-3);
  // A cause outside the file's data (a full disk under a decode that also writes JPEGs) is named even where later
  // lines crowd it out of the last three: it decides that the failure is retryable, not the file's.
  const environment = lines.filter((l) => ENVIRONMENT_REASON.test(l)).slice(-1);
  return [...new Set([...environment, ...last])].join('; ').slice(0, 300);
}

/** ffmpeg's closing statistics (printed at its default log level, which `showinfo` needs): never the reason. */
const FINAL_REPORT = /^(frame=\s*\d+ |video:\d+kB audio:)/;

/**
 * glibc malloc tunables ffmpeg and ffprobe run with (environment GLIBC_TUNABLES). Each fresh 4 KiB page costs a page
 * fault, and in a virtual machine those dominate a short ffmpeg (perf: half of a keyframe group's time was spent
 * zeroing new pages):
 * - `hugetlb=1` backs large allocations (a 1080p H.264 decoder's frame and motion tables, ~20 MB an input) with
 *   transparent huge pages where the kernel offers them on request (`madvise`, Debian's default);
 * - `mmap_threshold` 32 MiB (default: 128 KiB, rising as big blocks are freed) takes those allocations from the heap
 *   instead of a fresh mapping each, so a block freed and asked for again reuses pages already faulted in;
 * - `top_pad` 64 MiB grows the heap in large steps, which the huge pages can then cover.
 * Measured on this class of machine (perf stat, 5 runs), a keyframe group of 5 inputs on 10-min 1080p: 0.47 CPU-s and
 * 27,700 page faults with none, 0.33 CPU-s / 14,300 with `hugetlb` alone, 0.22 CPU-s / 3,800 with all three (wall
 * 0.30 → 0.20 s; peak memory 124 → 134 MB). Short real clips decode ~10% cheaper. Other C libraries and older glibc
 * ignore them.
 */
const TOOL_TUNABLES: [string, string][] = [
  ['glibc.malloc.hugetlb', '1'],
  ['glibc.malloc.mmap_threshold', String(32 << 20)],
  ['glibc.malloc.top_pad', String(64 << 20)],
];

/** The environment ffmpeg and ffprobe run in: ours plus `TOOL_TUNABLES`; a tunable the user set is kept as set. */
export function toolEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const set = env.GLIBC_TUNABLES ?? '';
  const mine = TOOL_TUNABLES.filter(([k]) => !set.split(':').some((t) => t.startsWith(`${k}=`))).map(([k, v]) => `${k}=${v}`);
  if (!mine.length) return env;
  return { ...env, GLIBC_TUNABLES: [set, ...mine].filter(Boolean).join(':') };
}

/** Runs of each tool this process started (`-version` checks aside): how many processes a piece of work costs. */
export const toolRuns: Record<Tool, number> = { ffmpeg: 0, ffprobe: 0 };

/**
 * Run a tool to completion. The outcome is decided on 'close', after the exit status and every byte of output are
 * in, so a process that exits a little after its stdout closes is not mistaken for a failure. A timed-out or aborted
 * run rejects only once the process is gone; a run that cannot even start (EAGAIN, EMFILE) rejects with a
 * retryable MediaError, since that is the machine's problem and not the file's.
 */
function runTool(tool: Tool, args: string[], o: RunOptions): Promise<RunResult> {
  const bin = toolPath(tool);
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) {
      reject(new FfmpegAbortError(tool, o.file, undefined));
      return;
    }
    toolRuns[tool]++;
    const proc = spawn(bin, args, {
      env: toolEnv(), // per run: a test or the user may change the environment after start
      stdio: [o.stdin ? 'pipe' : 'ignore', o.stdout === 'ignore' ? 'ignore' : 'pipe', 'pipe'],
    });
    if (o.stdin) {
      // An ffmpeg that fails early closes its stdin: the EPIPE is not the failure, its exit status says what was.
      proc.stdin!.on('error', () => {});
      proc.stdin!.end(o.stdin);
    }
    const chunks: Buffer[] = [];
    let tail = '',
      partial = '',
      settled = false;
    let stopped: 'timeout' | 'aborted' | null = null;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (why: 'timeout' | 'aborted') => {
      if (stopped || proc.exitCode !== null || proc.signalCode !== null) return; // already exited: let 'close' decide
      stopped = why;
      proc.kill('SIGTERM');
      killTimer = setTimeout(() => proc.kill('SIGKILL'), KILL_GRACE_MS);
    };
    const timer = setTimeout(() => stop('timeout'), o.timeoutMs);
    const onAbort = () => stop('aborted');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      o.signal?.removeEventListener('abort', onAbort);
      f();
    };
    const line = (l: string) => {
      if (!o.onStderrLine?.(l) && l.trim()) tail = (tail + '\n' + l).slice(-4000);
    };
    const onStdout = o.stdout;
    proc.stdout?.on('data', typeof onStdout === 'function' ? onStdout : (c: Buffer) => chunks.push(c));
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      lines.forEach(line);
    });
    proc.on('error', (e) =>
      settle(() => {
        if (proc.pid !== undefined) proc.kill('SIGKILL');
        reject(new MediaError(`could not run ${tool} on ${o.file}: ${e.message}`, { cause: e, retryable: true }));
      }),
    );
    proc.on('close', (code, signal) =>
      settle(() => {
        if (partial) line(partial);
        const stderrTail = tail.trim();
        if (stopped === 'aborted') return reject(new FfmpegAbortError(tool, o.file, proc.pid));
        const reason = ffmpegReason(stderrTail, o.file);
        if (stopped === 'timeout') {
          const limit = `${Math.round(o.timeoutMs / 100) / 10} s${o.timeoutSetting ? ` (${o.timeoutSetting})` : ''}`;
          return reject(
            new FfmpegError(
              `${tool} did not finish within ${limit} on ${o.file}: timeout, process killed`,
              tool,
              o.file,
              'timeout',
              reason,
              stderrTail,
              proc.pid,
            ),
          );
        }
        if (code !== 0) {
          const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
          return reject(
            new FfmpegError(
              `${tool} ${how} on ${o.file}${reason ? `: ${reason}` : ''}`,
              tool,
              o.file,
              'exit',
              reason,
              stderrTail,
              proc.pid,
            ),
          );
        }
        resolve({ stdout: Buffer.concat(chunks), stderrTail });
      }),
    );
  });
}

export function runFfmpeg(args: string[], o: RunOptions): Promise<RunResult> {
  return runTool('ffmpeg', ['-hide_banner', '-nostdin', '-nostats', ...args], o);
}

export function runFfprobe(args: string[], o: RunOptions): Promise<RunResult> {
  return runTool('ffprobe', ['-hide_banner', ...args], o);
}

/** Options of every media call below. */
export interface MediaCallOptions {
  /** aborting kills the ffmpeg/ffprobe at work and rejects with an FfmpegAbortError */
  signal?: AbortSignal;
  /** the video as probe saw it: a decode's time limit scales with the work this implies (`decodeLimit`) */
  video?: VideoGeometry;
  /** frames decoded so far by this call, as they come out of ffmpeg (a scan's progress inside one video) */
  onFrames?: (decoded: number) => void;
  /** JPEGs of every decoded frame, written by the decoding ffmpeg itself (see `FramePictures`) */
  pictures?: FramePictures;
}

/**
 * JPEGs of each frame a decode gives, written by the same ffmpeg as it decodes (into a folder of its own inside `dir`;
 * each `RawFrame.jpegs` names them): the picture area of the letterboxed frame, `area` (see `letterboxContent`),
 * scaled to at most each of `widths`. A scan's poster and frame pictures came from a second ffmpeg fed the decoded
 * frames; Debian's ffmpeg costs ~0.09 CPU-s to start (dynamic linking of ~200 libraries), a second process per video.
 * The JPEGs are those the second ffmpeg made, pixel for pixel (same RGB frames, same filters); the RGB frames are
 * unchanged, byte for byte.
 */
export interface FramePictures {
  dir: string;
  area: { x: number; y: number; w: number; h: number };
  widths: number[];
}

/**
 * Collects raw size×size RGB pictures from ffmpeg's stdout into one array each as the chunks come: no buffer of the
 * whole output concatenated at the end (a teacher's 300 frames at 512 px were 236 MB held twice at that moment).
 */
function frameSink(frameBytes: number) {
  const frames: Uint8Array[] = [];
  let cur: Uint8Array | null = null,
    filled = 0;
  return {
    frames,
    write(chunk: Buffer) {
      let at = 0;
      while (at < chunk.length) {
        cur ??= new Uint8Array(frameBytes);
        const n = Math.min(frameBytes - filled, chunk.length - at);
        cur.set(chunk.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === frameBytes) {
          frames.push(cur);
          cur = null;
          filled = 0;
        }
      }
    },
  };
}

/** What a decode's limit is scaled by: the probed length, picture size and frame rate of the video. */
export interface VideoGeometry {
  durationS: number;
  width: number;
  height: number;
  fps: number | null;
}

/** A poster frame: one seek and one decoded picture, small work on any sane file. */
const SHORT_TIMEOUT_MS = 120_000;

/** Base limit of one ffprobe run, in seconds (GLIMPSE_PROBE_TIMEOUT_S, default 30). */
const PROBE_LIMIT = 'GLIMPSE_PROBE_TIMEOUT_S';
/** How fast the slowest disk we expect (a USB 2 drive, a network share) delivers a file, in bytes per second. */
const SLOW_READ_BYTES_PER_S = 20e6;

/**
 * The limit of an ffprobe run on `file`, scaled to its work: the base (GLIMPSE_PROBE_TIMEOUT_S, default 30 s), plus
 * the time to read the whole file from a slow disk, since a header at the end (an mp4 without faststart) or a
 * packet listing reads all of it. A fixed 120 s was both too long for a 1 MB clip on a hung mount (the library
 * waited two minutes per file) and too short for a 40 GB recording listed packet by packet.
 */
export function probeTimeoutMs(file: string): number {
  const base = envNumber(PROBE_LIMIT, 30, { min: 0.001 }) * 1000;
  let size = 0;
  try {
    size = fs.statSync(file).size;
  } catch {
    /* unreadable or gone: ffprobe will say so, within the base limit */
  }
  return Math.round(base + (size / SLOW_READ_BYTES_PER_S) * 1000);
}

/** Base of every decode's limit, in seconds (GLIMPSE_FFMPEG_TIMEOUT_S, default 60): what a decode gets on top of its work. */
const DECODE_LIMIT = 'GLIMPSE_FFMPEG_TIMEOUT_S';
/**
 * How fast the slowest machine we expect decodes, in pixels per second: about 10 fps of 1080p, several times below
 * one core of a laptop decoding H.264 (60-200 fps), so a busy machine (this one runs four test suites on 2 cores) or
 * a heavier codec (HEVC, AV1) still fits.
 */
const SLOW_DECODE_PIXELS_PER_S = 20e6;
/** Each frame handed over (scaled to the CNN's square, converted to RGB, piped): generous for a loaded machine. */
const SLOW_MS_PER_FRAME_OUT = 100;
/** What an accurate seek may decode before its frame: up to a GOP (10 s covers common encoder settings). */
const SEEK_STRETCH_S = 10;

/** The work one decode is asked to do. */
export interface DecodeWork {
  /** frames asked for (each is scaled, converted and piped) */
  frames: number;
  /** seconds of the video the decoder goes through (a one-pass decode: the stretch it reads; a seek: about a GOP) */
  seconds: number;
}

/**
 * The limit of one decode, scaled to its work: the base (GLIMPSE_FFMPEG_TIMEOUT_S, default 60 s) plus reading its
 * stretch of the file from a slow disk, decoding that stretch (seconds × frame rate × picture size) on a slow
 * machine, and handing over the frames asked for. Without the probe's geometry only the file's size and the frames
 * count. A fixed 600 s let a hung decode of a 1 MB clip hold its job ten minutes, and could cut off a teacher decode
 * of long 4K on a slow machine. `setting` names how the limit was made, for the timeout error.
 */
export function decodeLimit(file: string, work: DecodeWork, video?: VideoGeometry): { ms: number; setting: string } {
  const base = envNumber(DECODE_LIMIT, 60, { min: 0.001 }) * 1000;
  let size = 0;
  try {
    size = fs.statSync(file).size;
  } catch {
    /* a pipe, or gone: ffmpeg will say so */
  }
  const known = video && video.durationS > 0 && video.width > 0 && video.height > 0 ? video : null;
  const seconds = known ? Math.min(work.seconds, known.durationS) : 0;
  const readMs = ((known ? size * (seconds / known.durationS) : size) / SLOW_READ_BYTES_PER_S) * 1000;
  const decodeMs = known ? ((seconds * (known.fps ?? 30) * known.width * known.height) / SLOW_DECODE_PIXELS_PER_S) * 1000 : 0;
  const extra = readMs + decodeMs + work.frames * SLOW_MS_PER_FRAME_OUT;
  const s = (ms: number) => `${Math.round(ms / 100) / 10} s`;
  const of = known ? `${Math.round(seconds * 10) / 10} s of ${known.width}x${known.height}` : `a ${Math.round(size / 1e5) / 10} MB file`;
  return {
    ms: Math.round(base + extra),
    setting: `${DECODE_LIMIT} ${s(base)} + ${s(extra)} for ${work.frames} frame${work.frames === 1 ? '' : 's'} from ${of}`,
  };
}

/** The runner's timeout options for a decode of `work`. */
function decodeTimeout(file: string, work: DecodeWork, o: MediaCallOptions): { timeoutMs: number; timeoutSetting: string } {
  const { ms, setting } = decodeLimit(file, work, o.video);
  return { timeoutMs: ms, timeoutSetting: setting };
}

/** The same failure with a message for the user (the runner's error stays its `cause`); timeouts and aborts as they are. */
function explain(e: unknown, what: string): unknown {
  return e instanceof FfmpegError && e.failure === 'exit'
    ? new MediaError(`${what}: ${e.reason || e.message}`, { cause: e, retryable: e.retryable })
    : e;
}

// ---------------------------------------------------------------------------------------------------------------
// Probing

export interface ProbeResult {
  durationS: number;
  width: number;
  height: number;
  fps: number | null;
  codec: string;
  hasAudio: boolean;
  rotation: number;
  frameCount: number | null;
  /** when the video was recorded (ISO 8601, UTC), from the container's or the video stream's tags; null when unknown */
  recordedAt: string | null;
}

function parseRate(r: string | undefined): number | null {
  if (!r) return null;
  const [n, d] = r.split('/').map(Number);
  const v = d ? n / d : n;
  return Number.isFinite(v) && v > 0 ? v : null;
}

/**
 * Frames bigger than this are refused before decoding: one RGB frame of 16384² is 800 MB, and a corrupt header
 * can claim anything. 8K (7680x4320) is far below.
 */
export const MAX_PIXELS = 16384 * 16384;

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  duration?: string;
  nb_frames?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: { rotation?: number }[];
}

/** ffprobe's standard output as text; a failure is explained as `what`. */
async function ffprobeText(args: string[], file: string, o: MediaCallOptions, what: string): Promise<string> {
  try {
    return (
      await runFfprobe(args, { file, timeoutMs: probeTimeoutMs(file), timeoutSetting: PROBE_LIMIT, signal: o.signal })
    ).stdout.toString('utf8');
  } catch (e) {
    throw explain(e, what);
  }
}

/**
 * What ffprobe said about a file, remembered while the file stays the same one (device, inode, size, modification
 * and change times) and the same ffprobe is configured: `glimpse add` probes every file while indexing and the scan
 * that follows would probe it again (0.3–0.5 s a file). Only successes are kept, so a failure (a file being written,
 * a timeout) is asked again; bounded, oldest out first.
 */
const probeMemo = new Map<string, ProbeResult>();
const PROBE_MEMO_MAX = 512;

function probeKey(file: string): string | null {
  const st = fs.statSync(file, { throwIfNoEntry: false, bigint: true });
  if (!st?.isFile()) return null;
  return [toolPath('ffprobe'), file, st.dev, st.ino, st.size, st.mtimeNs, st.ctimeNs].join('\0');
}

/** ffprobe's own JSON, including the display-matrix side data that carries the rotation of phone videos. */
export async function probe(file: string, o: MediaCallOptions = {}): Promise<ProbeResult> {
  let key: string | null = null;
  try {
    key = probeKey(file);
  } catch {
    /* unreadable metadata: ffprobe says why */
  }
  const known = key ? probeMemo.get(key) : undefined;
  if (known) return { ...known };
  const p = await probeFile(file, o);
  if (key) {
    if (probeMemo.size >= PROBE_MEMO_MAX) probeMemo.delete(probeMemo.keys().next().value!);
    probeMemo.set(key, p);
  }
  return { ...p };
}

async function probeFile(file: string, o: MediaCallOptions): Promise<ProbeResult> {
  const out = await ffprobeText(
    ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file],
    file,
    o,
    'not a readable video',
  );
  let data: { streams?: FfprobeStream[]; format?: { duration?: string; tags?: Record<string, string> } };
  try {
    data = JSON.parse(out);
  } catch {
    throw new MediaError('not a readable video: ffprobe gave no answer');
  }
  const streams = data.streams ?? [];
  const v = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!v)
    throw new MediaError(
      streams.some((s) => s.codec_type === 'audio') ? 'no video stream (audio-only file)' : 'no video stream (not a video)',
    );
  const durationS = Number(v.duration) > 0 ? Number(v.duration) : Number(data.format?.duration);
  if (!(durationS > 0)) throw new MediaError('video has zero or unknown duration');
  const codedW = Number(v.width),
    codedH = Number(v.height);
  if (!(codedW > 0 && codedH > 0)) throw new MediaError('video stream has no picture size');
  if (codedW * codedH > MAX_PIXELS) throw new MediaError(`picture too large to decode safely: ${codedW}x${codedH}`);
  const sideRot = v.side_data_list?.find((d) => d.rotation !== undefined)?.rotation;
  // Display-matrix rotation is counter-clockwise and signed (-90 = a phone held upright); the legacy tag is clockwise.
  const rotation = sideRot !== undefined ? ((-sideRot % 360) + 360) % 360 : ((Number(v.tags?.rotate ?? 0) % 360) + 360) % 360;
  // The size a person sees: ffmpeg applies the rotation when decoding (autorotate), so a phone video stored
  // 1920x1080 with rotation 90 plays, and is decoded, as 1080x1920; the library shows and sorts by that.
  const quarter = Math.round(rotation / 90) % 2 === 1;
  const width = quarter ? codedH : codedW,
    height = quarter ? codedW : codedH;
  const nb = Number(v.nb_frames);
  return {
    durationS,
    width,
    height,
    fps: parseRate(v.avg_frame_rate) ?? parseRate(v.r_frame_rate),
    codec: v.codec_name ?? 'unknown',
    hasAudio: streams.some((s) => s.codec_type === 'audio'),
    rotation,
    frameCount: Number.isFinite(nb) && nb > 0 ? nb : null,
    recordedAt: recordedAtOf(data.format?.tags, v.tags),
  };
}

/**
 * The moment a video was recorded, from the tags the one probe already read (no extra ffprobe run). Apple's
 * `com.apple.quicktime.creationdate` comes first: it is the capture time with the phone's zone, where
 * `creation_time` of an iPhone file edited or exported later can be the time of the export. Then the container's
 * `creation_time`, then the video stream's (some muxers only tag the track). Zero dates are no dates: a file written
 * without one says 1904-01-01 (QuickTime's epoch) or 1970-01-01, and a date far in the future is a camera whose
 * clock was never set; both would sort before or after every real video.
 */
export function recordedAtOf(
  formatTags: Record<string, string> | undefined,
  streamTags: Record<string, string> | undefined,
  now = Date.now(),
): string | null {
  const tag = (tags: Record<string, string> | undefined, name: string): string | undefined =>
    tags ? Object.entries(tags).find(([k]) => k.toLowerCase() === name)?.[1] : undefined;
  const candidates = [
    tag(formatTags, 'com.apple.quicktime.creationdate'),
    tag(formatTags, 'creation_time'),
    tag(streamTags, 'creation_time'),
  ];
  for (const raw of candidates) {
    if (!raw) continue;
    // "+0200" (QuickTime) is not a zone Date.parse reads everywhere; "+02:00" is.
    const ms = Date.parse(raw.trim().replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    if (Number.isFinite(ms) && ms >= Date.UTC(1971, 0, 1) && ms <= now + 2 * 86_400_000) return new Date(ms).toISOString();
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Raw frames

export interface RawFrame {
  /** the true presentation time of the decoded frame (showinfo's pts), not the time that was asked for */
  timeS: number;
  rgb: Uint8Array;
  /** the keyframe at or before the wanted time stands in for it (a cheap seek); absent: the frame at that time */
  keyframe?: boolean;
  /** with `MediaCallOptions.pictures`: the frame's JPEG at each of its widths, in order (absent when one is missing) */
  jpegs?: string[];
}

/**
 * The one picture geometry every frame CNN input gets: the whole frame scaled to fit a size×size square with its
 * aspect ratio kept, centred on black (letterbox). Squashing 16:9 into a square distorted every object; measured
 * on real frames, the detector's best score for the true class rose from 0.17 to 0.47 (laptop), 0.19 to 0.46 (dog).
 * Changing this changes every cached feature: bump FRAME_PIPELINE in main/ml/frame-cnn.ts with it.
 */
export function fitSquare(size: number): string {
  return `scale=${size}:${size}:force_original_aspect_ratio=decrease:flags=bilinear,pad=${size}:${size}:(ow-iw)/2:(oh-ih)/2:color=black`;
}

/**
 * Decode frames at the given timestamps as packed RGB (size×size, letterboxed by `fitSquare`).
 * One decode pass with a `select` filter picks the first frame at or after each timestamp; `showinfo` reports
 * the true time of every frame that came out, so VFR and short clips report what they really gave.
 */
export async function framesAt(file: string, timesS: number[], size: number, o: MediaCallOptions = {}): Promise<RawFrame[]> {
  const times = [...timesS].sort((a, b) => a - b);
  const conds = times.map((t) => (t <= 0 ? 'isnan(prev_pts)' : `gte(t\\,${t.toFixed(4)})*lt(prev_pts*TB\\,${t.toFixed(4)})`));
  // prev_pts is NAN on the first frame, so the comparisons above never pick it: when the stream starts after
  // the first target, that first frame is the one the target meant.
  const select = `select='${conds.join('+')}+isnan(prev_pts)*gte(t\\,${times[0].toFixed(4)})'`;
  // Every target may fall after the last frame (a clip of one or two frames, or a duration that overstates the stream).
  // One pass over the whole file: the select filter cannot know that no target is left.
  return orFirstFrame(
    file,
    size,
    o,
    decodeRaw(file, [select, 'showinfo', fitSquare(size)], size, o, { frames: times.length, seconds: Infinity }),
  );
}

/** When a sampling filter let no frame through, the first frame is what the clip has to show. */
async function orFirstFrame(file: string, size: number, o: MediaCallOptions, frames: Promise<RawFrame[]>): Promise<RawFrame[]> {
  try {
    return await frames;
  } catch (e) {
    if (!(e instanceof MediaError) || !/no frames could be decoded/.test(e.message)) throw e;
    return decodeRaw(file, ['showinfo', fitSquare(size)], size, o, { frames: 1, seconds: 0 }, 1);
  }
}

/** Every frame at `fps` (the teacher's sampling), at most `maxFrames`. */
export function framesAtRate(file: string, fps: number, maxFrames: number, size: number, o: MediaCallOptions = {}): Promise<RawFrame[]> {
  // The decode stops after maxFrames: it reads that stretch of the file, or all of a shorter one.
  const seconds = Math.min(maxFrames / fps, o.video?.durationS || Infinity);
  const work = { frames: Math.min(maxFrames, Math.ceil(seconds * fps) + 1), seconds };
  // The fps filter gives nothing for a clip shorter than one output period.
  return orFirstFrame(file, size, o, decodeRaw(file, [`fps=${fps}`, 'showinfo', fitSquare(size)], size, o, work, maxFrames));
}

/**
 * One input-seeking ffmpeg per timestamp: for long videos this decodes about half a GOP per frame instead of the
 * whole file. A timestamp past the end yields nothing for that slot rather than an error.
 */
export async function framesBySeeking(
  file: string,
  timesS: number[],
  size: number,
  o: MediaCallOptions & { onFrame?: (f: RawFrame) => void } = {},
): Promise<RawFrame[]> {
  const out: RawFrame[] = [];
  const { onFrame, ...rest } = o;
  const one = { ...rest, onFrames: undefined }; // counted here, one per seek
  for (const t of [...timesS].sort((a, b) => a - b)) {
    try {
      const [f] = await decodeRaw(file, ['showinfo', fitSquare(size)], size, one, { frames: 1, seconds: SEEK_STRETCH_S }, 1, [
        '-ss',
        t.toFixed(3),
      ]);
      if (f) {
        const frame = { ...f, timeS: t + f.timeS }; // showinfo reports time relative to the seek point
        out.push(frame);
        onFrame?.(frame);
      }
      o.onFrames?.(out.length);
    } catch (e) {
      // A stuck file is not retried k times over; an unreadable slot is skipped.
      if (!(e instanceof MediaError) || t === 0 || (e instanceof FfmpegError && e.failure === 'timeout')) throw e;
    }
  }
  if (!out.length) throw new MediaError('no frames could be decoded');
  return out;
}

/**
 * For each timestamp, the keyframe at or before it: the demuxer seeks to that keyframe (`-noaccurate_seek`) and
 * the decoder skips every other frame (`-skip_frame nokey`), so ONE frame is decoded per timestamp instead of
 * about half a GOP. `timeS` is the keyframe's true time (showinfo's pts). A slot is null when no frame came out
 * (a container that cannot seek, a stream without marked keyframes): the caller decodes those another way.
 *
 * Several timestamps share one ffmpeg (one input per timestamp, concatenated): starting ffmpeg costs ~0.2 CPU-s
 * (library loading) and dominated one-process-per-frame. Measured on 10-min 1080p H.264, k = 10: 3.1 CPU-s one
 * process per frame, 1.9 CPU-s in one process. Groups of KEYFRAME_GROUP bound the decoders alive at once (each
 * 1080p H.264 decoder holds ~20 MB). A group that fails is retried one timestamp at a time, so one bad seek
 * costs only its own slot. `onGroup` hears each group's slots as its ffmpeg ends (`first`: the index of its first).
 */
export async function keyframesAtOrBefore(
  file: string,
  timesS: number[],
  size: number,
  o: MediaCallOptions = {},
  onGroup?: (first: number, slots: (RawFrame | null)[]) => void,
): Promise<(RawFrame | null)[]> {
  const groups: number[][] = [];
  for (let i = 0; i < timesS.length; i += KEYFRAME_GROUP) groups.push(timesS.slice(i, i + KEYFRAME_GROUP));
  // The groups run side by side (KEYFRAME_PARALLEL at once): each ffmpeg is mostly start-up and one-frame decodes, a
  // single core's work, so a free core halves the wait for a long video's frames.
  const results: (RawFrame | null)[][] = new Array(groups.length);
  let next = 0,
    decoded = 0;
  const lane = async () => {
    while (next < groups.length) {
      const g = next++;
      results[g] = await keyframeGroupOrSingles(file, groups[g], size, o);
      decoded += results[g].filter(Boolean).length;
      o.onFrames?.(decoded);
      onGroup?.(g * KEYFRAME_GROUP, results[g]);
    }
  };
  // allSettled: when one lane fails, the other's ffmpeg is waited for, never left running behind the caller
  const lanes = await Promise.allSettled(Array.from({ length: Math.min(KEYFRAME_PARALLEL, groups.length) }, lane));
  const failed = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
  if (failed) throw failed.reason;
  return results.flat();
}

/** Inputs (hence decoders) per keyframe-seeking ffmpeg. */
export const KEYFRAME_GROUP = 5;
/** Keyframe-seeking ffmpegs run at once for one video (two: the CNN workers and the next videos' decodes use the rest). */
const KEYFRAME_PARALLEL = 2;

/** One group in one ffmpeg; when that fails, one timestamp at a time, so one bad seek costs only its own slot. */
async function keyframeGroupOrSingles(file: string, group: number[], size: number, o: MediaCallOptions): Promise<(RawFrame | null)[]> {
  if (group.length > 1) {
    try {
      return await keyframeGroup(file, group, size, o);
    } catch (e) {
      if (!(e instanceof MediaError) || (e instanceof FfmpegError && e.failure === 'timeout')) throw e;
    }
  }
  const frames: (RawFrame | null)[] = [];
  for (const t of group) {
    try {
      frames.push(...(await keyframeGroup(file, [t], size, o)));
    } catch (e) {
      if (!(e instanceof MediaError) || (e instanceof FfmpegError && e.failure === 'timeout')) throw e;
      frames.push(null);
    }
  }
  return frames;
}

const GROUP_SHOWINFO = /^\[showinfo@s(\d+) @ [^\]]*\].*?\bn:\s*\d+\s.*?pts_time:\s*(-?[\d.]+)/;

/** One ffmpeg: each timestamp an input seeked to its keyframe, one frame each, concatenated onto one raw pipe. */
async function keyframeGroup(file: string, times: number[], size: number, o: MediaCallOptions): Promise<(RawFrame | null)[]> {
  // -threads 1: each input decodes ONE frame, so a decoder's worker threads only cost their start and memory (measured
  // on 10-min 1080p H.264, 5 inputs: 0.57 vs 0.74 s wall, 0.64 vs 0.80 CPU-s, 119 vs 147 MB peak).
  const inputs = times.flatMap((t) => ['-threads', '1', '-skip_frame', 'nokey', '-ss', t.toFixed(3), '-noaccurate_seek', '-i', file]);
  // V (capital): the first video stream that is not cover art. setpts=N: each segment's one frame starts at 0, and the
  // raw muxer (passthrough) keeps every frame although all of them say 0; a JPEG output needs its own times (see
  // `picturesOutput`).
  const pictures = picturesOutput(o.pictures);
  const graph =
    times.map((_, j) => `[${j}:V:0]trim=end_frame=1,showinfo@s${j},setpts=N[v${j}];`).join('') +
    times.map((_, j) => `[v${j}]`).join('') +
    `concat=n=${times.length}:v=1:a=0,${fitSquare(size)}${pictures.graph}`;
  const rel = new Map<number, number>();
  const frameBytes = size * size * 3;
  const sink = frameSink(frameBytes);
  try {
    await runFfmpeg(
      [
        ...inputs,
        '-filter_complex',
        graph,
        '-map',
        '[out]',
        '-pix_fmt',
        'rgb24',
        ...passthroughSync(),
        '-f',
        'rawvideo',
        'pipe:1',
        ...pictures.args,
      ],
      {
        file,
        stdout: sink.write,
        // one keyframe per input (the decoder skips the rest): the seeks and the frames are the work
        ...decodeTimeout(file, { frames: times.length, seconds: 0 }, o),
        signal: o.signal,
        onStderrLine: (line) => {
          const m = GROUP_SHOWINFO.exec(line);
          if (m) rel.set(Number(m[1]), Number(m[2]));
          return !!m;
        },
      },
    );
  } catch (e) {
    throw explain(e, 'could not decode frames');
  }
  // frames come out in input order; showinfo says which inputs gave one (and its time relative to the seek)
  const gave = [...rel.keys()].sort((a, b) => a - b);
  if (sink.frames.length < gave.length) throw new MediaError('no frames could be decoded');
  return times.map((t, j) => {
    const n = gave.indexOf(j);
    if (n < 0) return null;
    return { timeS: Math.max(0, t + rel.get(j)!), rgb: sink.frames[n], keyframe: true, ...pictures.of(n) };
  });
}

const SHOWINFO = /\bn:\s*\d+\s.*?pts_time:\s*(-?[\d.]+)/;

/** A stderr line handler that collects the pts_time of every frame `showinfo` reports into `times` (and counts them). */
function showinfoTimes(times: number[], onFrames?: (decoded: number) => void): (line: string) => boolean {
  return (line) => {
    const m = SHOWINFO.exec(line);
    if (m) {
      times.push(Number(m[1]));
      onFrames?.(times.length);
    }
    return !!m;
  };
}

/** Raw RGB frames on a pipe, with `showinfo` timestamps from stderr; the limit is scaled to `work`. */
async function decodeRaw(
  file: string,
  filters: string[],
  size: number,
  o: MediaCallOptions,
  work: DecodeWork,
  maxFrames?: number,
  inputOptions: string[] = [],
): Promise<RawFrame[]> {
  const frameBytes = size * size * 3;
  const times: number[] = [];
  const pictures = picturesOutput(o.pictures, maxFrames);
  // V (capital): the first video stream that is not cover art, the one probe describes
  const args = [
    ...inputOptions,
    '-i',
    file,
    '-filter_complex',
    `[0:V:0]${filters.join(',')}${pictures.graph}`,
    '-map',
    '[out]',
    '-pix_fmt',
    'rgb24',
    ...passthroughSync(),
    ...(maxFrames ? ['-frames:v', String(maxFrames)] : []),
    '-f',
    'rawvideo',
    'pipe:1',
    ...pictures.args,
  ];
  const sink = frameSink(frameBytes);
  try {
    await runFfmpeg(args, {
      file,
      ...decodeTimeout(file, work, o),
      signal: o.signal,
      stdout: sink.write,
      onStderrLine: showinfoTimes(times, o.onFrames),
    });
  } catch (e) {
    throw explain(e, 'could not decode frames');
  }
  if (!sink.frames.length) throw new MediaError('no frames could be decoded');
  return sink.frames.map((rgb, i) => ({ timeS: times[i] ?? times[times.length - 1] ?? 0, rgb, ...pictures.of(i) }));
}

/**
 * The end of a decode's filter graph (after its last filter; the raw frames come out of `[out]`) and the outputs
 * that write `FramePictures`, in a new folder inside `p.dir`. The frames are made RGB before the split, as the raw
 * output asks anyway, so the JPEG encoders see the very pixels the CNN gets. `of(n)`: output frame n's JPEGs, once
 * ffmpeg has ended. A JPEG that cannot be written fails the decode (a full disk is reported as such).
 */
function picturesOutput(p: FramePictures | undefined, maxFrames?: number) {
  if (!p?.widths.length) return { graph: '[out]', args: [] as string[], of: () => ({}) };
  fs.mkdirSync(p.dir, { recursive: true }); // the cache may have been cleared since the scan made it
  const dir = fs.mkdtempSync(path.join(p.dir, 'd'));
  const labels = p.widths.map((_, i) => `j${i}`);
  const graph =
    `,format=rgb24,split=${labels.length + 1}[out]${labels.map((l) => `[${l}]`).join('')};` +
    // setpts=N/TB (frame n at n seconds): the JPEG encoder refuses a frame whose time is not after the last one's, and
    // a keyframe group's concatenated one-frame segments all say 0 (the raw output keeps them all; the encoder would
    // fail the decode). Whole seconds, as a tick of the filter's time base can round to 0 in the encoder's.
    p.widths.map((width, i) => `[${labels[i]}]setpts=N/TB,${cropFilter({ area: p.area, width })}[${labels[i]}o]`).join(';');
  const args = p.widths.flatMap((_, i) => [
    '-map',
    `[${labels[i]}o]`,
    '-q:v',
    '4',
    ...passthroughSync(),
    ...(maxFrames ? ['-frames:v', String(maxFrames)] : []),
    '-start_number',
    '0',
    path.join(dir, `w${i}-%d.jpg`),
  ]);
  const of = (n: number): { jpegs?: string[] } => {
    // `w`: never a name like `<video id>-….jpg`, which the cache's orphan sweep reads as a video's file
    const jpegs = p.widths.map((_, i) => path.join(dir, `w${i}-${n}.jpg`));
    return jpegs.every((f) => fs.statSync(f, { throwIfNoEntry: false })?.size) ? { jpegs } : {};
  };
  return { graph, args, of };
}

// ---------------------------------------------------------------------------------------------------------------
// Pictures and analysis

/** A JPEG poster frame, `width` pixels wide, written atomically (a killed process never leaves half a file). */
export async function writeThumbnail(file: string, timeS: number, outPath: string, width = 320, o: MediaCallOptions = {}): Promise<void> {
  fs.mkdirSync(path.dirname(outPath), { recursive: true });
  const tmp = `${outPath}.${process.pid}.tmp.jpg`;
  try {
    await runFfmpeg(
      [
        '-v',
        'error',
        '-y',
        '-ss',
        Math.max(0, timeS).toFixed(3),
        '-i',
        file,
        '-an',
        '-sn',
        '-vf',
        `scale=${width}:-2`,
        '-frames:v',
        '1',
        '-q:v',
        '4',
        '-update',
        '1',
        tmp,
      ],
      { file, timeoutMs: SHORT_TIMEOUT_MS, signal: o.signal, stdout: 'ignore' },
    );
    if (!fs.statSync(tmp, { throwIfNoEntry: false })?.size) throw new MediaError(`thumbnail failed: no frame at ${timeS.toFixed(2)} s`);
    fs.renameSync(tmp, outPath);
  } catch (e) {
    throw explain(e, 'thumbnail failed');
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Where the picture sits inside a `fitSquare(size)` frame of a `width`×`height` video (as displayed and decoded, i.e.
 * after rotation; probe reports that size): the same arithmetic as ffmpeg's scale (force_original_aspect_ratio=
 * decrease rounds to nearest) and pad (centred, offset truncated).
 */
export function letterboxContent(width: number, height: number, size: number): { x: number; y: number; w: number; h: number } {
  const w = Math.min(size, Math.round((size * width) / height));
  const h = Math.min(size, Math.round((size * height) / width));
  return { x: Math.floor((size - w) / 2), y: Math.floor((size - h) / 2), w, h };
}

/** A crop of a letterboxed frame and the width its JPEG is scaled to (at most). */
interface JpegCrop {
  area: { x: number; y: number; w: number; h: number };
  width: number;
}

/** ffmpeg's filter for a `JpegCrop`: even sizes, since the JPEG encoder's 4:2:0 chroma wants them. */
function cropFilter(c: JpegCrop): string {
  const { x, y, w, h } = c.area;
  return `crop=${w - (w % 2)}:${h - (h % 2)}:${x}:${y},scale='min(${c.width},iw)':-2`;
}

/** A poster written by the same ffmpeg as the frame pictures: frame `index`, cropped and scaled its own way. */
export interface PosterJpeg extends JpegCrop {
  index: number;
  outPath: string;
}

/**
 * JPEGs of frames already decoded for the CNN (`size`×`size` RGB, letterboxed by `fitSquare`), cropped to `area` and
 * scaled to at most `width` wide, and, with `o.poster`, the poster from one of them: ONE ffmpeg encodes them all
 * from stdin and never reads the video again (starting Debian's ffmpeg alone costs ~0.2 CPU-s, so a scan runs one
 * encoder per video, not two). The poster and the frame pictures a video's page shows are written at scan time this
 * way. Each file is renamed into place whole, so a killed scan leaves no half JPEG.
 */
export async function writeFrameJpegs(
  frames: Uint8Array[],
  size: number,
  area: { x: number; y: number; w: number; h: number },
  outPaths: string[],
  width = 240,
  o: MediaCallOptions & { failure?: string; poster?: PosterJpeg } = {},
): Promise<void> {
  const poster = o.poster;
  if (!poster && !outPaths.length) return;
  // without frame pictures, only the poster's frame goes to ffmpeg
  const input = outPaths.length ? frames : [frames[poster!.index]];
  const dir = path.dirname(outPaths[0] ?? poster!.outPath);
  fs.mkdirSync(dir, { recursive: true });
  if (poster) fs.mkdirSync(path.dirname(poster.outPath), { recursive: true });
  const tmp = tempPathFor(path.join(dir, 'frames')); // a name the start-up sweep removes if this process is killed
  fs.mkdirSync(tmp);
  const framesOut = ['-q:v', '4', '-start_number', '0', path.join(tmp, '%d.jpg')];
  const posterOut = ['-q:v', '4', '-frames:v', '1', '-update', '1', path.join(tmp, 'poster.jpg')];
  const encode = !poster
    ? ['-vf', cropFilter({ area, width }), ...framesOut]
    : !outPaths.length
      ? ['-vf', cropFilter(poster), ...posterOut]
      : [
          '-filter_complex',
          `[0:v]split=2[a][b];[a]${cropFilter({ area, width })}[f];[b]select='eq(n\\,${poster.index})',${cropFilter(poster)}[p]`,
          '-map',
          '[f]',
          ...framesOut,
          '-map',
          '[p]',
          ...posterOut,
        ];
  try {
    await runFfmpeg(['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${size}x${size}`, '-i', 'pipe:0', ...encode], {
      file: outPaths[0] ?? poster!.outPath,
      timeoutMs: SHORT_TIMEOUT_MS,
      signal: o.signal,
      stdout: 'ignore',
      stdin: Buffer.concat(input),
    });
    const made = (f: string, what: string) => {
      if (!fs.statSync(f, { throwIfNoEntry: false })?.size) throw new MediaError(`${what}: the encoder wrote nothing`);
      return f;
    };
    // the poster first: it is what the scan cannot do without
    if (poster) fs.renameSync(made(path.join(tmp, 'poster.jpg'), 'thumbnail failed'), poster.outPath);
    outPaths.forEach((out, i) => fs.renameSync(made(path.join(tmp, `${i}.jpg`), o.failure ?? 'frame pictures failed'), out));
  } catch (e) {
    throw explain(e, o.failure ?? (poster ? 'thumbnail failed' : 'frame pictures failed'));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The poster of a video from a frame that was already decoded: the letterbox (and any black edge ffmpeg's rounding
 * left) is cropped away so the poster has the video's shape (`video` is the displayed size, as probe reports it).
 */
export function posterJpeg(
  frames: Uint8Array[],
  index: number,
  size: number,
  video: { width: number; height: number },
  outPath: string,
  width = 320,
): PosterJpeg {
  return { index, outPath, width, area: trimBlackEdges(frames[index], size, letterboxContent(video.width, video.height, size)) };
}

/** A JPEG poster from a frame that was already decoded (see `posterJpeg`). */
export function writePosterFromFrame(
  rgb: Uint8Array,
  size: number,
  video: { width: number; height: number },
  outPath: string,
  width = 320,
  o: MediaCallOptions = {},
): Promise<void> {
  return writeFrameJpegs([rgb], size, { x: 0, y: 0, w: size, h: size }, [], width, {
    ...o,
    poster: posterJpeg([rgb], 0, size, video, outPath, width),
  });
}

/**
 * The computed picture area less any all-black rows and columns (at most 2 on each padded side) left at its
 * edges: ffmpeg rounds the pad offset to the chroma grid, so the arithmetic can be a pixel off, and a black line
 * along a poster's edge looks broken.
 */
function trimBlackEdges(rgb: Uint8Array, size: number, c: { x: number; y: number; w: number; h: number }): typeof c {
  const black = (x0: number, y0: number, dx: number, dy: number, n: number) => {
    for (let i = 0; i < n; i++) {
      const p = ((y0 + i * dy) * size + x0 + i * dx) * 3;
      if (rgb[p] > 8 || rgb[p + 1] > 8 || rgb[p + 2] > 8) return false;
    }
    return true;
  };
  let { x, y, w, h } = c;
  if (h < size)
    for (let n = 0; n < 2 && h > 2; n++) {
      if (black(x, y, 1, 0, w)) (y++, h--);
      if (black(x, y + h - 1, 1, 0, w)) h--;
    }
  if (w < size)
    for (let n = 0; n < 2 && w > 2; n++) {
      if (black(x, y, 0, 1, h)) (x++, w--);
      if (black(x + w - 1, y, 0, 1, h)) w--;
    }
  return { x, y, w, h };
}

/** Presentation times of the keyframes, from the packet index alone (demuxing, no decoding). */
export async function keyframeTimes(file: string, o: MediaCallOptions = {}): Promise<number[]> {
  const out = await ffprobeText(
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', file],
    file,
    o,
    'could not list keyframes',
  );
  const times: number[] = [];
  for (const line of out.split('\n')) {
    const [t, flags] = line.split(',');
    if (flags?.includes('K') && t !== 'N/A' && t !== '') times.push(Number(t));
  }
  return times.sort((a, b) => a - b);
}

/**
 * Timestamps where the picture changes shot (ffmpeg's scene score above `threshold`), from a decode at 160 px
 * wide. With `keyframesOnly` only keyframes are decoded (~10× cheaper; cuts are placed at the keyframe after them).
 */
export async function sceneCuts(file: string, threshold = 0.3, keyframesOnly = false, o: MediaCallOptions = {}): Promise<number[]> {
  const times: number[] = [];
  try {
    await runFfmpeg(
      [
        ...(keyframesOnly ? ['-skip_frame', 'nokey'] : []),
        '-i',
        file,
        '-an',
        '-sn',
        '-vf',
        `scale=160:-2,select='gt(scene\\,${threshold})',showinfo`,
        '-f',
        'null',
        '-',
      ],
      {
        file,
        // the whole file goes through the decoder (an upper bound when only keyframes are decoded)
        ...decodeTimeout(file, { frames: 0, seconds: Infinity }, o),
        signal: o.signal,
        stdout: 'ignore',
        onStderrLine: showinfoTimes(times),
      },
    );
  } catch (e) {
    throw explain(e, 'scene detection failed');
  }
  return times;
}
