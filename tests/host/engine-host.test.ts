// The engine in its own process, under plain Node (child_process.fork): the same host and protocol the Electron
// app runs in a utilityProcess. Every channel of the shared API goes through it with a real SQLite database,
// real ffmpeg and the real frame CNNs; then the host is SIGKILLed in the middle of a scan and must come back,
// say so, and finish the job.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { Requests, type Channel, type EngineEvent, type JobInfo, type RequestOf, type Results } from '../../shared/api.ts';
import { makeCallHandler, makeSenderCheck } from '../../main/electron/ipc-handler.ts';
import { glimpseProtocolResponse } from '../../main/electron/protocol.ts';
import { EngineError } from '../../main/engine/errors.ts';
import { EngineHostClient, RESTARTED_MESSAGE, type HostClientOptions } from '../../main/host/host-client.ts';
import { forkNodeHost } from '../../main/host/node-launcher.ts';
import { makeLibrary, makeVideo, tempDir } from '../helpers/fixtures.ts';

const dirs: string[] = [];
const clients: EngineHostClient[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A host over a fresh database in a temp folder, with every event it pushes recorded. */
async function startHost(
  dir: string,
  opts: Partial<HostClientOptions> = {},
): Promise<{ client: EngineHostClient; events: EngineEvent[]; finished: (id: string) => Promise<JobInfo> }> {
  const client = new EngineHostClient({ launch: forkNodeHost, init: { dbPath: path.join(dir, 'lib.db') }, backoffMs: [100], ...opts });
  clients.push(client);
  const events: EngineEvent[] = [];
  const waiters: { id: string; resolve: (j: JobInfo) => void }[] = [];
  const final = new Map<string, JobInfo>();
  client.events.on('event', (e) => {
    events.push(e);
    if (e.type !== 'job' || !['done', 'failed', 'cancelled'].includes(e.job.state)) return;
    final.set(e.job.id, e.job);
    for (const w of waiters.filter((x) => x.id === e.job.id)) w.resolve(e.job);
  });
  await client.start();
  const finished = (id: string) => {
    const done = final.get(id);
    return done ? Promise.resolve(done) : new Promise<JobInfo>((resolve) => waiters.push({ id, resolve }));
  };
  return { client, events, finished };
}

test('every channel of the API answers through the engine host process, and job events come back', async () => {
  const dir = tempDir('glimpse-host-');
  dirs.push(dir);
  const lib = makeLibrary(path.join(dir, 'videos'));
  const other = path.join(dir, 'other');
  fs.mkdirSync(other);
  const { client, events, finished } = await startHost(dir);
  assert.notEqual(client.pid, process.pid, 'the engine runs in its own process');

  const called = new Set<Channel>();
  const call = <C extends Channel>(channel: C, request: RequestOf<C>): Promise<Results[C]> => {
    called.add(channel);
    return client.call(channel, request);
  };

  // Library: add the lavfi fixture root; the index + student scan job runs in the host and reports progress.
  const added = await call('library.addRoot', { path: lib.dir, scan: true });
  assert.equal(added.root.path, fs.realpathSync(lib.dir));
  const job = await finished(added.jobId!);
  assert.equal(job.state, 'done', job.error ?? '');
  assert.ok(
    events.some((e) => e.type === 'job' && e.job.id === added.jobId && e.job.state === 'running'),
    'running progress reached the client',
  );
  assert.ok(
    events.some((e) => e.type === 'video'),
    'per-video events reached the client',
  );

  const roots = await call('library.roots', {});
  assert.deepEqual(
    roots.map((r) => [r.path, r.videoCount]),
    [[fs.realpathSync(lib.dir), lib.videos.length + 1]],
  );
  const listed = await call('library.videos', {});
  assert.equal(listed.total, lib.videos.length + 1);

  // Search finds the clip by name, and it was tagged by the student scan in the host.
  const found = await call('library.search', { q: 'pattern' });
  assert.deepEqual(
    found.videos.map((v) => v.name),
    ['pattern one.mp4'],
  );
  const pattern = found.videos[0];
  const detail = await call('library.video', { id: pattern.id });
  assert.equal(detail.status, 'ok');
  assert.equal(detail.scans[0]?.kind, 'student');
  assert.ok(detail.frames.length > 0, 'the student looked at frames');

  // Tag edits round-trip: add, find by tag, rename, undo, export.
  const edit = await call('tags.edit', { videoIds: [pattern.id], add: ['holiday'] });
  assert.equal(edit.changed, 1);
  assert.deepEqual(
    (await call('library.search', { q: 'tag:holiday' })).videos.map((v) => v.id),
    [pattern.id],
  );
  assert.ok((await call('library.tags', {})).some((t) => t.tag === 'holiday' && t.count === 1));
  assert.equal((await call('tags.rename', { from: 'holiday', to: 'trip' })).changed, 1);
  assert.deepEqual(
    (await call('library.search', { q: 'tag:trip' })).videos.map((v) => v.id),
    [pattern.id],
  );
  const exported = await call('tags.export', { format: 'csv' });
  assert.match(exported.content, /pattern one\.mp4.*trip/);
  const undo = await call('tags.undo', {});
  assert.ok(undo.undone, 'the rename was undone');
  assert.deepEqual(
    (await call('library.search', { q: 'tag:holiday' })).videos.map((v) => v.id),
    [pattern.id],
  );
  // The tags page's delete: a human "no" on every video that carries it.
  assert.equal((await call('tags.delete', { tag: 'holiday' })).changed, 1);
  assert.deepEqual((await call('library.search', { q: 'tag:holiday' })).videos, []);
  // The review queue lists undecided predictions (at most the limit); the folder picker lists a root's sub-folders.
  const review = await call('review.queue', { limit: 50 });
  assert.ok(review.items.length <= 50 && review.total >= review.items.length);
  assert.ok((await call('fs.listFolders', { path: lib.dir })).folders.some((f) => f.name === 'sub dir'));

  // The broken file is a listed error, with its path.
  const errors = await call('library.errors', {});
  assert.ok(errors.some((e) => e.path === lib.broken));

  // Settings round-trip.
  assert.equal((await call('settings.set', { k: 7 })).k, 7);
  assert.equal((await call('settings.get', {})).k, 7);

  // Scans and jobs: a student scan of one video completes; cancel/pause/resume of an unknown job say false.
  const scan = await call('scan.start', { kind: 'student', videoIds: [pattern.id] });
  assert.equal((await finished(scan.jobId)).state, 'done');
  assert.ok((await call('jobs.list', {})).some((j) => j.id === scan.jobId && j.state === 'done'));
  assert.deepEqual(await call('jobs.cancel', { id: 'nosuchjob' }), { cancelled: false });
  assert.deepEqual(await call('jobs.pause', { id: 'nosuchjob' }), { paused: false });
  assert.deepEqual(await call('jobs.resume', { id: 'nosuchjob' }), { resumed: false });
  const rescan = await call('library.rescan', { rootIds: [added.root.id], scan: false });
  assert.equal((await finished(rescan.jobId)).state, 'done');
  assert.deepEqual(await call('library.prune', {}), { pruned: 0, paths: [] });
  assert.equal((await call('library.watchStatus', {})).active, false, 'this host was not asked to watch');

  // The cache: posters were written by the scan; clearing frees them.
  const cache = await call('cache.info', {});
  assert.ok(cache.files > 0 && cache.bytes > 0);

  // The glimpse:// protocol's lookups go through the host too, checked by the engine.
  const media = await client.media.mediaPath(pattern.id);
  assert.equal(media, fs.realpathSync(lib.videos[0]));
  const thumb = await client.media.thumbnailPath(pattern.id);
  assert.ok(thumb && fs.statSync(thumb).size > 0, 'a poster JPEG');
  const frame = await client.media.framePath(pattern.id, detail.frames[0].index);
  assert.ok(fs.statSync(frame).size > 0, 'a frame JPEG');
  await assert.rejects(client.media.mediaPath(999_999), (e: EngineError) => e.code === 'not_found');

  // What the Electron main process does with the host (its Electron parts mocked: a sender event, a Request): the IPC
  // handler forwards to the host and gets the engine's answer; glimpse://media serves the file the host names.
  const ipc = makeCallHandler(
    client,
    makeSenderCheck((url) => url === 'file:///app/index.html'),
  );
  const viaIpc = await ipc({ senderFrame: { url: 'file:///app/index.html' } }, 'library.video', { id: pattern.id });
  assert.equal(viaIpc.ok && (viaIpc.value as Results['library.video']).name, 'pattern one.mp4');
  const res = await glimpseProtocolResponse(client, new Request(`glimpse://media/${pattern.id}`, { headers: { range: 'bytes=0-99' } }));
  assert.equal(res.status, 206);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), fs.readFileSync(lib.videos[0]).subarray(0, 100));
  assert.equal((await glimpseProtocolResponse(client, new Request('glimpse://media/999999'))).status, 404);

  assert.ok((await call('cache.clear', {})).freedBytes > 0);

  // Models, doctor, compare, training (cancelled at once: it is a long job), labels import.
  const models = await call('models.info', {});
  assert.ok(models.student, 'the shipped student model is found from the host');
  const doctor = await call('system.doctor', {});
  assert.ok(doctor.ffmpeg && doctor.backend.name !== 'none');
  assert.equal(doctor.dbPath, path.join(dir, 'lib.db'));
  const compare = await call('compare.summary', {});
  assert.equal(compare.library.pairs, 0, 'no teacher scan yet: nothing to compare');
  const train = await call('train.start', { epochs: 1 });
  await call('jobs.cancel', { id: train.jobId });
  assert.equal((await finished(train.jobId)).state, 'cancelled');
  const csv = path.join(dir, 'labels.csv');
  fs.writeFileSync(csv, 'file,tags\nvideos/pattern one.mp4,person\nvideos/gone.mp4,dog\n');
  const imported = await call('labels.import', { csvPath: csv });
  assert.equal(imported.matched, 1);
  assert.equal(imported.unmatched.length, 1);

  // Removing a root that was never added says false; removing the real one empties the library.
  assert.deepEqual(await call('library.removeRoot', { path: other }), { removed: false });
  assert.deepEqual(await call('library.removeRoot', { path: lib.dir }), { removed: true });
  assert.deepEqual(await call('library.roots', {}), []);

  // Errors keep their code across the process boundary; an unknown channel is refused by the host.
  await assert.rejects(call('library.video', { id: 424242 }), (e: EngineError) => e.code === 'not_found' && /no video/.test(e.message));
  await assert.rejects(
    client.call('library.search', { limit: 'lots' }),
    (e: EngineError) => e.code === 'invalid' && /limit/.test(e.message),
  );
  await assert.rejects(client.call('fs.readFile' as Channel, {}), (e: EngineError) => e.code === 'not_found');

  assert.deepEqual([...called].sort(), Object.keys(Requests).sort(), 'every channel of the Requests map was called');
});

