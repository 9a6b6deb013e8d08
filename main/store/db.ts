import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrations as allMigrations, type Migration } from './migrations.ts';

export type Db = Database.Database;

/** The database cannot be opened or written for a reason of the machine (read-only file or folder, disk full). */
export class DbOpenError extends Error {
  constructor(
    message: string,
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DbOpenError';
  }
}

/** SQLite's (and Node's) codes for "this cannot be written": a read-only file, folder or file system. */
function isReadOnly(e: unknown): boolean {
  const code = String((e as { code?: unknown } | null)?.code ?? '');
  return code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
}

/** Disk (or quota) full: SQLite's SQLITE_FULL, Node's ENOSPC / EDQUOT. */
export function isDiskFull(e: unknown): boolean {
  const code = String((e as { code?: unknown } | null)?.code ?? '');
  return (
    code === 'SQLITE_FULL' ||
    code === 'ENOSPC' ||
    code === 'EDQUOT' ||
    /database or disk is full|no space left on device/i.test(String((e as Error)?.message))
  );
}

/**
 * What a job that ran into a full disk says (the app shows it as the job's error, the CLI prints it): which disk,
 * what to do, and that nothing is lost. Every step of indexing and scanning commits on its own, so the videos not
 * done stay pending and the next rescan picks them up where this one stopped: a retryable failure.
 */
export function diskFullError(e: unknown, what: string): Error {
  return new Error(
    `disk full: the disk holding the library database or its cache is full; ${what} (${(e as Error)?.message ?? e}). ` +
      'Nothing saved was lost: free space and run rescan',
    { cause: e },
  );
}

/**
 * Opens (creating it and its folder when new) and migrates the library database. A file that cannot be written
 * (read-only file, folder or file system: SQLite needs to write the file and its -wal/-shm beside it) or a full
 * disk is a DbOpenError with a plain sentence naming the file, never a stack trace.
 */
export function openDb(file: string, migrations: Migration[] = allMigrations): Db {
  if (file === ':memory:') return openDbRaw(file, migrations);
  const abs = path.resolve(file);
  try {
    return openDbRaw(file, migrations);
  } catch (e) {
    const reason = (e as Error).message;
    if (isDiskFull(e)) throw new DbOpenError(`disk full: the library database cannot be written: ${abs} (${reason})`, abs, { cause: e });
    if (isReadOnly(e)) throw new DbOpenError(`the library database is read-only: ${abs} (${reason})`, abs, { cause: e });
    throw e;
  }
}

function openDbRaw(file: string, migrations: Migration[]): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  try {
    return setUp(db, migrations);
  } catch (e) {
    db.close();
    throw e;
  }
}

/** Up to this much of the database file is memory-mapped (a 100k-video library is ~60 MB). */
const MMAP_BYTES = 1 << 30;

function setUp(db: Db, migrations: Migration[]): Db {
  // First: every statement below (journal mode, migrations) may meet another process opening the same file.
  db.pragma('busy_timeout = 5000');
  // WAL keeps readers (the UI) unblocked while a scan writes, and makes a killed writer lose only its open transaction.
  // Switching a new file to WAL can meet SQLITE_BUSY without the busy handler being called (another process is
  // switching it at the same moment): retried, like the migrations.
  retryBusy(() => db.pragma('journal_mode = WAL'));
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Reads straight from the OS page cache instead of copying each page into SQLite's own 2 MB cache: that cache is
  // dropped whenever another connection commits (WAL), i.e. several times a second while a scan writes, so every
  // search re-read its pages; mapped pages of the file stay valid. Shared, file-backed memory the OS can reclaim,
  // not this process's heap. Measured with npm run bench -- --only search.
  db.pragma(`mmap_size = ${MMAP_BYTES}`);
  retryBusy(() => migrate(db, migrations));
  // A file the process may read but not write (read-only file or folder) opens fine and fails at the first write,
  // deep inside a job: a write transaction, rolled back, tells now.
  retryBusy(() => probeWritable(db));
  return db;
}

function probeWritable(db: Db): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    db.pragma(`user_version = ${schemaVersion(db)}`);
  } finally {
    db.exec('ROLLBACK');
  }
}

/** Runs `fn` again on SQLITE_BUSY (for up to `ms`): for the few statements SQLite does not wait on by itself. */
function retryBusy<T>(fn: () => T, ms = 20_000): T {
  const until = Date.now() + ms;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      return fn();
    } catch (e) {
      if (!String((e as { code?: string }).code).startsWith('SQLITE_BUSY') || Date.now() > until) throw e;
      Atomics.wait(pause, 0, 0, 5 + Math.random() * 20);
    }
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies every migration newer than the file's `user_version`, all in ONE `BEGIN IMMEDIATE` transaction that
 * reads the version inside it: two processes opening a new database at once serialise on the write lock (the
 * second waits up to busy_timeout), and the second then sees the first one's version and runs nothing.
 */
export function migrate(db: Db, migrations: Migration[]): number {
  const latest = migrations.reduce((m, x) => Math.max(m, x.version), 0);
  const tooNew = (current: number) =>
    new Error(`database schema version ${current} is newer than this Glimpse (${latest}); upgrade Glimpse`);
  // Fast path without a write lock: an up-to-date database (every open but the first) takes no lock at all.
  const seen = schemaVersion(db);
  if (seen > latest) throw tooNew(seen);
  if (seen === latest) return seen;
  db.transaction(() => {
    const current = schemaVersion(db);
    if (current > latest) throw tooNew(current);
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (m.version <= current) continue;
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
  return schemaVersion(db);
}
