/**
 * The only module that talks to ffmpeg/ffprobe. fluent-ffmpeg's upstream was archived in 2025, so it stays
 * behind this file: everything else asks for probes and raw frames, never for command lines.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';

export interface ToolInfo { path: string; version: string }

function which(bin: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, bin);
    try { fs.accessSync(p, fs.constants.X_OK); return p; } catch { /* keep looking */ }
  }
  return null;
}

function toolInfo(envVar: string, bin: string): ToolInfo | null {
  const p = process.env[envVar] || which(bin);
  if (!p) return null;
  try {
    const out = execFileSync(p, ['-version'], { encoding: 'utf8', timeout: 10_000 });
    return { path: p, version: (/version (\S+)/.exec(out)?.[1]) ?? 'unknown' };
  } catch { return null; }
}

let tools: { ffmpeg: ToolInfo | null; ffprobe: ToolInfo | null } | null = null;

export function mediaTools(): { ffmpeg: ToolInfo | null; ffprobe: ToolInfo | null } {
  if (!tools) {
    tools = { ffmpeg: toolInfo('GLIMPSE_FFMPEG', 'ffmpeg'), ffprobe: toolInfo('GLIMPSE_FFPROBE', 'ffprobe') };
    if (tools.ffmpeg) ffmpeg.setFfmpegPath(tools.ffmpeg.path);
    if (tools.ffprobe) ffmpeg.setFfprobePath(tools.ffprobe.path);
  }
  return tools;
}

function requireTools(): void {
  const t = mediaTools();
  if (!t.ffmpeg || !t.ffprobe) {
    throw new Error('ffmpeg/ffprobe not found: install ffmpeg (e.g. `apt-get install ffmpeg`) or set GLIMPSE_FFMPEG and GLIMPSE_FFPROBE');
  }
}

export interface ProbeResult {
  durationS: number;
  width: number;
  height: number;
  fps: number | null;
  codec: string;
  hasAudio: boolean;
  rotation: number;
  frameCount: number | null;
}

/** A file that is not a usable video. The message is stored and shown to the user. */
export class MediaError extends Error {
  constructor(message: string) { super(message); this.name = 'MediaError'; }
}

function parseRate(r: string | undefined): number | null {
  if (!r) return null;
  const [n, d] = r.split('/').map(Number);
  const v = d ? n / d : n;
  return Number.isFinite(v) && v > 0 ? v : null;
}

/**
 * The words of ffmpeg's complaint without its decorations: `[mov,mp4 @ 0x55..] moov atom not found` and
 * `/path/x.mp4: Invalid data found when processing input` become `moov atom not found; Invalid data found...`.
 */
function ffmpegReason(stderr: string, file: string): string {
  const lines = stderr.split('\n').map((l) => l.replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/, '').split(`${file}: `).pop()!.trim()).filter(Boolean);
  return [...new Set(lines)].slice(-3).join('; ').slice(0, 300) || 'unreadable';
}

/**
 * Frames bigger than this are refused before decoding: one RGB frame of 16384² is 800 MB, and a corrupt header
 * can claim anything. 8K (7680x4320) is far below.
 */
export const MAX_PIXELS = 16384 * 16384;

interface FfprobeStream {
  codec_type?: string; codec_name?: string; width?: number; height?: number; duration?: string; nb_frames?: string;
  avg_frame_rate?: string; r_frame_rate?: string; disposition?: { attached_pic?: number };
  tags?: Record<string, string>; side_data_list?: { rotation?: number }[];
}

/**
 * ffprobe's own JSON (not fluent-ffmpeg's parser, which drops the display-matrix side data that carries the
 * rotation of phone videos).
 */