test('SIGKILL of the host mid-scan: in-flight calls fail retryably, the host restarts, says so, and the job completes', async () => {
  const dir = tempDir('glimpse-host-kill-');
  dirs.push(dir);
  const root = path.join(dir, 'videos');
  const clips = Array.from({ length: 6 }, (_, i) => makeVideo(path.join(root, `clip ${i}.mp4`), { seconds: 3 }));
  const { client, events, finished } = await startHost(dir);
  const firstPid = client.pid!;

  const added = await client.call('library.addRoot', { path: root, scan: true });
  // Kill once the scan is under way: the first video is tagged, the others are not yet.
  await new Promise<void>((resolve) => {
    const onEvent = (e: EngineEvent) => {
      if (e.type === 'video') {
        client.events.off('event', onEvent);
        resolve();
      }
    };
    client.events.on('event', onEvent);
  });
  const inFlight = client.call('library.roots', {}); // sent right before the kill; it may or may not be answered
  process.kill(firstPid, 'SIGKILL');
  await inFlight.then(
    (roots) => assert.equal(roots.length, 1),
    (e: EngineError) => {
      assert.equal(e.code, 'unavailable');
      assert.equal(e.retryable, true);
      assert.match(e.message, /restarted; try again/);
    },
  );

  // The restart is reported to every face, in words the banner shows as-is.
  const restarted = await new Promise<EngineEvent>((resolve) => {
    const seen = events.find((e) => e.type === 'engine');
    if (seen) return resolve(seen);
    const onEvent = (e: EngineEvent) => e.type === 'engine' && resolve(e);
    client.events.on('event', onEvent);
  });
  assert.deepEqual(restarted, { type: 'engine', state: 'restarted', message: RESTARTED_MESSAGE });
  assert.equal(client.state, 'ready');
  assert.equal(client.restarts, 1);
  assert.notEqual(client.pid, firstPid, 'a new host process');

  // The interrupted job was put back in line on the new host: it finishes, and every clip ends up tagged.
  const resumedJob = (await client.call('jobs.list', {})).find((j) => j.kind === 'index+scan' && j.id !== added.jobId);
  assert.ok(resumedJob, 'the job was re-queued on the new host');
  assert.equal((await finished(resumedJob.id)).state, 'done');
  const afterRestart = events.slice(events.indexOf(restarted));
  assert.ok(
    afterRestart.some((e) => e.type === 'video'),
    'the new host tagged the clips the killed one had not reached',
  );
  const history = (await client.call('jobs.list', {})).find((j) => j.id === added.jobId);
  assert.notEqual(history?.state, 'running', 'the killed run is not shown as still running');
  const videos = (await client.call('library.videos', { limit: 100 })).videos;
  assert.equal(videos.length, clips.length);
  for (const v of videos) {
    assert.equal(v.status, 'ok', `${v.name}: ${v.error}`);
    const d = await client.call('library.video', { id: v.id });
    assert.equal(d.scans.filter((s) => s.kind === 'student').length, 1, `${v.name} was tagged once, not redone`);
  }
});

