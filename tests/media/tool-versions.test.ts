/**
 * The `-version` check of ffmpeg and ffprobe runs once per binary, not once per process: a second `glimpse` process
 * with the same tools starts no `-version` run, a replaced binary is asked again, a broken one is never remembered,
 * and a corrupt cache file is ignored. Counted through a wrapper script (GLIMPSE_FFMPEG/GLIMPSE_FFPROBE) that logs
 * each `-version` it is asked and then runs the real tool.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from '../helpers/fixtures.ts';

const dir = tempDir('glimpse-tool-versions-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const log = path.join(dir, 'asked.log');
const home = path.join(dir, 'home');

function wrapper(name: string, real: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, `#!/bin/sh\n[ "$1" = "-version" ] && echo ${name} >> '${log}'\nexec ${real} "$@"\n`, { mode: 0o755 });
  return p;
}
const ffmpeg = wrapper('ffmpeg', 'ffmpeg');
const ffprobe = wrapper('ffprobe', 'ffprobe');

/** A fresh process that asks for the tools, as every `glimpse` command does; what it found. */
function startProcess(env: Record<string, string> = {}): { ffmpeg: { version: string; fpsMode?: boolean } | null } {
  const code = `import('${path.resolve('main/media/ffmpeg.ts')}').then((m) => console.log(JSON.stringify(m.mediaTools())))`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], {
    encoding: 'utf8',
    env: { ...process.env, GLIMPSE_HOME: home, GLIMPSE_FFMPEG: ffmpeg, GLIMPSE_FFPROBE: ffprobe, ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}
const asked = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : []);

test('the version is asked once per binary, a replaced binary again, a broken one every time', () => {
  const first = startProcess();
  assert.deepEqual(asked().sort(), ['ffmpeg', 'ffprobe'], 'the first process asks both');
  assert.match(first.ffmpeg!.version, /^\d+\.\d+/, 'the real version is read through the wrapper');

  const second = startProcess();
  assert.deepEqual(asked().sort(), ['ffmpeg', 'ffprobe'], 'a second process asks neither');
  assert.deepEqual(second, first, 'and knows the same (version, -fps_mode support)');

  // an upgraded ffmpeg: same path, new file
  fs.writeFileSync(ffmpeg, fs.readFileSync(ffmpeg, 'utf8') + '# upgraded\n');
  startProcess();
  assert.deepEqual(asked().sort(), ['ffmpeg', 'ffmpeg', 'ffprobe'], 'only the replaced binary is asked again');

  // a broken configured ffmpeg is reported (null), never remembered as working
  const broken = path.join(dir, 'broken');
  fs.writeFileSync(broken, '#!/bin/sh\nexit 3\n', { mode: 0o755 });
  assert.equal(startProcess({ GLIMPSE_FFMPEG: broken }).ffmpeg, null);
  assert.equal(startProcess({ GLIMPSE_FFMPEG: broken }).ffmpeg, null);
  const cache = JSON.parse(fs.readFileSync(path.join(home, 'tool-versions.json'), 'utf8')) as Record<string, string>;
  assert.ok(!Object.keys(cache).some((k) => k.startsWith(fs.realpathSync(broken))), 'no entry for the broken tool');
});

test('a corrupt cache file is ignored and replaced', () => {
  fs.writeFileSync(path.join(home, 'tool-versions.json'), '{"half');
  const before = asked().length;
  assert.match(startProcess().ffmpeg!.version, /^\d+\.\d+/);
  assert.equal(asked().length, before + 2, 'both asked again');
  startProcess();
  assert.equal(asked().length, before + 2, 'and remembered again');
});
