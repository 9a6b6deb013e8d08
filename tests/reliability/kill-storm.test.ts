/**
 * Kill storm: the real CLI on a lavfi library, SIGKILLed (with its ffmpeg children) at random moments during
 * `add` (index + student scan), a student re-scan with another k, a teacher scan and human tag edits. After every
 * kill the database must pass `PRAGMA integrity_check`, hold every edit the killed process reported committed and no half-written scan;
 * the next run resumes (a scanned video is never scanned again: scans are counted per video), and no temp file of
 * a dead writer survives the next start. KILL_STORM_KILLS sets how many kills (default 12; `npm run soak` runs
 * 200). The same file is the editing child when KILL_STORM_EDITOR is set.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { PROJECT_ROOT, makeVideo, tempDir } from '../helpers/fixtures.ts';

const KILLS = Number(process.env.KILL_STORM_KILLS ?? 12);
const self = fileURLToPath(import.meta.url);

if (process.env.KILL_STORM_EDITOR) {
  // Child: an engine editing tags in a loop, reporting each edit once tags.edit has returned (committed).
  const { Engine } = await import('../../main/engine/engine.ts');
  const engine = new Engine({ dbPath: process.env.KILL_STORM_EDITOR });
  const ids = (await engine.call('library.videos', { limit: 1000 })).videos.map((v) => v.id);
  const prefix = process.env.KILL_STORM_PREFIX ?? 'e';
  process.stdout.write('ready\n');
  for (let n = 0; ; n++) {
    const id = ids[n % ids.length];
    const tag = `${prefix}-${n}`;
    await engine.call('tags.edit', { videoIds: [id], add: [tag], remove: [] });
    process.stdout.write(`committed ${id} ${tag}\n`); // stdout to a pipe is synchronous on POSIX
    if (n % 7 === 6) {
      process.stdout.write(`undoing ${id} ${tag}\n`); // before: a kill may land after the undo commits
      await engine.call('tags.undo', {});
    }
  }
} else {
  const dir = tempDir('glimpse-storm-');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const lib = path.join(dir, 'lib');
  const sources = ['testsrc2', 'smptebars', 'mandelbrot', 'rgbtestsrc'];
  for (const [i, s] of sources.entries()) makeVideo(path.join(lib, `v${i}.mp4`), { source: `${s}=size=192x144:rate=5`, seconds: 3 });

  const rand = (lo: number, hi: number) => lo + Math.random() * (hi - lo);
  const stats = {
    kills: 0,
    runs: 0,
    edits: 0,
    undone: 0,
    midScan: 0,
    phases: { add: 0, student: 0, teacher: 0, edit: 0 } as Record<string, number>,
  };

  interface Run {
    child: ChildProcess;
    out: () => string;
    err: () => string;
    exit: Promise<number | null>;
  }
  function start(args: string[], env: NodeJS.ProcessEnv = {}): Run {
    const child = spawn(process.execPath, args, {
      cwd: PROJECT_ROOT,
      env: { ...process.env, GLIMPSE_CNN_WORKERS: '1', NODE_TEST_CONTEXT: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: the kill takes its ffmpeg children too, like a power cut
    });
    let out = '',
      err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    stats.runs++;
    return { child, out: () => out, err: () => err, exit };
  }
  const cli = (db: string, args: string[]) => start([path.join(PROJECT_ROOT, 'main', 'cli', 'bin.js'), ...args, '--db', db, '--k', '4']);

  /** Waits `ms`, then SIGKILLs the run's process group; true when it was still running (a real kill). */
  async function killAfter(r: Run, ms: number, phase: string): Promise<boolean> {
    const done = await Promise.race([r.exit.then(() => true), new Promise<false>((res) => setTimeout(() => res(false), ms))]);
    if (done) return false;
    process.kill(-r.child.pid!, 'SIGKILL');
    await r.exit;
    stats.kills++;
    stats.phases[phase]++;
    return true;
  }

  function withDb<T>(db: string, fn: (d: Database.Database) => T): T {
    const d = new Database(db);
    try {
      return fn(d);
    } finally {
      d.close();
    }
  }

  /** What must hold after any kill. */
  function checkIntact(db: string, when: string): void {
    if (!fs.existsSync(db)) return; // killed before the database was created
    withDb(db, (d) => {
      assert.equal(d.pragma('integrity_check', { simple: true }), 'ok', `integrity after ${when}`);
      assert.deepEqual(d.pragma('foreign_key_check'), [], `foreign keys after ${when}`);
      const half = d
        .prepare(`SELECT s.id FROM scans s WHERE s.frame_count != (SELECT count(*) FROM frames f WHERE f.scan_id = s.id)`)
        .all();
      assert.deepEqual(half, [], `no half-written scan after ${when}`);
      const okWithout = d.prepare(`SELECT id FROM videos WHERE status = 'ok' AND id NOT IN (SELECT video_id FROM scans)`).all();
      assert.deepEqual(okWithout, [], `no video marked scanned without its scan after ${when}`);
    });
  }

  const scansPerVideo = (db: string, kind: string) =>
    withDb(db, (d) =>
      (d.prepare(`SELECT count(*) AS n FROM scans WHERE kind = ? GROUP BY video_id`).all(kind) as { n: number }[]).map((r) => r.n),
    );
  const staleTemps = (root: string): string[] =>
    fs.existsSync(root)
      ? (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => /\.tmp-\d+|\.\d+\.tmp\.jpg$|\.old-\d+$/.test(f))
      : [];

  /** Resolves when `cond()` holds (polled) or the run exits. */
  async function untilOr(r: Run, cond: () => boolean): Promise<void> {
    let exited = false;
    void r.exit.then(() => (exited = true));
    while (!exited && !cond()) await new Promise((res) => setTimeout(res, 50));
  }

  /** Runs `make()` and kills it at a random moment, up to `kills` times; then lets one run finish. */
  async function storm(
    phase: string,
    kills: number,
    maxMs: number,
    make: () => Run,
    db: string,
    /** counts the scans this phase makes (default: every scan of its kind) */
    count?: () => number,
    /** called before each run and after it ends or is killed */
    observe?: () => void,
  ): Promise<Run> {
    const kind = phase === 'teacher' ? 'teacher' : 'student';
    const scanned =
      count ??
      (() =>
        fs.existsSync(db)
          ? withDb(db, (d) => (d.prepare(`SELECT count(*) AS n FROM scans WHERE kind = ?`).get(kind) as { n: number }).n)
          : 0);
    for (let i = 0; i < kills; i++) {
      const before = scanned();
      observe?.();
      const r = make();
      // Every other kill lands just after this run has committed a scan (mid-pipeline); the others at any moment.
      if (i % 2 === 1) await untilOr(r, () => scanned() > before);
      const killed = await killAfter(r, i % 2 === 1 ? rand(0, 1500) : rand(400, maxMs), phase);
      observe?.();
      if (!killed) {
        assert.equal(await r.exit, 0, `${phase} run failed:\n${r.err()}`);
        return r;
      }
      checkIntact(db, `kill ${stats.kills} (${phase})`);
      if (fs.existsSync(db)) {
        const kind = phase === 'add' ? 'student' : 'teacher';
        const n = withDb(
          db,
          (d) => (d.prepare(`SELECT count(DISTINCT video_id) AS n FROM scans WHERE kind = ?`).get(kind) as { n: number }).n,
        );
        if (n > 0 && n < sources.length) stats.midScan++;
      }
    }
    observe?.();
    const r = make();
    const code = await r.exit;
    observe?.();
    assert.equal(code, 0, `${phase}: the run after the kills failed:\n${r.out()}\n${r.err()}`);
    checkIntact(db, `${phase} completion`);
    return r;
  }

  test(
    `kill storm: ${KILLS} SIGKILLs during add, student re-scan, teacher scan and tag edits lose nothing; scans resume`,
    { timeout: Math.max(600_000, KILLS * 30_000) },
    async () => {
      const t0 = Date.now();
      for (let round = 0; stats.kills < KILLS; round++) {
        const db = path.join(dir, `r${round}`, 'g.db');
        const left = KILLS - stats.kills;
        const perPhase = Math.max(1, Math.round(left / 4));

        // 1. add (index + student scan)
        await storm('add', Math.min(perPhase + 1, left), 7000, () => cli(db, ['add', lib]), db);
        const student = scansPerVideo(db, 'student');
        assert.equal(student.length, sources.length, 'every video scanned');
        assert.ok(
          student.every((n) => n === 1),
          `a video was scanned twice: ${student}`,
        );

        // 1b. a student re-scan of the whole library with another k (every scan stale), killed: each run resumes with the
        // videos still lacking a k=3 scan, so a video's k=3 scan, once committed, is never made again (same id to the end)
        const k3 = () =>
          new Map(
            withDb(
              db,
              (d) =>
                d.prepare(`SELECT video_id, id FROM scans WHERE kind = 'student' AND model LIKE 'uniform-3+%'`).all() as {
                  video_id: number;
                  id: number;
                }[],
            ).map((x) => [x.video_id, x.id]),
          );
        const committed3 = new Map<number, number>();
        const keepK3 = () => {
          for (const [v, id] of k3()) {
            if (committed3.has(v)) assert.equal(id, committed3.get(v), `video ${v} was student-scanned again after a kill`);
            committed3.set(v, id);
          }
        };
        const restudent = () => start([path.join(PROJECT_ROOT, 'main', 'cli', 'bin.js'), 'scan', '--student', '--db', db, '--k', '3']);
        await storm('student', Math.max(0, Math.min(perPhase, KILLS - stats.kills)), 7000, restudent, db, () => k3().size, keepK3);
        assert.equal(k3().size, sources.length, 'every video re-scanned with k=3');

        // 2. teacher scan of the videos lacking one (what a resumed run is asked to do)
        const missingTeacher = () =>
          withDb(db, (d) =>
            (
              d.prepare(`SELECT id FROM videos WHERE id NOT IN (SELECT video_id FROM scans WHERE kind = 'teacher') ORDER BY id`).all() as {
                id: number;
              }[]
            ).map((r) => String(r.id)),
          );
        const teacherLeft = Math.max(0, Math.min(perPhase, KILLS - stats.kills));
        await storm('teacher', teacherLeft, 7000, () => cli(db, ['scan', '--teacher', ...missingTeacher()]), db);
        const teacher = scansPerVideo(db, 'teacher');
        assert.equal(teacher.length, sources.length, 'every video teacher-scanned');
        assert.ok(
          teacher.every((n) => n === 1),
          `a video was teacher-scanned twice: ${teacher}`,
        );

        // 3. human edits in an engine, killed mid-loop
        const committed: { id: number; tag: string }[] = [];
        const undone = new Set<string>();
        const editKills = Math.max(1, KILLS - stats.kills);
        for (let i = 0; i < editKills && (i === 0 || stats.kills < KILLS); i++) {
          const r = start(['--import', 'tsx', self], { KILL_STORM_EDITOR: db, KILL_STORM_PREFIX: `r${round}k${i}` });
          // wait until it edits, then a random moment later
          const ready = await Promise.race([
            new Promise<boolean>((res) => {
              const tick = setInterval(() => {
                if (r.out().includes('ready')) {
                  clearInterval(tick);
                  res(true);
                }
              }, 20);
              void r.exit.then(() => clearInterval(tick));
            }),
            r.exit.then(() => false),
          ]);
          assert.ok(ready, `editor died:\n${r.err()}`);
          assert.ok(await killAfter(r, rand(50, 1500), 'edit'), `the editor stopped by itself:\n${r.err()}`);
          for (const line of r.out().split('\n')) {
            const m = /^(committed|undoing) (\d+) (\S+)$/.exec(line);
            if (m?.[1] === 'committed') committed.push({ id: Number(m[2]), tag: m[3] });
            if (m?.[1] === 'undoing') undone.add(`${m[2]} ${m[3]}`);
          }
          checkIntact(db, `kill ${stats.kills} (edit)`);
        }
        const human = new Set(
          withDb(
            db,
            (d) =>
              d.prepare(`SELECT video_id, tag FROM tags WHERE source = 'human' AND score >= 0.5`).all() as {
                video_id: number;
                tag: string;
              }[],
          ).map((r) => `${r.video_id} ${r.tag}`),
        );
        const lost = committed.filter((c) => !undone.has(`${c.id} ${c.tag}`) && !human.has(`${c.id} ${c.tag}`));
        assert.deepEqual(lost, [], 'every edit reported committed is in the database');
        stats.edits += committed.length;
        stats.undone += undone.size;

        // 4. a clean start sweeps what the killed writers left
        const last = cli(db, ['videos']);
        assert.equal(await last.exit, 0, last.err());
        const cache = db.replace(/\.db$/, '-cache'),
          data = db.replace(/\.db$/, '-data');
        assert.deepEqual([...staleTemps(cache), ...staleTemps(data)], [], 'stale temp files swept at start-up');
      }
      const msg = `kill storm: ${stats.kills} kills survived (add ${stats.phases.add}, student re-scan ${stats.phases.student}, teacher ${stats.phases.teacher}, edit ${stats.phases.edit}), ${stats.runs} runs, ${stats.midScan} kills after the run had committed a scan, ${stats.edits} committed edits all present (${stats.undone} undo calls), nothing lost, ${((Date.now() - t0) / 1000).toFixed(0)} s`;
      console.log(msg);
    },
  );
}
