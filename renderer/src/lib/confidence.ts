/**
 * The one way a tag's confidence is shown and explained (detail page, review queue; cards and chips can use the
 * same): a prediction shows its model's probability, a person's tag shows "yours" (it is a decision, not a guess).
 */
import type { TagScore } from '../../../shared/api.ts';
import { pct } from './format.ts';

const WHO = {
  student: ['the student', 'it looks at a few frames'],
  teacher: ['the teacher', 'it looks at many more frames than the student'],
} as const;

/** "72%" for a prediction, "yours" for a person's tag. */
export const confidenceLabel = (t: TagScore): string => (t.source === 'human' ? 'yours' : pct(t.probability ?? t.score));

/** What the number is and the line it had to pass, in words. */
export function confidenceExplanation(t: TagScore): string {
  if (t.source === 'human')
    return `You added “${t.tag}”: it is your label, not a model's guess, so it has no confidence. It wins over the models and training learns from it.`;
  const p = t.probability ?? t.score;
  const line = t.threshold ?? 0.5;
  return (
    `${pct(p)}: ${WHO[t.source][0]}'s estimated probability that “${t.tag}” appears somewhere in this video (${WHO[t.source][1]}). ` +
    `A prediction is shown as a tag from ${pct(line)} up: the line was chosen on held-out training clips so that most tags shown are right. ` +
    `The probability comes from a logistic fit on the training clips, not checked on your own videos.`
  );
}
