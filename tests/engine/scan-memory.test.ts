// How many videos a many-video scan decodes ahead of the CNN: the memory held in decoded frames stays under the
// budget whatever the decoder count, and decode and inference always overlap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeAhead, DEFAULT_SCAN_SETTINGS, type ScanSettings } from '../../main/engine/scan-service.ts';

const s = (o: Partial<ScanSettings>): ScanSettings => ({ ...DEFAULT_SCAN_SETTINGS, ...o });

test('frames in flight (the video at the CNN plus those decoded ahead) stay within the budget', () => {
  for (const [kind, k, max, decoders, budget] of [
    ['teacher', 10, 300, 4, 600],
    ['teacher', 10, 300, 4, 1500],
    ['student', 10, 300, 4, 600],
    ['student', 64, 300, 8, 256],
  ] as const) {
    const set = s({ k, teacherMaxFrames: max, decoders, maxFramesInFlight: budget });
    const ahead = decodeAhead(set, kind);
    const perVideo = kind === 'student' ? k : max;
    assert.ok(ahead >= 1 && ahead <= decoders, `${kind}: ${ahead} ahead`);
    assert.ok((ahead + 1) * perVideo <= budget, `${kind}: ${(ahead + 1) * perVideo} frames held, budget ${budget}`);
  }
  assert.equal(decodeAhead(s({ teacherMaxFrames: 300, decoders: 4, maxFramesInFlight: 600 }), 'teacher'), 1);
  assert.equal(decodeAhead(s({ k: 10, decoders: 4, maxFramesInFlight: 600 }), 'student'), 4, 'a student is bounded by the decoders');
});

test('a budget below two videos still decodes one ahead: overlap is kept, the budget is the floor of what a pipeline needs', () => {
  assert.equal(decodeAhead(s({ teacherMaxFrames: 300, decoders: 4, maxFramesInFlight: 100 }), 'teacher'), 1);
});
