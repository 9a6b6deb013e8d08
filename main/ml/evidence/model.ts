/**
 * The evidence model: per-class calibration of pooled detector evidence, with few parameters per class.
 *
 *   h_c = M · f_c + d                        (adapter, shared by all classes; identity for the teacher)
 *   z_c = (w + u_c) · h_c + b + β_c          (shared weights plus small per-class offsets, shrunk to 0)
 *   p_c = σ(z_c)                             (calibrated probability that class c is in the video)
 *
 * f_c are the statistics of main/ml/evidence/pool.ts over the frames looked at. A class with few training
 * examples keeps the shared calibration (its offsets are penalised like a prior of `lambda` pseudo-videos), and
 * a class never seen in training is still tagged from its detector evidence.
 *
 * Teacher: fitted on the pooled evidence of every frame. Student (the paper's distillation, serial): starts from
 * the teacher, and learns from k frames with L_CE (human labels, where there are any) + α·L_rep (its adapted
 * evidence h against the teacher's full-frame evidence E_T, the representation it should reconstruct) + β·L_pred
 * (squared error to the teacher's probabilities). Clips without labels contribute L_rep and L_pred only, so the
 * teacher labels what humans did not.
 */
import { NUM_EVIDENCE, sigmoid } from './pool.ts';

export interface EvidenceParams {
  classes: number;
  /** evidence statistics per class (NUM_EVIDENCE) */
  F: number;
  w: number[];
  b: number;
  u: number[];
  beta: number[];
  /** adapter, F×F row-major, and shift (F) */
  M: number[];
  d: number[];
}

export function identityParams(classes: number, F = NUM_EVIDENCE): EvidenceParams {
  const M = new Array<number>(F * F).fill(0);
  for (let j = 0; j < F; j++) M[j * F + j] = 1;
  // start as "trust the best frame": z = logit(max) − 1
  const w = new Array<number>(F).fill(0);
  w[0] = 1;
  return {
    classes,
    F,
    w,
    b: -1,
    u: new Array<number>(classes * F).fill(0),
    beta: new Array<number>(classes).fill(0),
    M,
    d: new Array<number>(F).fill(0),
  };
}

/** Adapted evidence h (classes × F) of one video. */
export function adapt(p: EvidenceParams, ev: ArrayLike<number>): Float64Array {
  const { F, classes, M, d } = p;
  const h = new Float64Array(classes * F);
  for (let c = 0; c < classes; c++) {
    for (let j = 0; j < F; j++) {
      let s = d[j];
      for (let k = 0; k < F; k++) s += M[j * F + k] * ev[c * F + k];
      h[c * F + j] = s;
    }
  }
  return h;
}

/** Logits of one video's pooled evidence. */
export function logits(p: EvidenceParams, ev: ArrayLike<number>): Float64Array {
  const h = adapt(p, ev);
  const z = new Float64Array(p.classes);
  for (let c = 0; c < p.classes; c++) {
    let s = p.b + p.beta[c];
    for (let j = 0; j < p.F; j++) s += (p.w[j] + p.u[c * p.F + j]) * h[c * p.F + j];
    z[c] = s;
  }
  return z;
}

export function probabilities(p: EvidenceParams, ev: ArrayLike<number>): Float64Array {
  return logits(p, ev).map(sigmoid);
}

export interface FitExample {
  /** pooled evidence of the frames this model looks at (classes × F) */
  ev: ArrayLike<number>;
  /** human labels (multi-hot), or null for a clip nobody labelled */
  y: ArrayLike<number> | null;
  /** distillation targets: the teacher's full-frame evidence and probabilities */
  teacherEv?: ArrayLike<number>;
  teacherP?: ArrayLike<number>;
}

export interface FitOptions {
  /** weights of the loss terms; rep/pred need teacher targets on the examples */
  ce: number;
  rep: number;
  pred: number;
  /** learn the adapter M, d (student) or keep it identity (teacher, baselines) */
  adapter: boolean;
  /** strength of the per-class offsets' shrinkage, in pseudo-videos */
  lambda: number;
  epochs: number;
  lr: number;
  /** start here (a student starts from its teacher) */
  init?: EvidenceParams;
}

