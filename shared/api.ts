/**
 * The one typed API of the Glimpse engine. Electron IPC, the HTTP server (browser mode) and the CLI are
 * adapters over exactly this map: a channel name, a zod schema for its request, and the type of its result.
 * Requests are validated with these schemas at every process boundary, so a renderer can never hand the
 * engine a value the types did not promise.
 */
import { z } from 'zod';
import { isDateBound } from './date-range.ts';

export const ScanKind = z.enum(['student', 'teacher']);
export const ModelFamily = z.enum(['evidence', 'hrnn', 'netvlad', 'nextvlad']);
export type ModelFamily = z.infer<typeof ModelFamily>;
export type ScanKind = z.infer<typeof ScanKind>;

const id = z.number().int().positive();
/**
 * Text no request can ever need a NUL character in (a path, a tag, a query, a job id): refused here, at the one
 * boundary every face goes through, as an `invalid` request (HTTP 400) rather than failing deeper down.
 */
const NO_NUL = /^[^\0]*$/;
const NUL_MESSAGE = 'must not contain NUL characters';
const text = (max: number) => z.string().max(max).regex(NO_NUL, NUL_MESSAGE);
const tagName = z.string().trim().min(1).max(100).regex(NO_NUL, NUL_MESSAGE);
const absPath = z.string().min(1).max(4096).regex(NO_NUL, NUL_MESSAGE);
const jobId = text(64);
/**
 * A bound of a date filter: a day (`2021-06-01`, the whole day in the engine's local time) or a moment in ISO 8601.
 * The engine turns both into the UTC instants the store compares (shared/date-range.ts).
 */
const dateBound = z
  .string()
  .max(40)
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/, 'must be a date (YYYY-MM-DD) or an ISO 8601 time')
  .refine(isDateBound, 'is not a real date');

