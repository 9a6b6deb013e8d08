/**
 * Compare in plain words, computed from the engine's compare result (shared, so the page and its test read the same
 * definition): how many of the teacher's tags the student also found, how much faster it was, on how many frames,
 * and how many frames a second the teacher really looked at (short clips get more than one a second).
 */
import type { CompareSummary } from './api.ts';

export interface PlainCompare {
  /** teacher tags (over every video with both scans) the student also gave the same video */
  found: number;
  /** every teacher tag over those videos */
  teacherTags: number;
  /** teacher seconds per video ÷ student seconds per video (null without timings) */
  speedup: number | null;
  studentFrames: number;
  teacherFrames: number;
  /** the teacher's frames over the videos' total length (null when no length is known) */
  teacherFps: number | null;
  sentence: string;
}

const round = (x: number) => (Math.abs(x - Math.round(x)) < 0.05 ? String(Math.round(x)) : x.toFixed(1));

export function plainCompare(s: CompareSummary): PlainCompare {
  let found = 0,
    teacherTags = 0,
    frames = 0,
    seconds = 0;
  for (const v of s.videos) {
    const student = new Set(v.student.map((t) => t.tag));
    teacherTags += v.teacher.length;
    found += v.teacher.filter((t) => student.has(t.tag)).length;
    if (v.durationS && v.durationS > 0) {
      frames += v.teacherFrames;
      seconds += v.durationS;
    }
  }
  const L = s.library;
  const speedup = L.studentSecondsPerVideo > 0 && L.teacherSecondsPerVideo > 0 ? L.teacherSecondsPerVideo / L.studentSecondsPerVideo : null;
  const speed = speedup === null ? '' : speedup >= 1 ? `, ${speedup.toFixed(1)}× faster` : `, ${(1 / speedup).toFixed(1)}× slower`;
  const sentence =
    `On ${s.videos.length} video${s.videos.length === 1 ? '' : 's'} the student found ${found} of the teacher’s ${teacherTags} tag${teacherTags === 1 ? '' : 's'}` +
    `${speed}, looking at ${round(L.studentFramesPerVideo)} of ${round(L.teacherFramesPerVideo)} frames per video.`;
  return {
    found,
    teacherTags,
    speedup,
    studentFrames: L.studentFramesPerVideo,
    teacherFrames: L.teacherFramesPerVideo,
    teacherFps: seconds > 0 ? frames / seconds : null,
    sentence,
  };
}
