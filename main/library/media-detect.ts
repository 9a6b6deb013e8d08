/**
 * Which files are worth probing. Probing (ffprobe, ~55 ms) decides what really is a video; this only keeps
 * the obvious non-media away from it, and lets files with unknown or missing extensions in by their magic bytes.
 */
import fs from 'node:fs';
import path from 'node:path';

export const VIDEO_EXTENSIONS = new Set([
  '.mp4',
  '.m4v',
  '.mov',
  '.mkv',
  '.webm',
  '.avi',
  '.wmv',
  '.flv',
  '.mpg',
  '.mpeg',
  '.ts',
  '.mts',
  '.m2ts',
  '.3gp',
  '.3g2',
  '.ogv',
  '.gif',
  '.vob',
  '.mxf',
  '.asf',
  '.divx',
  '.f4v',
  '.qt',
]);

/** Never probed: pictures, sound, documents, subtitles, archives, code, and downloads still in progress. */
export const NON_MEDIA_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.heic',
  '.heif',
  '.bmp',
  '.tif',
  '.tiff',
  '.svg',
  '.ico',
  '.raw',
  '.cr2',
  '.nef',
  '.psd',
  '.mp3',
  '.flac',
  '.wav',
  '.aac',
  '.m4a',
  '.ogg',
  '.opus',
  '.wma',
  '.aiff',
  '.mid',
  '.txt',
  '.md',
  '.pdf',
  '.doc',
  '.docx',
  '.xls',
  '.xlsx',
  '.ppt',
  '.pptx',
  '.odt',
  '.rtf',
  '.csv',
  '.json',
  '.xml',
  '.html',
  '.htm',
  '.nfo',
  '.srt',
  '.vtt',
  '.ass',
  '.ssa',
  '.sub',
  '.idx',
  '.sfv',
  '.md5',
  '.sha1',
  '.sha256',
  '.torrent',
  '.url',
  '.lnk',
  '.ini',
  '.log',
  '.zip',
  '.rar',
  '.7z',
  '.tar',
  '.gz',
  '.bz2',
  '.xz',
  '.zst',
  '.iso',
  '.dmg',
  '.js',
  '.ts',
  '.py',
  '.c',
  '.h',
  '.cpp',
  '.java',
  '.go',
  '.rs',
  '.sh',
  '.exe',
  '.dll',
  '.so',
  '.bin',
  '.db',
  '.sqlite',
  '.db-wal',
  '.db-shm',
  '.part',
  '.crdownload',
  '.download',
  '.tmp',
  '.partial',
  '.!qb',
]);
// `.ts` is both MPEG transport stream and TypeScript: the video reading wins, code folders are rarely roots.
NON_MEDIA_EXTENSIONS.delete('.ts');

export type Verdict = 'video' | 'maybe' | 'skip';

/** By name alone: 'maybe' means "read the first bytes to decide". */
export function verdictByName(name: string): Verdict {
  const ext = path.extname(name).toLowerCase();
  if (VIDEO_EXTENSIONS.has(ext)) return 'video';
  if (NON_MEDIA_EXTENSIONS.has(ext)) return 'skip';
  return 'maybe';
}

/** Container signatures of the formats ffmpeg is likely to read as video. */
export function looksLikeVideo(head: Buffer): boolean {
  const at = (off: number, s: string) => head.length >= off + s.length && head.toString('latin1', off, off + s.length) === s;
  const bytes = (off: number, b: number[]) => b.every((x, i) => head[off + i] === x);
  return (
    at(4, 'ftyp') ||
    at(4, 'moov') ||
    at(4, 'mdat') ||
    at(4, 'free') ||
    at(4, 'wide') || // ISO BMFF / QuickTime
    bytes(0, [0x1a, 0x45, 0xdf, 0xa3]) || // Matroska / WebM
    (at(0, 'RIFF') && (at(8, 'AVI ') || at(8, 'AMV '))) ||
    at(0, 'GIF87a') ||
    at(0, 'GIF89a') ||
    (head[0] === 0x47 && (head.length < 189 || head[188] === 0x47)) || // MPEG-TS sync bytes
    bytes(0, [0x00, 0x00, 0x01, 0xba]) ||
    bytes(0, [0x00, 0x00, 0x01, 0xb3]) || // MPEG-PS / ES
    at(0, 'OggS') ||
    at(0, 'FLV') ||
    bytes(0, [0x30, 0x26, 0xb2, 0x75])
  ); // ASF / WMV
}

export async function sniffVideo(file: string): Promise<boolean> {
  let fh: fs.promises.FileHandle | null = null;
  try {
    fh = await fs.promises.open(file, 'r');
    const buf = Buffer.alloc(192);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return looksLikeVideo(buf.subarray(0, bytesRead));
  } catch {
    return false;
  } finally {
    await fh?.close();
  }
}