export async function probe(file: string): Promise<ProbeResult> {
  requireTools();
  let out: string;
  try {
    out = await run(mediaTools().ffprobe!.path, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file]);
  } catch (e) {
    throw new MediaError(`not a readable video: ${ffmpegReason((e as Error).message.replace(/^ffprobe failed: /, ''), file)}`);
  }
  let data: { streams?: FfprobeStream[]; format?: { duration?: string } };
  try { data = JSON.parse(out); } catch { throw new MediaError('not a readable video: ffprobe gave no answer'); }
  const streams = data.streams ?? [];
  const v = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!v) throw new MediaError(streams.some((s) => s.codec_type === 'audio') ? 'no video stream (audio-only file)' : 'no video stream (not a video)');
  const durationS = Number(v.duration) > 0 ? Number(v.duration) : Number(data.format?.duration);
  if (!(durationS > 0)) throw new MediaError('video has zero or unknown duration');
  const width = Number(v.width), height = Number(v.height);
  if (!(width > 0 && height > 0)) throw new MediaError('video stream has no picture size');
  if (width * height > MAX_PIXELS) throw new MediaError(`picture too large to decode safely: ${width}x${height}`);
  const sideRot = v.side_data_list?.find((d) => d.rotation !== undefined)?.rotation;
  // Display-matrix rotation is counter-clockwise and signed (-90 = a phone held upright); the legacy tag is clockwise.
  const rotation = sideRot !== undefined ? ((-sideRot % 360) + 360) % 360 : ((Number(v.tags?.rotate ?? 0) % 360) + 360) % 360;
  const nb = Number(v.nb_frames);
  return {
    durationS, width, height,
    fps: parseRate(v.avg_frame_rate) ?? parseRate(v.r_frame_rate),
    codec: v.codec_name ?? 'unknown',
    hasAudio: streams.some((s) => s.codec_type === 'audio'),
    rotation,
    frameCount: Number.isFinite(nb) && nb > 0 ? nb : null,
  };
}

export interface RawFrame { timeS: number; rgb: Uint8Array }

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
export async function framesAt(file: string, timesS: number[], size: number): Promise<RawFrame[]> {
  requireTools();
  const times = [...timesS].sort((a, b) => a - b);
  const conds = times.map((t) => (t <= 0 ? 'isnan(prev_pts)' : `gte(t\\,${t.toFixed(4)})*lt(prev_pts*TB\\,${t.toFixed(4)})`));
  // prev_pts is NAN on the first frame, so the comparisons above never pick it: when the stream starts after
  // the first target, that first frame is the one the target meant.
  const select = `select='${conds.join('+')}+isnan(prev_pts)*gte(t\\,${times[0].toFixed(4)})'`;
  // Every target may fall after the last frame (a clip of one or two frames, or a duration that overstates the stream).
  return orFirstFrame(file, size, decodeRaw(file, [select, 'showinfo', fitSquare(size)], size));
}

/** When a sampling filter let no frame through, the first frame is what the clip has to show. */
async function orFirstFrame(file: string, size: number, frames: Promise<RawFrame[]>): Promise<RawFrame[]> {
  try {
    return await frames;
  } catch (e) {
    if (!(e instanceof MediaError) || !/no frames could be decoded/.test(e.message)) throw e;
    return decodeRaw(file, ['showinfo', fitSquare(size)], size, 1);
  }
}

/** Every frame at `fps` (the teacher's sampling), at most `maxFrames`. */
export function framesAtRate(file: string, fps: number, maxFrames: number, size: number): Promise<RawFrame[]> {
  requireTools();
  // The fps filter gives nothing for a clip shorter than one output period.
  return orFirstFrame(file, size, decodeRaw(file, [`fps=${fps}`, 'showinfo', fitSquare(size)], size, maxFrames));
}

/**
 * One input-seeking ffmpeg per timestamp: for long videos this decodes about half a GOP per frame instead of the
 * whole file. A timestamp past the end yields nothing for that slot rather than an error.
 */
export async function framesBySeeking(file: string, timesS: number[], size: number): Promise<RawFrame[]> {
  requireTools();
  const out: RawFrame[] = [];
  for (const t of [...timesS].sort((a, b) => a - b)) {
    try {
      const [f] = await decodeRaw(file, ['showinfo', fitSquare(size)], size, 1, ['-ss', t.toFixed(3)]);
      if (f) out.push({ ...f, timeS: t + f.timeS }); // showinfo reports time relative to the seek point
    } catch (e) {
      if (!(e instanceof MediaError) || t === 0) throw e;
    }
  }
  if (!out.length) throw new MediaError('no frames could be decoded');
  return out;
}