export const Requests = {
  'library.addRoot': z.object({ path: absPath, scan: z.boolean().default(true) }),
  'library.removeRoot': z.object({ path: absPath }),
  'library.roots': z.object({}),
  'library.videos': z.object({
    tag: text(200).optional(),
    query: text(500).optional(),
    limit: z.number().int().min(1).max(100_000).default(200),
    offset: z.number().int().min(0).default(0),
  }),
  'library.video': z.object({ id }),
  'library.tags': z.object({}),
  'scan.start': z.object({
    kind: ScanKind.default('student'),
    videoIds: z.array(id).max(100_000).optional(),
    /** without videoIds, a teacher scan skips videos that already have a current teacher scan unless this is true */
    force: z.boolean().default(false),
  }),
  'jobs.list': z.object({}),
  'jobs.cancel': z.object({ id: jobId }),
  'jobs.pause': z.object({ id: jobId }),
  'jobs.resume': z.object({ id: jobId }),
  'library.rescan': z.object({ rootIds: z.array(id).max(10_000).optional(), scan: z.boolean().default(true) }),
  'library.errors': z.object({}),
  /** Missing videos that carry human tags are only forgotten with `confirm` (their tags cannot be regenerated). */
  'library.prune': z.object({ confirm: z.boolean().default(false) }),
  'library.watchStatus': z.object({}),
  'system.doctor': z.object({}),
  // Renderer channels (search, edit, export, settings, compare); main/engine/engine.ts routes each to its service.
  'library.search': z.object({
    q: text(1000).default(''),
    /**
     * date = file modified; recorded = when it was filmed (the file's own tags; unknown last either way); added = first
     * indexed; resolution = width × height; size = bytes on disk
     */
    sort: z.enum(['name', 'date', 'duration', 'confidence', 'added', 'resolution', 'size', 'recorded']).default('name'),
    dir: z.enum(['asc', 'desc']).default('asc'),
    folder: text(4096).optional(),
    minDurationS: z.number().min(0).optional(),
    maxDurationS: z.number().min(0).optional(),
    attention: z.boolean().default(false),
    /** recorded on or after / on or before (a day counts whole); videos with no known date are left out by either */
    recordedFrom: dateBound.optional(),
    recordedTo: dateBound.optional(),
    /** first indexed on or after / on or before */
    addedFrom: dateBound.optional(),
    addedTo: dateBound.optional(),
    /**
     * at least this many lines (720, 1080, 2160 for 4K) on the short side, or the matching 16:9 width on the long
     * side (a 1920×800 film is 1080p); videos of unknown size are left out
     */
    minResolution: z.number().int().min(1).max(20_000).optional(),
    minSizeBytes: z.number().int().min(0).optional(),
    maxSizeBytes: z.number().int().min(0).optional(),
    /** only tags at least this sure count (tag terms, facets, the card's confidence); human tags always do */
    minConfidence: z.number().min(0).max(1).optional(),
    facets: z.boolean().default(false),
    limit: z.number().int().min(1).max(1000).default(100),
    offset: z.number().int().min(0).default(0),
    /** `next` of the page before: this page continues right after it (offset is ignored); deep pages cost what the first does */
    cursor: text(4096).optional(),
  }),
  'tags.edit': z.object({
    videoIds: z.array(id).min(1).max(100_000),
    add: z.array(tagName).max(50).default([]),
    remove: z.array(tagName).max(50).default([]),
    /** undo a removal: the person's "no" goes, so the models' prediction (or the person's own earlier tag) counts again */
    restore: z.array(tagName).max(50).default([]),
  }),
  'tags.rename': z.object({ from: tagName, to: tagName }),
  'tags.undo': z.object({}),
  'tags.export': z.object({ format: z.enum(['csv', 'json']) }),
  'settings.get': z.object({}),
  'settings.set': z.object({ k: z.number().int().min(1).max(300).optional(), family: ModelFamily.nullable().optional() }),
  'cache.info': z.object({}),
  'cache.clear': z.object({}),
  'compare.summary': z.object({}),
  // Models (main/engine/model-service.ts): the video models that turn frame features into tags.
  'models.info': z.object({}),
  'train.start': z.object({
    family: ModelFamily.optional(),
    k: z.number().int().min(1).max(300).optional(),
    epochs: z.number().int().min(1).max(500).optional(),
  }),
  'labels.import': z.object({ csvPath: absPath }),
  /** Tags nobody has decided on that a person should look at: low confidence, or no looked-at frame shows them. */
  'review.queue': z.object({ limit: z.number().int().min(1).max(1000).default(200) }),
  // Tags page: delete a tag from every video (a human "no" on each, undoable like any edit).
  'tags.delete': z.object({ tag: tagName }),
  // Browser-mode folder picker: sub-folders of a folder inside the home folder or a library root (no files).
  'fs.listFolders': z.object({ path: absPath.optional(), hidden: z.boolean().default(false) }),
} as const;

export type Channel = keyof typeof Requests;
export type RequestOf<C extends Channel> = z.input<(typeof Requests)[C]>;
export type ParsedRequestOf<C extends Channel> = z.output<(typeof Requests)[C]>;

export interface RootInfo {
  id: number;
  path: string;
  videoCount: number;
  addedAt: string;
  /** why the last index in this process did not reach the folder (unmounted drive…); absent or null: it did */
  unreachable?: string | null;
}

export interface TagScore {
  tag: string;
  /** stored score: ≥ 0.5 (TAG_THRESHOLD) = tagged; for a human row 1 (yes) or 0 (no), not a confidence */
  score: number;
  source: 'student' | 'teacher' | 'human';
  /**
   * The confidence shown to a person (card, chip, detail): the model's estimated probability that the tag appears
   * somewhere in the video. Null for a human tag: it is the person's, not a guess.
   */
  probability?: number | null;
  /** the probability a prediction of this model must reach to be shown as a tag (null for a human tag) */
  threshold?: number | null;
}

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
  /** when it was recorded (ISO 8601 UTC, from the file's tags), null when unknown */
  recordedAt: string | null;
  /** frames the student looked at, with a picture each (frameUrl 0..n-1): what a card previews on hover */
  previewFrames: number;
}

export interface FrameInfo {
  index: number;
  timeS: number;
  detections: { tag: string; score: number }[];
}

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

