/**
 * One long video, end to end as a user runs it: `glimpse add` with the student (k frames), the teacher scan of the
 * same file (`glimpse scan --teacher`), each in its own process; the stage seconds the scan recorded (scans table),
 * CPU seconds and peak memory of each run; then the physical floor measured alone (tests/bench/floor.ts) on the
 * very frame times the student used, and how far each run is from it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '../../main/store/db.ts';
import type { ScanRow as StoredScanRow } from '../../main/store/scans-repo.ts';
import { type Measured, log, round, runGlimpse, runScript } from './bench-proc.ts';

/** The columns of the scans table this bench reads (the row type is the store's own). */
type ScanRow = Pick<StoredScanRow, 'kind' | 'model' | 'frame_count' | 'seconds' | 'decode_seconds' | 'cnn_seconds' | 'model_seconds'>;

export interface RunReport {
  wallS: number;
  cpuS: number | null;
  selfCpuS: number | null;
  childrenCpuS: number | null;
  peakRssMB: number | null;
  treePeakRssMB: number | null;
  /** what the scan itself recorded for the video (the rest of the wall is start-up, walk, model load, DB) */
  scan: { model: string; frames: number; seconds: number; decodeSeconds: number; cnnSeconds: number; modelSeconds: number } | null;
  /** wall minus the recorded scan: process start, module and model loading, walk, fingerprint, commit */
  otherS: number | null;
  /** every run's wall time, when the student add was repeated (the fields above are the median run's) */
  allWallS?: number[];
}

export interface FloorReport {
  frames: number;
  cnnWorkers: number;
  backend: string;
  embed: boolean;
  probeSeconds: number;
  /** the cheaper of the two routes below (the keyframe route only when it gives the very same frames) */
  decodeSeconds: number;
  decodeRoute?: 'keyframe groups' | 'one seek per frame';
  perFrameRouteSeconds?: number;
  keyframeRouteSeconds?: number | null;
  decodeSecondsPerFrame: number[];
  cnnSeconds: number;
  seconds: number;
}

export interface FileReport {
  file: string;
  durationS: number;
  k: number;
  student: RunReport;
  teacher: RunReport | { skipped: string };
  /** student add wall / teacher scan wall, same run (target ≤ 0.05 on the 10-minute file) */
  studentTeacherWall: number | null;
  /** the recorded scans alone (start-up excluded on both sides) */
  studentTeacherScan: number | null;
  /** the same add in an engine that is already running and warm (the desktop app, `glimpse serve`): warm-add.ts */
  warmAdd: { seconds: number; warmUpAddSeconds: number } | { error: string };
  floor: FloorReport | { error: string };
  /** how many floors each figure is (target: student add ≤ 1.5 on the 60-minute file) */
  fromFloor: { studentAdd: number; studentScan: number; teacherScan: number | null; warmAdd: number | null } | null;
}

function report(run: Measured, scan: ScanRow | undefined): RunReport {
  const s = scan
    ? {
        model: scan.model,
        frames: scan.frame_count,
        seconds: round(scan.seconds, 3),
        decodeSeconds: round(scan.decode_seconds, 3),
        cnnSeconds: round(scan.cnn_seconds, 3),
        modelSeconds: round(scan.model_seconds, 3),
      }
    : null;
  return {
    wallS: run.wallS,
    cpuS: run.usage?.cpuS ?? null,
    selfCpuS: run.usage?.selfCpuS ?? null,
    childrenCpuS: run.usage?.childrenCpuS ?? null,
    peakRssMB: run.usage?.peakRssMB ?? null,
    treePeakRssMB: run.usage?.treePeakRssMB ?? null,
    scan: s,
    otherS: s ? round(run.wallS - s.seconds, 3) : null,
  };
}

/** A folder holding only `file` (a hard link: no copy of gigabytes; a copy when links cannot cross filesystems). */
function libraryOf(file: string, dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const dest = path.join(dir, path.basename(file));
  try {
    fs.linkSync(file, dest);
  } catch {
    fs.copyFileSync(file, dest);
  }
  return dir;
}

function scanOf(
  dbFile: string,
  kind: 'student' | 'teacher',
): { row: ScanRow | undefined; times: number[]; embed: boolean; durationS: number } {
  const db = openDb(dbFile);
  try {
    const row = db.prepare(`SELECT * FROM scans WHERE kind = ? ORDER BY id DESC LIMIT 1`).get(kind) as
      (ScanRow & { id: number; video_id: number }) | undefined;
    const frames = row
      ? (db.prepare(`SELECT time_s, length(embedding) AS eb FROM frames WHERE scan_id = ? ORDER BY idx`).all(row.id) as {
          time_s: number;
          eb: number;
        }[])
      : [];
    const v = row
      ? (db.prepare(`SELECT duration_s FROM videos WHERE id = ?`).get(row.video_id) as { duration_s: number | null })
      : undefined;
    return { row, times: frames.map((f) => f.time_s), embed: frames.some((f) => f.eb > 0), durationS: v?.duration_s ?? NaN };
  } finally {
    db.close();
  }
}