/**
 * Upper bound on one decode (GLIMPSE_FFMPEG_TIMEOUT_S, default 600 s): a stuck or endless ffmpeg is killed and the
 * file reported, instead of holding its job forever. A full teacher decode of an hour of 1080p stays well below.
 */
function decodeTimeoutMs(): number {
  const s = Number(process.env.GLIMPSE_FFMPEG_TIMEOUT_S);
  return (Number.isFinite(s) && s > 0 ? s : 600) * 1000;
}

/**
 * Raw RGB frames on a pipe, with `showinfo` timestamps from stderr. This uses `spawn`, not fluent-ffmpeg: with
 * piped output fluent-ffmpeg reports an error whenever the process exits more than 20 ms after its stdout closes
 * (processor.js: "Output stream closed"), which happens under load — a finished, valid decode was stored as "could
 * not decode frames: video:1536kB audio:0kB …" (a CI run failed on it). Here the result is decided on 'close',
 * after both the exit code and every byte of output are in.
 */
function decodeRaw(file: string, filters: string[], size: number, maxFrames?: number, inputOptions: string[] = []): Promise<RawFrame[]> {
  return new Promise((resolve, reject) => {
    const frameBytes = size * size * 3;
    const chunks: Buffer[] = [];
    const times: number[] = [];
    let stderrTail = '', partial = '', timedOut = false;
    const args = ['-hide_banner', '-nostdin', '-nostats', ...inputOptions, '-i', file, '-an', '-sn', '-vf', filters.join(','),
      '-pix_fmt', 'rgb24', '-vsync', '0', ...(maxFrames ? ['-frames:v', String(maxFrames)] : []), '-f', 'rawvideo', 'pipe:1'];
    const proc = spawn(mediaTools().ffmpeg!.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => { timedOut = true; proc.kill('SIGKILL'); }, decodeTimeoutMs());
    proc.stdout.on('data', (c: Buffer) => chunks.push(c));
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const m = /\bn:\s*\d+\s.*?pts_time:\s*(-?[\d.]+)/.exec(line);
        if (m) times.push(Number(m[1]));
        else if (line.trim()) stderrTail = (stderrTail + '\n' + line).slice(-2000);
      }
    });
    proc.on('error', (e) => { clearTimeout(timer); reject(new MediaError(`could not start ffmpeg: ${e.message}`)); });
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return reject(new MediaError(`ffmpeg did not finish within ${decodeTimeoutMs() / 1000} s (GLIMPSE_FFMPEG_TIMEOUT_S)`));
      if (code !== 0) {
        return reject(new MediaError(`could not decode frames: ${ffmpegReason(stderrTail, file) || `ffmpeg exited with ${signal ?? `code ${code}`}`}`));
      }
      const buf = Buffer.concat(chunks);
      const n = Math.floor(buf.length / frameBytes);
      if (n === 0) return reject(new MediaError('no frames could be decoded'));
      const frames: RawFrame[] = [];
      for (let i = 0; i < n; i++) {
        frames.push({ timeS: times[i] ?? times[times.length - 1] ?? 0, rgb: new Uint8Array(buf.buffer, buf.byteOffset + i * frameBytes, frameBytes) });
      }
      resolve(frames);
    });
  });
}

