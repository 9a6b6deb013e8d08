// Compare: for videos with both scans, student vs teacher — library-wide GAP, mAP, hit@1, precision/recall,
// seconds and FLOPs per video split by stage, the accuracy-vs-time chart for several k, and per-video rows;
// labels switch to human tags once a person edits a video.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pct } from '../../renderer/src/lib/format.ts';
import { screenshotPath } from '../helpers/browser.ts';
import { openPage, startApp, type AppFixture } from './app.ts';

let app: AppFixture;
before(async () => {
  app = await startApp({ scan: { teacherMinFrames: 8 } });
});
after(async () => {
  await app?.close();
});

test('before any teacher scan: the view explains why it is empty and runs the teacher on the library', async () => {
  const { page, errors } = await openPage(app, '#/compare');
  await page.getByText(/No video has both scans yet/).waitFor();
  await page.screenshot({ path: screenshotPath('compare-empty') });
  await page.getByRole('button', { name: 'Run teacher scan on the library' }).click();
  await page.getByTestId('job').filter({ hasText: 'Teacher scan' }).waitFor();
  await page.getByTestId('job').waitFor({ state: 'detached', timeout: 180_000 });
  await page.getByRole('table', { name: 'Library-wide metrics' }).waitFor();
  assert.equal((await app.engine.call('compare.summary', {})).library.pairs, 3, 'three readable videos have both scans');
  assert.deepEqual(errors, []);
  await page.close();
});

