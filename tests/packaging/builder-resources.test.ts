/**
 * What the installed app loads at run time is in the installer: every resource the resolver (core/resources.ts)
 * can hand out in the packaged layout is covered by electron-builder.yml's `files` (or is a production dependency,
 * which electron-builder copies itself), by `extraResources` when it lives beside the archive, and by `asarUnpack`
 * when the OS must open it as a real file (executables, native addons, wasm, worker scripts, weights read by path).
 * The packaged layout is the repo seen through a fake <resources>/app.asar (a symlink to the repo).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { minimatch } from 'minimatch';
import { detectRoots, resourceList, type Resource } from '../../main/core/resources.ts';
import { PROJECT_ROOT, tempDir } from '../helpers/fixtures.ts';

interface ExtraResource {
  from: string;
  to: string;
  filter?: string[];
}
interface BuilderConfig {
  files: string[];
  extraResources?: (string | ExtraResource)[];
  asarUnpack?: string[];
}

// js-yaml (electron-builder's own YAML reader) ships no types; only `load` is used.
const yaml = (await import('js-yaml' as string)) as { load: (text: string) => unknown };
const config = yaml.load(fs.readFileSync(path.join(PROJECT_ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const tmp = tempDir('glimpse-builder-');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const resources = path.join(tmp, 'resources');
fs.mkdirSync(resources);
fs.symlinkSync(PROJECT_ROOT, path.join(resources, 'app.asar'));
const roots = detectRoots(path.join(resources, 'app.asar', 'out', 'main', 'index.js'), resources);
const list = resourceList(roots);

/** electron-builder's glob semantics: the last matching pattern wins, `!` excludes; dotfiles match. */
function covered(patterns: string[], rel: string): boolean {
  let inside = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (minimatch(rel, p.slice(1), { dot: true })) inside = false;
    } else if (minimatch(rel, p, { dot: true })) inside = true;
  }
  return inside;
}

/** A folder resource is covered when a file inside it is. */
function probeName(r: Resource, rel: string): string {
  const isDir =
    fs.statSync(r.path.replace(roots.unpackedRoot, roots.appRoot), { throwIfNoEntry: false })?.isDirectory() ?? r.kind !== 'tool';
  return isDir ? `${rel}/x.bin` : rel;
}

/** The production closure from package-lock.json: what electron-builder puts in the app's node_modules. */
const lock = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
};
const production = new Set(
  Object.entries(lock.packages)
    .filter(([k, v]) => k.startsWith('node_modules/') && !v.dev)
    .map(([k]) => k),
);

function packageOf(rel: string): string {
  const parts = rel.split('/');
  return parts.slice(0, parts[1]?.startsWith('@') ? 3 : 2).join('/');
}

test('the resolver lists the resources of every kind the app loads', () => {
  const kinds = new Set(list.map((r) => r.kind));
  for (const k of ['models', 'npm-models', 'worker', 'renderer', 'preload', 'tool', 'native', 'wasm', 'package.json'])
    assert.ok(kinds.has(k as Resource['kind']), `no ${k} in the list`);
  // executables, natives, wasm and workers are real files for the OS, whatever else changes
  for (const r of list.filter((x) => ['tool', 'native', 'wasm', 'worker', 'npm-models'].includes(x.kind)))
    assert.ok(r.unpacked && r.path.startsWith(roots.unpackedRoot + path.sep), `${r.id} must be asar-unpacked: ${r.path}`);
});

test('every resource is in the installer: files / production node_modules / extraResources, and asarUnpack where it must be a real file', () => {
  const problems: string[] = [];
  for (const r of list) {
    const base = r.path.startsWith(roots.unpackedRoot + path.sep)
      ? roots.unpackedRoot
      : r.path.startsWith(roots.appRoot + path.sep)
        ? roots.appRoot
        : null;
    if (base) {
      const rel = path.relative(base, r.path).split(path.sep).join('/');
      const probe = probeName(r, rel);
      if (rel.startsWith('node_modules/')) {
        if (!production.has(packageOf(rel)))
          problems.push(`${r.id}: ${packageOf(rel)} is not a production dependency, so it is not shipped`);
      } else if (!covered(config.files, probe)) problems.push(`${r.id}: ${rel} is not matched by files`);
      if (r.unpacked && !covered(config.asarUnpack ?? [], probe)) problems.push(`${r.id}: ${rel} is not matched by asarUnpack`);
    } else {
      // beside the archive: an extraResources entry must put it there, from a folder that exists in the repo
      const rel = path.relative(roots.resourcesDir, r.path).split(path.sep).join('/');
      const entry = (config.extraResources ?? []).find(
        (e): e is ExtraResource => typeof e !== 'string' && (rel === e.to || rel.startsWith(`${e.to}/`)),
      );
      if (!entry) problems.push(`${r.id}: ${rel} is outside the app and no extraResources entry puts it there`);
      else {
        const from = path.join(PROJECT_ROOT, entry.from, path.relative(entry.to, rel));
        if (!fs.existsSync(from)) problems.push(`${r.id}: extraResources source ${from} does not exist`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('the shipped model weights are copied by extraResources and the TypeScript beside them is not', () => {
  const entry = (config.extraResources ?? []).find((e): e is ExtraResource => typeof e !== 'string' && e.to === 'models');
  assert.ok(entry, 'no extraResources entry for the models');
  const filter = entry.filter ?? ['**/*'];
  for (const f of ['student/manifest.json', 'teacher/manifest.json', 'checksums.json'])
    assert.ok(covered(filter, f), `${f} is filtered out`);
  assert.equal(covered(filter, 'checksums.ts'), false);
});

test('the check itself notices a resource the config would miss', () => {
  assert.equal(covered(config.files, 'out/cli/glimpse.js'), false, 'the CLI build is not part of the desktop app');
  assert.equal(covered(config.asarUnpack ?? [], 'out/renderer/index.html'), false);
  assert.equal(covered(config.files, 'out/main/index.ts'), false, '!**/*.ts excludes sources');
});
