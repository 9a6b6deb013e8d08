/**
 * The files the faces serve (a video, a poster, a frame JPEG) and the cache folder's housekeeping. Only files inside
 * a library root (symlinks resolved) or written by the engine into its cache are ever returned.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Results } from '../../shared/api.ts';
import { dirSize, frameJpegPath, touchCached } from '../media/cache.ts';
import { writeThumbnail } from '../media/ffmpeg.ts';
import type { BrowseRepo } from '../store/browse-repo.ts';
import { EngineError } from './errors.ts';
import { isBelow } from '../core/paths.ts';

export class MediaAccess {
  constructor(
    private repo: BrowseRepo,
    readonly cacheDir: string,
  ) {}

  get thumbsDir(): string {
    return path.join(this.cacheDir, 'thumbs');
  }

  /** Absolute path of a video's file, only if it resolves (symlinks included) to a regular file inside a library root. */
  mediaPath(videoId: number): string {
    const v = this.repo.videoRow(videoId);
    if (!v) throw new EngineError('not_found', `no video with id ${videoId}`);
    let real: string;
    try {
      real = fs.realpathSync(v.path);
    } catch {
      throw new EngineError('not_found', `file is missing: ${v.path}`);
    }
    if (!this.insideRoots(real)) throw new EngineError('forbidden', 'file is outside the library folders');
    if (!fs.statSync(real).isFile()) throw new EngineError('not_found', 'not a file');
    return real;
  }

  /** The one check of "inside a library root": `file` (already resolved) lies under a root, symlinks of roots resolved. */
  private insideRoots(file: string): boolean {
    const roots = this.repo.rootPaths().map((r) => {
      try {
        return fs.realpathSync(r);
      } catch {
        return path.resolve(r);
      }
    });
    return roots.some((r) => isBelow(file, r));
  }

  /** A JPEG (cached) of frame `index` of the student scan of a video. */
  async framePath(videoId: number, index: number): Promise<string> {
    const f = this.repo.studentFrame(videoId, index);
    if (!f) throw new EngineError('not_found', `no frame ${index} for video ${videoId}`);
    const out = frameJpegPath(this.cacheDir, videoId, f.scan_id, index); // normally written by the scan
    if (fs.existsSync(out))
      touchCached(out); // the frame cache is trimmed least recently used first
    else await writeThumbnail(this.mediaPath(videoId), f.time_s, out, 240);
    return out;
  }

  /**
   * The poster of a video, or null; only paths the engine wrote itself are ever returned, and only for a video whose
   * file resolves inside a library root (a symlink pointing outside gets no poster, as mediaPath refuses it). A file
   * that is gone keeps its poster when its stored path lies inside a root.
   */
  thumbnailPath(videoId: number): string | null {
    const v = this.repo.videoRow(videoId);
    if (!v?.thumbnail) return null;
    if (!isBelow(path.resolve(v.thumbnail), this.thumbsDir) || !fs.existsSync(v.thumbnail)) return null;
    try {
      this.mediaPath(videoId);
    } catch (e) {
      const missing = e instanceof EngineError && e.code === 'not_found' && !isLink(v.path);
      if (!missing || !this.insideRoots(path.resolve(v.path))) return null;
    }
    return v.thumbnail;
  }

  cacheInfo(): Results['cache.info'] {
    return { dir: this.cacheDir, ...dirSize(this.cacheDir) };
  }

  /** Frame JPEGs are re-extracted on demand; posters stay (the grid needs them and only a scan rewrites them). */
  clearCache(): Results['cache.clear'] {
    const frames = path.join(this.cacheDir, 'frames');
    const { bytes } = dirSize(frames);
    fs.rmSync(frames, { recursive: true, force: true });
    return { freedBytes: bytes };
  }
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