test('library-wide metrics, stage split with FLOPs, accuracy vs time for several k, per-video rows', async () => {
  const { page, errors } = await openPage(app, '#/compare');
  await page.getByRole('heading', { name: 'Student vs teacher' }).waitFor();
  const metrics = page.getByRole('table', { name: 'Library-wide metrics' });
  await metrics.waitFor();
  assert.match(await page.getByText(/labels: agreement with the teacher's tags/).innerText(), /3 videos with both scans/);
  // Without human labels the teacher is never scored against its own tags (that was a 100% by construction):
  // its column shows a dash, the student's shows the engine's figure for agreement with the teacher.
  const s0 = await app.engine.call('compare.summary', {});
  assert.equal(s0.library.teacher, null);
  assert.ok(s0.library.student, 'the student is measured as agreement with the teacher');
  const cells = async (label: string) =>
    metrics
      .getByRole('row', { name: new RegExp(`^${label}`) })
      .locator('td')
      .allInnerTexts();
  for (const [key, label] of [
    ['gap', 'GAP@20'],
    ['map', 'mAP'],
    ['hit1', 'hit@1'],
    ['precision', 'precision'],
    ['recall', 'recall'],
  ] as const) {
    assert.deepEqual(await cells(label), [pct(s0.library.student![key]), '–'], label);
  }
  assert.deepEqual(await cells('frames / video'), [
    s0.library.studentFramesPerVideo.toFixed(1),
    s0.library.teacherFramesPerVideo.toFixed(1),
  ]);
  assert.equal(s0.library.studentFramesPerVideo, 2, 'k = 2 frames per video');
  assert.ok(s0.library.teacherFramesPerVideo >= 8, 'the teacher sees every sampled frame (at least teacherMinFrames)');
  assert.deepEqual(await cells('seconds / video'), [
    s0.library.studentSecondsPerVideo.toFixed(2),
    s0.library.teacherSecondsPerVideo.toFixed(2),
  ]);

  const stages = page.getByTestId('stages');
  for (const label of [
    'decode (s)',
    'frame CNNs (s)',
    'video model (s)',
    'total (s)',
    'frame CNNs (FLOPs)',
    'video model (FLOPs)',
    'total (FLOPs)',
  ]) {
    await stages.getByRole('row', { name: new RegExp(`^${label.replace(/[()]/g, '\\$&')}`) }).waitFor();
  }
  // 2 frames × (MobileNetV2 0.6 + centernet 2.6 GFLOPs) ≈ 6.4 GFLOPs for the student; the teacher's 8+ frames cost several times more.
  assert.match(await stages.getByRole('row', { name: /^frame CNNs \(FLOPs\)/ }).innerText(), /6\.4 GFLOPs\s+\d+\.\d GFLOPs/);
  assert.match(await stages.getByRole('row', { name: /^FLOPs saved/ }).innerText(), /\d+\.\d× fewer/);

  const s = await app.engine.call('compare.summary', {});
  assert.ok(s.library.teacherStages.cnnFlops > 3 * s.library.studentStages.cnnFlops);
  // The chart: one dot per simulated k plus the two measured scans, each simulated dot labelled with its k.
  const chart = page.getByRole('img', { name: /Accuracy \(mAP\) against seconds per video/ });
  assert.equal(await chart.locator(':scope > circle').count(), s.curve.length);
  assert.ok(s.curve.filter((p) => p.simulated).length >= 3, 'several k values');
  for (const p of s.curve.filter((c) => c.simulated)) await chart.getByText(`k=${p.k}`, { exact: true }).waitFor();
  // The y axis fits the data (not 0–100 % with every dot in the top band); a legend; no two labels overlap; every
  // label (the teacher's at the right edge too) inside the chart.
  const yTicks = await chart.locator('text[text-anchor=end]').allTextContents();
  const lo = Math.min(...s.curve.map((p) => p.map)),
    hi = Math.max(...s.curve.map((p) => p.map));
  const tickVals = yTicks.map((t) => Number(t.replace('%', '')) / 100);
  assert.ok(Math.min(...tickVals) <= lo + 0.05 && Math.max(...tickVals) >= hi - 0.05, `ticks ${yTicks} cover ${lo}–${hi}`);
  if (hi - lo < 0.5) assert.ok(Math.max(...tickVals) - Math.min(...tickVals) < 1, `the axis is not 0–100 %: ${yTicks}`);
  assert.match(
    await chart
      .getByTestId('legend')
      .textContent()
      .then((t) => (t ?? '').trim()),
    /^student \(measured\)\s*student on k cached frames$/,
    'a legend, without a teacher entry while the teacher has no dot',
  );
  const boxes = await chart.locator('text.pt').evaluateAll((els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return { t: e.textContent, x0: r.left, x1: r.right, y0: r.top, y1: r.bottom };
    }),
  );
  const svgBox = (await chart.boundingBox())!;
  for (const [i, a] of boxes.entries()) {
    assert.ok(a.x0 >= svgBox.x && a.x1 <= svgBox.x + svgBox.width + 0.5, `${a.t} inside the chart`);
    for (const b of boxes.slice(i + 1))
      assert.ok(a.x1 <= b.x0 || b.x1 <= a.x0 || a.y1 <= b.y0 || b.y1 <= a.y0, `labels ${a.t} and ${b.t} overlap`);
  }
  assert.ok(
    boxes.some((b) => b.t === 'teacher') === s.curve.some((p) => p.label.startsWith('teacher')),
    JSON.stringify(boxes.map((b) => b.t)),
  );
  // Short explanations of the figures.
  assert.match((await metrics.locator('abbr', { hasText: 'GAP@20' }).getAttribute('title'))!, /20 most confident tags/);
  await page.getByText('What do these numbers mean?').click();
  for (const term of ['GAP@20', 'mAP', 'hit@1', 'FLOPs', 'teacher', 'student'])
    assert.ok(
      (await page
        .getByTestId('help')
        .locator('dt', { hasText: new RegExp(`^${term.replace('@', '@')}$`) })
        .count()) === 1,
      term,
    );

  const rows = page.locator('table.pv tbody tr');
  assert.equal(await rows.count(), 3);
  assert.match(
    await rows.filter({ hasText: 'person.mp4' }).innerText(),
    /person \d+%[\s\S]*person \d+%[\s\S]*\d+%[\s\S]*GFLOPs \/ [\d.]+ GFLOPs/,
  );
  // The plain-language summary comes first, its numbers taken from the engine's compare result (counted here again).
  const found = s.videos.reduce((n, v) => n + v.teacher.filter((t) => v.student.some((x) => x.tag === t.tag)).length, 0);
  const teacherTags = s.videos.reduce((n, v) => n + v.teacher.length, 0);
  const speed = (s.library.teacherSecondsPerVideo / s.library.studentSecondsPerVideo).toFixed(1);
  const plain = await page.getByTestId('plain-summary').innerText();
  assert.equal(
    plain,
    `On 3 videos the student found ${found} of the teacher’s ${teacherTags} tag${teacherTags === 1 ? '' : 's'}, ${speed}× faster, ` +
      `looking at 2 of ${Number.isInteger(s.library.teacherFramesPerVideo) ? s.library.teacherFramesPerVideo : s.library.teacherFramesPerVideo.toFixed(1)} frames per video.`,
  );
  assert.ok(
    await page.evaluate(() => {
      const p = document.querySelector('[data-testid=plain-summary]')!;
      return [...document.querySelectorAll('table')].every((t) => p.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING);
    }),
    'the summary comes before every table',
  );
  // The copy states the teacher's real frame rate on these clips (not "one frame per second").
  const fps = s.videos.reduce((n, v) => n + v.teacherFrames, 0) / s.videos.reduce((n, v) => n + (v.durationS ?? 0), 0);
  assert.match(await page.getByTestId('teacher-fps').innerText(), new RegExp(`^The teacher looked at ${fps.toFixed(1)} frames a second`));
  assert.ok(fps > 1.5, `short clips: the teacher saw ${fps} frames a second`);
  assert.doesNotMatch(await page.locator('main').innerText(), /one frame per second/);
  await page.screenshot({ path: screenshotPath('compare'), fullPage: true });
  // At 800 px wide nothing overflows sideways.
  await page.setViewportSize({ width: 800, height: 800 });
  const o = await page.evaluate(() => ({
    sw: document.querySelector('main')!.scrollWidth,
    cw: document.querySelector('main')!.clientWidth,
  }));
  assert.ok(o.sw <= o.cw, `no horizontal overflow at 800 px: ${JSON.stringify(o)}`);
  await page.screenshot({ path: screenshotPath('compare-800') });
  await page.locator('figure').scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('compare-800-chart') });
  await page.setViewportSize({ width: 1280, height: 800 });

  // A human tag makes that video the only one scored, against the person's labels: a video a person tagged is
  // labelled by exactly their "yes" tags (here "dog"), the rule training uses too.
  const person = s.videos.find((v) => v.name === 'person.mp4')!;
  await app.engine.call('tags.edit', { videoIds: [person.id], add: ['dog'] });
  await page.reload();
  await page.getByText(/labels: your tags on 1 video \(only those are scored\)/).waitFor();
  const s1 = await app.engine.call('compare.summary', {});
  // The person's labels are in the per-video table, so a changed score can be traced to them.
  assert.deepEqual(s1.videos.find((v) => v.id === person.id)!.human, [{ tag: 'dog', score: 1, source: 'human' }]);
  assert.equal(await rows.filter({ hasText: 'person.mp4' }).getByTestId('human-tags').innerText(), 'dog');
  assert.equal(await rows.filter({ hasText: 'pattern one.mp4' }).getByTestId('human-tags').innerText(), 'none');
  assert.ok(s1.library.teacher, 'with a human label the teacher is scored too');
  // "dog" is a true label neither model predicted: recall below 1 for both, so neither is scoring itself
  assert.ok(s1.library.teacher!.recall < 1 && s1.library.student!.recall < 1, JSON.stringify(s1.library));
  // Now the teacher is a dot on the chart too: its label is not clipped at the right edge.
  const chart1 = page.getByRole('img', { name: /Accuracy \(mAP\) against seconds per video/ });
  const teacherLabel = chart1.locator('text.pt', { hasText: /^teacher$/ });
  await teacherLabel.waitFor();
  assert.match((await chart1.getByTestId('legend').textContent()) ?? '', /teacher \(measured\)/);
  const tb = (await teacherLabel.boundingBox())!,
    cb = (await chart1.boundingBox())!;
  assert.ok(tb.x >= cb.x && tb.x + tb.width <= cb.x + cb.width, `teacher label inside the chart ${JSON.stringify([tb, cb])}`);
  await page.locator('figure').scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('compare-chart-teacher') });
  assert.deepEqual(errors, []);
  await page.close();
});