/** A looked-at frame whose detector score for a tag reaches the tag line: where to look for it. */
export interface TagMoment {
  timeS: number;
  score: number;
  kind: ScanKind;
  /** the frame's index in its scan (student frames have a JPEG at frameUrl) */
  index: number;
}

export interface VideoDetail extends VideoSummary {
  codec: string | null;
  fps: number | null;
  hasAudio: boolean;
  scans: ScanInfo[];
  frames: FrameInfo[];
  /** per tag shown (and per removed tag), the frames of the student's and the teacher's scans that support it, by time */
  moments: Record<string, TagMoment[]>;
  /** tags a person removed (a human "no"): shown so they can be restored */
  removed: string[];
}

/** One tag for a person to confirm or reject. */
export interface ReviewItem {
  videoId: number;
  name: string;
  tag: TagScore;
  /** 'low': below the low-confidence line; 'no-frame': no looked-at frame shows it clearly */
  reasons: ('low' | 'no-frame')[];
  /** the frame that shows the tag best, if any frame reaches the line */
  best: TagMoment | null;
  hasThumbnail: boolean;
}

export interface TagCount {
  tag: string;
  count: number;
}

export interface JobInfo {
  id: string;
  kind: string;
  /** paused: stopped at a checkpoint, gave the queue to the next job, continues when resumed (cancel never does) */
  state: 'queued' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';
  /** units finished (videos, files), plus the finished fraction of the one under way: may be fractional */
  done: number;
  total: number;
  etaS: number | null;
  message: string;
  error: string | null;
  /** what the job did so far, for its end-of-job summary ("12 tagged, 1 unreadable"); absent for jobs that count nothing */
  outcome?: JobOutcome;
  /** progress inside the unit under way (a long video's frames), so the bar moves within it; absent between units */
  step?: JobStep;
}

/** Progress inside one unit of a job: e.g. 40 of 300 frames of the video being scanned, decoded or analysed. */
export interface JobStep {
  /** what is counted, in words: 'frames decoded', 'frames analysed' */
  what: string;
  done: number;
  total: number;
}

/** Counts a job reports as it goes: files it tagged, files it found unreadable, failures of the machine left to retry. */
export interface JobOutcome {
  tagged: number;
  unreadable: number;
  retry: number;
}

export type MediaToolSource = 'configured' | 'system' | 'bundled';

export interface DoctorReport {
  version: string;
  /** `tried[].error` is in plain words (what to install); `detail` is the loader's own first line, for bug reports */
  backend: { name: string; reason: string; tried: { name: string; ok: boolean; error?: string; detail?: string }[] };
  /** GPU or not and why, in words a user can act on; `instead`: the backend that runs (empty when the GPU is used) */
  gpu: { used: boolean; why: string; instead: string };
  /**
   * CNN worker threads running now and the most the pool starts (one per core; 1 on a GPU). It starts with one and
   * grows for a teacher scan, several videos, and in the app or `glimpse serve` once their first scan has ended.
   */
  cnnWorkers: { running: number; max: number };
  /** which binary runs: set by GLIMPSE_FFMPEG/GLIMPSE_FFPROBE, found on PATH, or the one bundled with Glimpse */
  ffmpeg: { path: string; version: string; source: MediaToolSource } | null;
  ffprobe: { path: string; version: string; source: MediaToolSource } | null;
  models: { name: string; file: string; found: boolean }[];
  dbPath: string;
  /** models refitted on this library (user work: kept when the cache is cleared) */
  dataDir: string;
  /** posters and frame JPEGs (regenerable) */
  cacheDir: string;
  node: string;
}

/**
 * Folder watching (Electron app, `glimpse serve`): per root, 'watching' (changes are rescanned after a quiet
 * period) or 'polling' (cannot be watched, e.g. the inotify limit: rescanned periodically), with the reason.
 */
export interface WatchStatusInfo {
  active: boolean;
  dirs: number;
  roots: { rootId: number; path: string; mode: 'watching' | 'polling'; dirs: number; reason: string | null }[];
}