export async function benchFile(file: string, o: { k: number; teacher: boolean; repeat?: number }): Promise<FileReport> {
  const work = fs.mkdtempSync(path.join(path.dirname(file), `run-${path.basename(file, '.mp4')}-`));
  try {
    const lib = libraryOf(file, path.join(work, 'lib'));
    const name = path.basename(file);

    // The student add, `repeat` times (each a fresh database): the run of median wall time is reported, and every
    // wall time beside it, because one run on a shared machine can be off by a second or two.
    const runs: { s: Measured; st: ReturnType<typeof scanOf> }[] = [];
    for (let i = 0; i < Math.max(1, o.repeat ?? 1); i++) {
      log(`${name}: glimpse add (student, k=${o.k})${o.repeat && o.repeat > 1 ? ` run ${i + 1} of ${o.repeat}` : ''}`);
      const sDb = path.join(work, `student-${i}.db`);
      const s = await runGlimpse(['add', lib, '--db', sDb, '--k', String(o.k), '--json']);
      if (s.code !== 0) throw new Error(`glimpse add exited ${s.code}: ${s.stderrTail}`);
      runs.push({ s, st: scanOf(sDb, 'student') });
      log(`${name}: student add ${s.wallS} s`);
    }
    const byWall = [...runs].sort((a, b) => a.s.wallS - b.s.wallS);
    const { s, st } = byWall[Math.floor((byWall.length - 1) / 2)];
    const student = { ...report(s, st.row), ...(runs.length > 1 ? { allWallS: runs.map((r) => r.s.wallS) } : {}) };
    log(`${name}: student add (median) ${s.wallS} s (scan ${student.scan?.seconds} s)`);

    let teacher: RunReport | { skipped: string } = {
      skipped: 'not requested (--quick skips it; the 60-minute teacher needs --teacher-60)',
    };
    if (o.teacher) {
      const tDb = path.join(work, 'teacher.db');
      const idx = await runGlimpse(['add', lib, '--db', tDb, '--no-scan']);
      if (idx.code !== 0) throw new Error(`glimpse add --no-scan exited ${idx.code}: ${idx.stderrTail}`);
      log(`${name}: glimpse scan --teacher`);
      const t = await runGlimpse(['scan', '--teacher', '--db', tDb]);
      if (t.code !== 0) throw new Error(`glimpse scan --teacher exited ${t.code}: ${t.stderrTail}`);
      teacher = report(t, scanOf(tDb, 'teacher').row);
      log(`${name}: teacher scan ${t.wallS} s (scan ${teacher.scan?.seconds} s)`);
    }

    let floor: FloorReport | { error: string };
    if (st.times.length) {
      log(`${name}: physical floor (${st.times.length} exact frames + CNN, warm)`);
      try {
        floor = (
          await runScript<FloorReport>('floor.ts', ['--file', file, '--times', st.times.join(','), ...(st.embed ? ['--embed'] : [])])
        ).result;
      } catch (e) {
        floor = { error: (e as Error).message };
      }
    } else floor = { error: 'the student scan recorded no frames' };

    log(`${name}: the same add in a running, warm engine`);
    let warmAdd: FileReport['warmAdd'];
    try {
      warmAdd = (await runScript<{ seconds: number; warmUpAddSeconds: number }>('warm-add.ts', ['--file', file, '--k', String(o.k)]))
        .result;
      log(`${name}: warm add ${warmAdd.seconds} s`);
    } catch (e) {
      warmAdd = { error: (e as Error).message };
    }

    const t = 'wallS' in teacher ? teacher : null;
    const fl = 'seconds' in floor ? floor.seconds : null;
    return {
      file,
      durationS: round(st.durationS, 1),
      k: o.k,
      student,
      teacher,
      studentTeacherWall: t ? round(student.wallS / t.wallS, 4) : null,
      studentTeacherScan: t?.scan && student.scan ? round(student.scan.seconds / t.scan.seconds, 4) : null,
      warmAdd,
      floor,
      fromFloor:
        fl && student.scan
          ? {
              studentAdd: round(student.wallS / fl),
              studentScan: round(student.scan.seconds / fl),
              teacherScan: t?.scan ? round(t.scan.seconds / fl) : null,
              warmAdd: 'seconds' in warmAdd ? round(warmAdd.seconds / fl) : null,
            }
          : null,
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The CPU count the throughput comparison uses ("cores"). */
export const CORES = os.availableParallelism?.() ?? os.cpus().length;
