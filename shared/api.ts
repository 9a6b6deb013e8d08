/**
 * The one typed API of the Glimpse engine. Electron IPC, the HTTP server (browser mode) and the CLI are
 * adapters over exactly this map: a channel name, a zod schema for its request, and the type of its result.
 * Requests are validated with these schemas at every process boundary, so a renderer can never hand the
 * engine a value the types did not promise.
 */
import { z } from 'zod';

export const ScanKind = z.enum(['student', 'teacher']);
export type ScanKind = z.infer<typeof ScanKind>;

const id = z.number().int().positive();
const absPath = z.string().min(1).max(4096);

export const Requests = {
  'library.addRoot': z.object({ path: absPath, scan: z.boolean().default(true) }),
  'library.removeRoot': z.object({ path: absPath }),
  'library.roots': z.object({}),
  'library.videos': z.object({
    tag: z.string().max(200).optional(),
    query: z.string().max(500).optional(),
    limit: z.number().int().min(1).max(100_000).default(200),
    offset: z.number().int().min(0).default(0),
  }),
  'library.video': z.object({ id }),
  'library.tags': z.object({}),
  'scan.start': z.object({ kind: ScanKind.default('student'), videoIds: z.array(id).max(100_000).optional() }),
  'jobs.list': z.object({}),
  'jobs.cancel': z.object({ id: z.string().max(64) }),
  'system.doctor': z.object({}),
} as const;

export type Channel = keyof typeof Requests;
export type RequestOf<C extends Channel> = z.input<(typeof Requests)[C]>;
export type ParsedRequestOf<C extends Channel> = z.output<(typeof Requests)[C]>;

export interface RootInfo { id: number; path: string; videoCount: number; addedAt: string }

export interface TagScore { tag: string; score: number; source: 'student' | 'teacher' | 'human' }

export interface VideoSummary {
  id: number;
  path: string;
  name: string;
  durationS: number | null;
  width: number | null;
  height: number | null;
  sizeBytes: number;
  status: 'pending' | 'ok' | 'error' | 'missing';
  error: string | null;
  tags: TagScore[];
  hasThumbnail: boolean;
}

export interface FrameInfo { index: number; timeS: number; detections: { tag: string; score: number }[] }

export interface ScanInfo {
  id: number;
  kind: ScanKind;
  model: string;
  frames: number;
  seconds: number;
  decodeSeconds: number;
  cnnSeconds: number;
  createdAt: string;
}

export interface VideoDetail extends VideoSummary {
  codec: string | null;
  fps: number | null;
  hasAudio: boolean;
  scans: ScanInfo[];
  frames: FrameInfo[];
}

export interface TagCount { tag: string; count: number }

export interface JobInfo {
  id: string;
  kind: string;
  state: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  done: number;
  total: number;
  etaS: number | null;
  message: string;
  error: string | null;
}

export interface DoctorReport {
  version: string;
  backend: { name: string; reason: string; tried: { name: string; ok: boolean; error?: string }[] };
  ffmpeg: { path: string; version: string } | null;
  ffprobe: { path: string; version: string } | null;
  models: { name: string; file: string; found: boolean }[];
  dbPath: string;
  cacheDir: string;
  node: string;
}

export interface Results {
  'library.addRoot': { root: RootInfo; jobId: string | null };
  'library.removeRoot': { removed: boolean };
  'library.roots': RootInfo[];
  'library.videos': { total: number; videos: VideoSummary[] };
  'library.video': VideoDetail;
  'library.tags': TagCount[];
  'scan.start': { jobId: string };
  'jobs.list': JobInfo[];
  'jobs.cancel': { cancelled: boolean };
  'system.doctor': DoctorReport;
}

/** Events pushed from the engine to every face (IPC `webContents.send`, SSE in browser mode, the CLI's bar). */
export type EngineEvent =
  | { type: 'job'; job: JobInfo }
  | { type: 'video'; videoId: number };

/** What a renderer holds: the same shape whether it talks to Electron's preload or to the HTTP server. */
export interface GlimpseClient {
  call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<Results[C]>;
  onEvent(listener: (event: EngineEvent) => void): () => void;
  /** URL of a video's thumbnail image, valid in the current face. */
  thumbnailUrl(videoId: number): string;
}

/** A failure the user can act on; the message is shown as-is. */
export interface ApiError { error: string; code: 'invalid' | 'not_found' | 'forbidden' | 'internal' }

export function parseRequest<C extends Channel>(channel: C, raw: unknown): ParsedRequestOf<C> {
  return Requests[channel].parse(raw ?? {}) as ParsedRequestOf<C>;
}

export function isChannel(name: string): name is Channel {
  return Object.prototype.hasOwnProperty.call(Requests, name);
}