/** A file the library could not use: a video that failed to probe/decode, or a path the walker could not read. */
export interface IndexErrorInfo {
  path: string;
  error: string;
  kind: 'video' | 'walk';
  videoId: number | null;
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
  'jobs.pause': { paused: boolean };
  'jobs.resume': { resumed: boolean };
  'library.rescan': { jobId: string };
  'library.errors': IndexErrorInfo[];
  'library.prune': { pruned: number; paths: string[] };
  'library.watchStatus': WatchStatusInfo;
  'system.doctor': DoctorReport;
  'library.search': SearchResult;
  'tags.edit': EditResult;
  /** merged: the new name already existed, so the two tags are now one */
  'tags.rename': EditResult & { merged: boolean };
  'tags.undo': { undone: string | null; undoDepth: number };
  'tags.export': { filename: string; mime: string; content: string; rows: number };
  'settings.get': Settings;
  'settings.set': Settings;
  'cache.info': { dir: string; bytes: number; files: number };
  'cache.clear': { freedBytes: number };
  'compare.summary': CompareSummary;
  'models.info': ModelsInfo;
  'train.start': { jobId: string };
  'labels.import': LabelsImportResult;
  'review.queue': { total: number; items: ReviewItem[] };
  'tags.delete': EditResult;
  'fs.listFolders': FolderListing;
}

/** One folder's sub-folders for the browser-mode picker; `parent` null at the top of what may be listed. */
export interface FolderListing {
  path: string;
  parent: string | null;
  folders: { name: string; path: string }[];
  /** where listing may start: the home folder and the library's roots */
  places: string[];
  /** more sub-folders than were listed */
  truncated: boolean;
}

export interface SearchResult {
  total: number;
  videos: (VideoSummary & { confidence: number | null; mtimeMs: number })[];
  /** Tag counts over the whole filtered set (only when `facets` was asked). */
  facets: TagCount[];
  /** Folders holding videos (only when `facets` was asked). */
  folders: string[];
  /** How the query was understood, e.g. `tag:person AND NOT text:beach`. */
  understood: string;
  /**
   * Pass as `cursor` (with the same query, sort and filters) for the page after this one; null after the last page.
   * Pages fetched this way keep the first page's `total` (counting every match again is what a deep page cost).
   */
  next: string | null;
}

export interface EditResult {
  changed: number;
  undoDepth: number;
}

/** `family` null = the shipped default models (models.info says which family that is). */
export interface Settings {
  k: number;
  teacherFps: number;
  family: ModelFamily | null;
}

/** One video model in use (teacher or student). */
export interface ModelInfo {
  role: 'teacher' | 'student';
  family: ModelFamily;
  /** student: frames per video it looks at */
  k: number | null;
  /** 'default' = shipped in resources/models; 'library' = refitted on this library by `glimpse train` */
  origin: 'default' | 'library';
  dir: string;
  created: string;
  /** video-model FLOPs per video (frame CNNs excluded), at k frames for a student, 60 frames for a teacher */
  flopsPerVideo: number;
  metrics: Record<string, unknown> | null;
}

export interface TrainReport {
  jobId: string;
  finishedAt: string;
  videos: number;
  /** where the labels came from: human tags vs the teacher scan's own detections */
  labelSources: { human: number; teacher: number };
  family: ModelFamily;
  k: number;
  /** held-out metrics of the student before (models in use) and after training */
  before: MetricSet | null;
  after: MetricSet | null;
  teacher: MetricSet | null;
}

export interface ModelsInfo {
  teacher: ModelInfo | null;
  student: ModelInfo | null;
  /** why a model is missing or could not load, if so */
  problems: string[];
  lastTraining: TrainReport | null;
  /** whether "train" can start now, checked before the button is enabled (the engine fills this in models.info) */
  training?: TrainReadiness;
}

export interface TrainReadiness {
  ready: boolean;
  /** why not, in words a person can act on; null when ready */
  reason: string | null;
  /** videos that can be read (and so teacher-scanned) */
  readable: number;
  /** of those, videos that already have a current teacher scan (the rest are teacher-scanned first) */
  teacherScanned: number;
  /** readable videos training needs at the least */
  needed: number;
}