/** A JPEG poster frame, `width` pixels wide, written atomically (a killed process never leaves half a file). */
export function writeThumbnail(file: string, timeS: number, outPath: string, width = 320): Promise<void> {
  requireTools();
  fs.mkdirSync(path.dirname(outPath), { recursive: true });
  const tmp = `${outPath}.${process.pid}.tmp.jpg`;
  return new Promise((resolve, reject) => {
    // writes a file (no pipe), so fluent-ffmpeg's output-stream race (see decodeRaw) does not apply; 60 s cap
    ffmpeg(file, { timeout: 60 })
      .seekInput(Math.max(0, timeS))
      .outputOptions(['-frames:v', '1', '-q:v', '4', '-an'])
      .videoFilters([`scale=${width}:-2`])
      .on('error', (err: Error) => { fs.rmSync(tmp, { force: true }); reject(new MediaError(`thumbnail failed: ${err.message.split('\n')[0]}`)); })
      .on('end', () => {
        try { fs.renameSync(tmp, outPath); resolve(); } catch (e) { reject(e as Error); }
      })
      .save(tmp);
  });
}

function run(bin: string, args: string[], maxBuffer = 64 << 20): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { encoding: 'utf8', maxBuffer, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new MediaError(`${path.basename(bin)} failed: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}

/** Presentation times of the keyframes, from the packet index alone (demuxing, no decoding). */
export async function keyframeTimes(file: string): Promise<number[]> {
  requireTools();
  const out = await run(mediaTools().ffprobe!.path, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', file]);
  const times: number[] = [];
  for (const line of out.split('\n')) {
    const [t, flags] = line.split(',');
    if (flags?.includes('K') && t !== 'N/A' && t !== '') times.push(Number(t));
  }
  return times.sort((a, b) => a - b);
}

/**
 * A strip of up to `count` keyframes spread over the video, `height` pixels high, side by side, as one JPEG
 * (written atomically). Only keyframes are decoded (`-skip_frame nokey`), so even a long video costs a few
 * decodes. Returns the number of frames in the strip.
 */
export async function writeKeyframeStrip(file: string, outPath: string, count = 8, height = 90): Promise<number> {
  requireTools();
  const keys = await keyframeTimes(file);
  if (!keys.length) throw new MediaError('no keyframes found');
  const n = Math.min(count, keys.length);
  // Indices among the keyframes (the decoder only ever sees those), evenly spread from first to last.
  const picks = [...new Set(Array.from({ length: n }, (_, i) => Math.round((i * (keys.length - 1)) / Math.max(1, n - 1))))];
  fs.mkdirSync(path.dirname(outPath), { recursive: true });
  const tmp = `${outPath}.${process.pid}.tmp.jpg`;
  try {
    await run(mediaTools().ffmpeg!.path, ['-v', 'error', '-y', '-skip_frame', 'nokey', '-i', file, '-an', '-sn',
      '-vf', `select='${picks.map((p) => `eq(n\\,${p})`).join('+')}',scale=-2:${height},tile=${picks.length}x1:padding=2`,
      '-frames:v', '1', '-fps_mode', 'passthrough', '-q:v', '5', tmp]);
    if (!fs.existsSync(tmp) || fs.statSync(tmp).size === 0) throw new MediaError('keyframe strip: no frames could be decoded');
    fs.renameSync(tmp, outPath);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return picks.length;
}

/**
 * Timestamps where the picture changes shot (ffmpeg's scene score above `threshold`), from a decode at 160 px
 * wide. With `keyframesOnly` only keyframes are decoded (~10× cheaper; cuts are placed at the keyframe after them).
 */
export async function sceneCuts(file: string, threshold = 0.3, keyframesOnly = false): Promise<number[]> {
  requireTools();
  const args = ['-hide_banner', '-nostats', ...(keyframesOnly ? ['-skip_frame', 'nokey'] : []), '-i', file, '-an', '-sn',
    '-vf', `scale=160:-2,select='gt(scene\\,${threshold})',showinfo`, '-f', 'null', '-'];
  const out = await new Promise<string>((resolve, reject) => {
    execFile(mediaTools().ffmpeg!.path, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 }, (err, _stdout, stderr) => {
      if (err) reject(new MediaError(`scene detection failed: ${ffmpegReason(stderr || err.message, file)}`));
      else resolve(stderr);
    });
  });
  const times: number[] = [];
  for (const m of out.matchAll(/\bn:\s*\d+\s.*?pts_time:\s*(-?[\d.]+)/g)) times.push(Number(m[1]));
  return times;
}