test('a host that cannot open its database says why once, and one that keeps dying is given up on', async () => {
  const dir = tempDir('glimpse-host-down-');
  dirs.push(dir);
  // A folder where the database file should be: SQLite cannot open it, and a restart would fail the same way.
  fs.mkdirSync(path.join(dir, 'lib.db'));
  const bad = new EngineHostClient({ launch: forkNodeHost, init: { dbPath: path.join(dir, 'lib.db') }, backoffMs: [50] });
  clients.push(bad);
  const down: EngineEvent[] = [];
  bad.events.on('event', (e) => down.push(e));
  await assert.rejects(
    bad.start(),
    (e: EngineError) => e.code === 'unavailable' && /^The engine could not start: .*database/i.test(e.message),
  );
  assert.equal(bad.state, 'down');
  assert.equal(bad.restarts, 0, 'no restart loop on a database that cannot open');
  assert.equal(down.length, 1);
  assert.equal(down[0].type === 'engine' && down[0].state, 'down');
  await assert.rejects(bad.call('library.roots', {}), (e: EngineError) => e.code === 'unavailable' && !e.retryable);

  // At most one restart allowed: the second death within the window leaves it down, and says so.
  const { client, events } = await startHost(fs.mkdtempSync(path.join(dir, 'ok-')), { maxRestarts: 1 });
  const downEvent = new Promise<EngineEvent>((resolve) =>
    client.events.on('event', (e) => e.type === 'engine' && e.state === 'down' && resolve(e)),
  );
  process.kill(client.pid!, 'SIGKILL');
  await new Promise<void>((resolve) => client.events.on('event', (e) => e.type === 'engine' && e.state === 'restarted' && resolve()));
  assert.deepEqual((await client.call('library.roots', {})).length, 0, 'answers again after the restart');
  process.kill(client.pid!, 'SIGKILL');
  const e = await downEvent;
  assert.match(e.type === 'engine' ? e.message : '', /stopped 2 times within 60 s.*Restart Glimpse/);
  assert.equal(client.state, 'down');
  assert.equal(events.filter((x) => x.type === 'engine').length, 2);
});
