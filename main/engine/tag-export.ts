/** Every video's effective tags (human edits win) as CSV or JSON, for other tools. */
import type { Results } from '../../shared/api.ts';
import { TAG_THRESHOLD } from '../../shared/tags.ts';
import type { BrowseRepo } from '../store/browse-repo.ts';

export function exportTags(repo: BrowseRepo, format: 'csv' | 'json'): Results['tags.export'] {
  const rows = repo.exportRows(TAG_THRESHOLD).map((r) => ({
    videoId: r.video_id,
    path: r.path,
    tag: r.tag,
    score: Math.round(r.score * 1e4) / 1e4,
    source: r.source,
  }));
  if (format === 'json') {
    const byVideo = new Map<number, { id: number; path: string; tags: { tag: string; score: number; source: string }[] }>();
    for (const r of rows) {
      if (!byVideo.has(r.videoId)) byVideo.set(r.videoId, { id: r.videoId, path: r.path, tags: [] });
      byVideo.get(r.videoId)!.tags.push({ tag: r.tag, score: r.score, source: r.source });
    }
    return {
      filename: 'glimpse-tags.json',
      mime: 'application/json',
      rows: rows.length,
      content: `${JSON.stringify({ threshold: TAG_THRESHOLD, videos: [...byVideo.values()] }, null, 2)}\n`,
    };
  }
  const lines = [
    'video_id,path,tag,score,source',
    ...rows.map((r) => [r.videoId, r.path, r.tag, r.score, r.source].map(csvCell).join(',')),
  ];
  return { filename: 'glimpse-tags.csv', mime: 'text/csv', rows: rows.length, content: `${lines.join('\n')}\n` };
}

/** Quote what needs it; neutralise spreadsheet formulas (CSV injection) in file names. */
function csvCell(v: string | number): string {
  const s = String(v);
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\n\r]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
}
