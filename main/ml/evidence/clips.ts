/** Clips for the evidence models, read from cached teacher scans (nothing here decodes video). */
import type { Db } from '../../store/db.ts';
import { type CsvLabel, groupOf, loadScanFeatures, multiHot, sourceGroup } from '../dataset.ts';
import { classScoresOf } from '../frame-vector.ts';
import type { Clip } from './protocol.ts';

/**
 * Every video with a teacher scan of the current frame pipeline. `labels` (by absolute path) gives human labels;
 * videos without a row get `labels: null`. `group` defaults to the clip's source repository (sourceGroup) when the
 * labels name one, else the file-name grouping (groupOf).
 */
export function clipsFromDb(
  db: Db,
  labels: Map<string, Pick<CsvLabel, 'tags' | 'source' | 'file'>> | null,
  group?: (path: string) => string,
): Clip[] {
  return loadScanFeatures(db, { kind: 'teacher' })
    .filter((v) => v.frames.length > 0)
    .map((v) => {
      const l = labels?.get(v.path);
      return {
        path: v.path,
        group: group ? group(v.path) : l ? sourceGroup(l) : groupOf(v.path),
        durationS: v.durationS ?? v.times[v.times.length - 1] ?? 0,
        // class scores are the tail of each cached vector (the embedding may be absent)
        times: v.times,
        scores: v.frames.map((f) => classScoresOf(f)),
        labels: l ? multiHot(l.tags) : null,
      };
    });
}
