/**
 * Many processes opening the same new database at the same moment: every one succeeds, the schema ends at the
 * latest version and the file is intact (migrations run inside one BEGIN IMMEDIATE that re-reads user_version).
 * The same file is the child: with GLIMPSE_RACE_DB set it opens that database once the go-file appears.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openDb, schemaVersion } from '../../main/store/db.ts';
import { migrations } from '../../main/store/migrations.ts';
import { PROJECT_ROOT, tempDir } from '../helpers/fixtures.ts';

const PROCESSES = Number(process.env.RACE_PROCESSES ?? 16);
const ROUNDS = Number(process.env.RACE_ROUNDS ?? 3);

if (process.env.GLIMPSE_RACE_DB) {
  const go = process.env.GLIMPSE_RACE_GO!;
  process.stdout.write('ready\n');
  const wait = new Int32Array(new SharedArrayBuffer(4));
  while (!fs.existsSync(go)) Atomics.wait(wait, 0, 0, 1);
  const db = openDb(process.env.GLIMPSE_RACE_DB);
  process.stdout.write(`version ${schemaVersion(db)}\n`);
  db.close();
} else {
  const dir = tempDir('glimpse-race-');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const self = fileURLToPath(import.meta.url);
  const latest = Math.max(...migrations.map((m) => m.version));

  const child = (db: string, go: string) => {
    const p = spawn(process.execPath, ['--import', 'tsx', self], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, GLIMPSE_RACE_DB: db, GLIMPSE_RACE_GO: go, NODE_TEST_CONTEXT: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '',
      err = '';
    const ready = new Promise<void>((resolve) =>
      p.stdout.on('data', (d) => {
        out += d;
        if (out.includes('ready')) resolve();
      }),
    );
    p.stderr.on('data', (d) => (err += d));
    const done = new Promise<{ code: number; out: string; err: string }>((resolve) =>
      p.on('close', (code) => resolve({ code: code ?? -1, out, err })),
    );
    return { ready, done };
  };

  test(`${PROCESSES} processes open one new database at once, ${ROUNDS} rounds: all succeed, latest schema, intact`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const db = path.join(dir, `race-${round}.db`);
      const go = path.join(dir, `go-${round}`);
      const kids = Array.from({ length: PROCESSES }, () => child(db, go));
      await Promise.race([
        Promise.all(kids.map((k) => k.ready)),
        Promise.all(kids.map((k) => k.done)).then(() => assert.fail('a child exited before it was ready')),
      ]);
      fs.writeFileSync(go, '');
      const results = await Promise.all(kids.map((k) => k.done));
      for (const r of results) {
        assert.equal(r.code, 0, `a process failed to open the database:\n${r.err}`);
        assert.match(r.out, new RegExp(`version ${latest}\\b`));
      }
      const check = openDb(db);
      assert.equal(schemaVersion(check), latest);
      assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
      check.close();
    }
  });
}
