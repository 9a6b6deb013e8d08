/**
 * Writes resources/models/checksums.json: the sha256 of every weight file Glimpse loads from its installation —
 * the frame CNNs bundled in npm packages (nsfwjs MobileNetV2, @vladmandic/human centernet: manifest and shards)
 * and every shipped video model here (`<folder>/manifest.json`, and `weights.bin` for tfjs families). The app
 * refuses to load a file that does not match (main/ml/checksums.ts). Re-run after updating those packages or
 * retraining the shipped models:
 *
 *   node --import tsx resources/models/checksums.ts          write the list
 *   node --import tsx resources/models/checksums.ts --check  exit 1 if any file differs from the list
 */
import fs from 'node:fs';
import path from 'node:path';
import { CHECKSUMS, type ChecksumList, sumFile, verifyModelDir } from '../../main/ml/checksums.ts';
import { modelFiles, npmKey, npmModelFiles, npmModels, npmPackageVersion, shippedModelsDir } from '../../main/ml/model-files.ts';

const dir = shippedModelsDir();
const out = path.join(dir, CHECKSUMS);

if (process.argv.includes('--check')) {
  const bad = modelFiles().filter((m) => !m.found);
  for (const m of modelFiles()) console.log(`${m.found ? 'ok  ' : 'BAD '} ${m.name}`);
  process.exit(bad.length ? 1 : 0);
}

const files: ChecksumList['files'] = {};
const packages: Record<string, string> = {};
for (const m of npmModels()) {
  packages[m.pkg] = npmPackageVersion(m.pkg);
  for (const f of npmModelFiles(m, false).files) files[npmKey(m, f)] = sumFile(f);
}
for (const d of fs.readdirSync(dir).sort()) {
  for (const f of ['manifest.json', 'weights.bin']) {
    const p = path.join(dir, d, f);
    if (fs.existsSync(p)) files[`${d}/${f}`] = sumFile(p);
  }
}
const list: ChecksumList = {
  format: 'glimpse-checksums',
  version: 1,
  note: 'sha256 of every weight file Glimpse loads; made by `node --import tsx resources/models/checksums.ts`',
  packages,
  files,
};
fs.writeFileSync(out, `${JSON.stringify(list, null, 1)}\n`);
for (const d of fs.readdirSync(dir)) if (fs.existsSync(path.join(dir, d, 'manifest.json'))) verifyModelDir(path.join(dir, d));
console.log(`wrote ${Object.keys(files).length} checksums to ${out}`);
