// electron-builder.yml as electron-builder reads it: valid against electron-builder's own JSON schema (the
// scheme.json app-builder-lib ships, checked with ajv), with the installers, fuses and update policy the app
// promises, and every file it names present. Building the installers needs the Electron binary and network
// (not here); this is what can be checked without them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import yaml from 'js-yaml';
import { ICO_SIZES, makeIcons, PNG_SIZES } from '../../scripts/make-icons.mjs';
import { PROJECT_ROOT, tempDir } from '../helpers/fixtures.ts';

type Config = Record<string, unknown> & {
  directories: { output: string; buildResources: string };
  electronFuses: Record<string, boolean>;
  linux: { target: string[]; icon: string };
  mac: { target: { target: string; arch: string[] }[]; icon: string };
  win: { target: { target: string; arch: string[] }[]; icon: string };
};

const configFile = path.join(PROJECT_ROOT, 'electron-builder.yml');
const config = yaml.load(fs.readFileSync(configFile, 'utf8')) as Config;
const schema = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'node_modules', 'app-builder-lib', 'scheme.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile(schema);
const buildResources = path.join(PROJECT_ROOT, config.directories.buildResources);

/** electron-builder looks an icon up in buildResources first, then the project folder. */
function resource(p: string): string | null {
  return [path.join(buildResources, p), path.join(PROJECT_ROOT, p)].find((f) => fs.existsSync(f)) ?? null;
}

/** Width and height from a PNG's IHDR. */
function pngSize(file: string): [number, number] {
  const b = fs.readFileSync(file);
  assert.equal(b.subarray(1, 4).toString('ascii'), 'PNG', `${file} is a PNG`);
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

test("the config is valid against electron-builder's own schema, and the validator does catch mistakes", () => {
  assert.ok(validate(config), JSON.stringify(validate.errors, null, 2));
  // A misspelt fuse or an unknown target option must fail: the schema check is not a formality.
  assert.equal(validate({ ...config, electronFuses: { ...config.electronFuses, runAsnode: false } }), false);
  assert.equal(validate({ ...config, nsis: { oneclick: false } }), false);
  assert.equal(validate({ ...config, npmRebuild: 'yes' }), false);
});

test('installers for every platform, fuses set, no auto-update, natives rebuilt for Electron', () => {
  assert.equal(config.appId, 'org.glimpse.app');
  assert.equal(config.productName, 'Glimpse');
  assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
  assert.deepEqual(config.mac.target, [{ target: 'dmg', arch: ['x64', 'arm64'] }]);
  assert.deepEqual(config.win.target, [{ target: 'nsis', arch: ['x64'] }]);
  assert.deepEqual(config.electronFuses, {
    runAsNode: false,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableCookieEncryption: true,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
  });
  assert.equal(config.publish, null, 'no auto-update: builds are not signed');
  assert.equal(config.npmRebuild, true, 'better-sqlite3 (and tfjs-node when installed) rebuilt for Electron');
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.match(pkg.scripts.dist, /^electron-vite build && electron-builder\b/);
});

test('with RunAsNode off, the app starts the engine as a utilityProcess, never a Node child process', () => {
  // child_process.fork of the Electron binary needs ELECTRON_RUN_AS_NODE, which the runAsNode fuse disables.
  const dir = path.join(PROJECT_ROOT, 'main', 'electron');
  const sources = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
  assert.ok(sources.every((s) => !/node:child_process|from 'child_process'|process\.execPath/.test(s)));
  assert.ok(sources.some((s) => /utilityProcess\.fork\(/.test(s)));
});

test('every path the config names exists: build resources and the icon of each platform', () => {
  assert.ok(fs.statSync(buildResources).isDirectory());
  const linuxIcons = resource(config.linux.icon);
  assert.ok(linuxIcons && fs.statSync(linuxIcons).isDirectory(), 'linux icon set');
  const sizes = fs
    .readdirSync(linuxIcons)
    .map((f) => /^(\d+)x(\d+)\.png$/.exec(f))
    .filter((m) => m !== null)
    .map((m) => {
      assert.deepEqual(pngSize(path.join(linuxIcons, m[0])), [Number(m[1]), Number(m[2])], `${m[0]} is the size its name says`);
      return Number(m[1]);
    });
  assert.ok(sizes.includes(256) && sizes.includes(512), `linux sizes ${sizes}`);
  const mac = resource(config.mac.icon);
  assert.ok(mac, 'mac icon');
  assert.deepEqual(pngSize(mac), [1024, 1024], 'electron-builder makes the .icns from a 1024 px PNG');
  const ico = resource(config.win.icon);
  assert.ok(ico, 'windows icon');
  const b = fs.readFileSync(ico);
  assert.deepEqual([b.readUInt16LE(0), b.readUInt16LE(2)], [0, 1], 'an ICO header');
  const entries = Array.from({ length: b.readUInt16LE(4) }, (_, i) => b[6 + 16 * i] || 256);
  assert.deepEqual(entries, ICO_SIZES, 'NSIS needs a 256 px entry');
});

test('the committed icons are exactly what scripts/make-icons.mjs generates', () => {
  const dir = tempDir('glimpse-icons-');
  try {
    const made = makeIcons(dir);
    assert.equal(made.length, PNG_SIZES.length + 1);
    for (const f of made) {
      const committed = path.join(buildResources, path.relative(dir, f));
      assert.ok(
        fs.readFileSync(committed).equals(fs.readFileSync(f)),
        `${path.relative(PROJECT_ROOT, committed)}: run node scripts/make-icons.mjs`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