export const TEACHER_FIT: FitOptions = { ce: 1, rep: 0, pred: 0, adapter: false, lambda: 8, epochs: 400, lr: 0.05 };
export const STUDENT_FIT: FitOptions = { ce: 1, rep: 1, pred: 1, adapter: true, lambda: 8, epochs: 400, lr: 0.05 };

/** Full-batch Adam on the mean loss per (video, class). Deterministic: no sampling at all. */
export function fit(examples: FitExample[], classes: number, o: FitOptions): EvidenceParams {
  const p = structuredClone(o.init ?? identityParams(classes));
  const F = p.F,
    C = classes,
    N = examples.length;
  if (!N) return p;
  // flat views: [w F | b 1 | u C·F | beta C | M F·F | d F]
  const sizes = [F, 1, C * F, C, F * F, F];
  const total = sizes.reduce((a, b) => a + b, 0);
  const m1 = new Float64Array(total),
    m2 = new Float64Array(total);
  const b1 = 0.9,
    b2 = 0.999;
  const h = new Float64Array(C * F),
    dh = new Float64Array(F);
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const g = new Float64Array(total);
    const [gw, gb, gu, gbeta, gM, gd] = split(g, sizes);
    const scale = 1 / (N * C);
    for (const ex of examples) {
      // forward
      for (let c = 0; c < C; c++) {
        for (let j = 0; j < F; j++) {
          let s = p.d[j];
          for (let k = 0; k < F; k++) s += p.M[j * F + k] * ex.ev[c * F + k];
          h[c * F + j] = s;
        }
      }
      for (let c = 0; c < C; c++) {
        let z = p.b + p.beta[c];
        for (let j = 0; j < F; j++) z += (p.w[j] + p.u[c * F + j]) * h[c * F + j];
        const q = sigmoid(z);
        let dz = 0;
        if (ex.y && o.ce) dz += o.ce * (q - ex.y[c]);
        if (ex.teacherP && o.pred) dz += o.pred * 2 * (q - ex.teacherP[c]) * q * (1 - q);
        dz *= scale;
        gb[0] += dz;
        gbeta[c] += dz;
        for (let j = 0; j < F; j++) {
          const hv = h[c * F + j];
          gw[j] += dz * hv;
          gu[c * F + j] += dz * hv;
          dh[j] = dz * (p.w[j] + p.u[c * F + j]);
          if (ex.teacherEv && o.rep) dh[j] += (o.rep * 2 * (hv - ex.teacherEv[c * F + j]) * scale) / F;
        }
        if (o.adapter) {
          for (let j = 0; j < F; j++) {
            gd[j] += dh[j];
            for (let k = 0; k < F; k++) gM[j * F + k] += dh[j] * ex.ev[c * F + k];
          }
        }
      }
    }
    // shrinkage of the per-class offsets: lambda pseudo-videos of evidence that the class behaves like all others
    const reg = o.lambda / N;
    for (let i = 0; i < C * F; i++) gu[i] += (2 * reg * p.u[i]) / C;
    for (let c = 0; c < C; c++) gbeta[c] += (2 * reg * p.beta[c]) / C;
    // Adam step
    const flat = [p.w, [p.b], p.u, p.beta, p.M, p.d];
    let off = 0;
    const lrT = (o.lr * Math.sqrt(1 - b2 ** epoch)) / (1 - b1 ** epoch);
    flat.forEach((arr, part) => {
      const frozen = !o.adapter && part >= 4;
      for (let i = 0; i < arr.length; i++, off++) {
        if (frozen) continue;
        m1[off] = b1 * m1[off] + (1 - b1) * g[off];
        m2[off] = b2 * m2[off] + (1 - b2) * g[off] * g[off];
        arr[i] -= (lrT * m1[off]) / (Math.sqrt(m2[off]) + 1e-8);
      }
    });
    p.b = flat[1][0];
  }
  return p;
}

function split(g: Float64Array, sizes: number[]): Float64Array[] {
  const out: Float64Array[] = [];
  let off = 0;
  for (const s of sizes) {
    out.push(g.subarray(off, off + s));
    off += s;
  }
  return out;
}

/** Number of free parameters (what the manifest reports). */
export function parameterCount(p: EvidenceParams): number {
  return p.w.length + 1 + p.u.length + p.beta.length + p.M.length + p.d.length;
}