export interface LabelsImportResult {
  matched: number;
  unmatched: string[];
  unknownTags: string[];
  tagsSet: number;
}

export interface MetricSet {
  gap: number;
  map: number;
  hit1: number;
  precision: number;
  recall: number;
}

/** Seconds and FLOPs of one scan (or the mean per video), by stage. Decoding is timed but not counted in FLOPs. */
export interface StageCost {
  decodeSeconds: number;
  cnnSeconds: number;
  modelSeconds: number;
  /** frame CNNs (MobileNetV2 embedding + centernet detector) over every frame looked at */
  cnnFlops: number;
  /** the video model over the frame features (0 when the detector's max-pooling stood in for one) */
  modelFlops: number;
}

export interface CompareSummary {
  /**
   * What the metrics are measured against: the user's tags on the videos that have them (only those are scored), or,
   * with none anywhere, the teacher's tags — then the student's figures are agreement with the teacher and the
   * teacher's own are null (never the teacher scored against itself).
   */
  labelSource: string;
  videos: {
    id: number;
    name: string;
    student: TagScore[];
    teacher: TagScore[];
    agreement: number;
    studentSeconds: number;
    teacherSeconds: number;
    studentFrames: number;
    teacherFrames: number;
    /** the video's length (null when unknown): with teacherFrames, the teacher's real frames per second */
    durationS: number | null;
    /** what a person said on this video (score 1: yes, 0: no), the labels its scores are measured against */
    human: TagScore[];
    /** cost of each scan split by stage (decode, frame CNNs, video model) */
    studentStages: StageCost;
    teacherStages: StageCost;
  }[];
  library: {
    pairs: number;
    student: MetricSet | null;
    teacher: MetricSet | null;
    studentSecondsPerVideo: number;
    teacherSecondsPerVideo: number;
    studentFramesPerVideo: number;
    teacherFramesPerVideo: number;
    /** mean cost per video of each scan kind, split by stage */
    studentStages: StageCost;
    teacherStages: StageCost;
  };
  /** Accuracy vs time: measured scans, plus k-frame students simulated from the teacher's cached frames. */
  curve: { label: string; k: number | null; secondsPerVideo: number; hit1: number; map: number; simulated: boolean }[];
}

/** Events pushed from the engine to every face (IPC `webContents.send`, SSE in browser mode, the CLI's bar). */
export type EngineEvent =
  | { type: 'job'; job: JobInfo }
  | { type: 'video'; videoId: number }
  /**
   * The engine's own process (Electron app): 'restarted' after it stopped and was started again (its running job
   * was put back in line), 'down' when it could not be restarted. `message` is meant for the user as-is.
   */
  | { type: 'engine'; state: 'restarted' | 'down'; message: string };

/** What a renderer holds: the same shape whether it talks to Electron's preload or to the HTTP server. */
export interface GlimpseClient {
  call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<Results[C]>;
  onEvent(listener: (event: EngineEvent) => void): () => void;
  /** URL of a video's thumbnail image, valid in the current face. */
  thumbnailUrl(videoId: number): string;
  /** URL that plays a video (range requests; only files inside library roots). */
  mediaUrl?(videoId: number): string;
  /** URL of the JPEG of one frame the student looked at. */
  frameUrl?(videoId: number, index: number): string;
  /** Native folder picker (Electron only); absent in browser mode. */
  pickFolder?(): Promise<string | null>;
}

/** A failure the user can act on; the message is shown as-is. */
export interface ApiError {
  error: string;
  /** unavailable: the engine's process stopped while the request was in flight; it is restarted, try again */
  code: 'invalid' | 'not_found' | 'forbidden' | 'internal' | 'unavailable';
  /** true when the same request may succeed if sent again (the engine was restarting) */
  retryable?: boolean;
}

export function parseRequest<C extends Channel>(channel: C, raw: unknown): ParsedRequestOf<C> {
  return Requests[channel].parse(raw ?? {}) as ParsedRequestOf<C>;
}

export function isChannel(name: string): name is Channel {
  return Object.prototype.hasOwnProperty.call(Requests, name);
}
