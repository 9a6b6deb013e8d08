/**
 * Video model configurations. Defaults are scaled to a small personal library (~70 clips, 80 classes) on a
 * 2-core CPU: the paper's 1024-unit LSTMs and 256-cluster NetVLAD would overfit and take hours here.
 */
export type Family = 'hrnn' | 'netvlad' | 'nextvlad';

export interface HeadConfig {
  type: 'logistic' | 'moe';
  /** MoE experts per class (plus the implicit "dummy" expert that always says 0, as in YT-8M's MoeModel) */
  experts: number;
}

export interface HrnnConfig {
  family: 'hrnn';
  cell: 'gru' | 'lstm';
  /** lower RNN units (shared across blocks) */
  hidden: number;
  /** upper RNN units; its final hidden state is the representation E */
  upperHidden: number;
  /** frames are split into this many equal blocks per video (the repo's student used 5) */
  blocks: number;
}

export interface NetVladConfig {
  family: 'netvlad';
  clusters: number;
  hidden: number;
  /** context gating on the hidden layer (Miech et al.) */
  gating: boolean;
}

export interface NeXtVladConfig {
  family: 'nextvlad';
  clusters: number;
  groups: number;
  expansion: number;
  hidden: number;
  /** SE gating bottleneck = hidden / gatingReduction */
  gatingReduction: number;
}

export type EncoderConfig = HrnnConfig | NetVladConfig | NeXtVladConfig;

export type VideoModelConfig = EncoderConfig & {
  inputDim: number;
  numClasses: number;
  head: HeadConfig;
  /** dropout on E before the head, training only */
  dropout: number;
};

export const ENCODER_DEFAULTS: { [F in Family]: Extract<EncoderConfig, { family: F }> } = {
  hrnn: { family: 'hrnn', cell: 'gru', hidden: 128, upperHidden: 128, blocks: 5 },
  netvlad: { family: 'netvlad', clusters: 8, hidden: 128, gating: true },
  nextvlad: { family: 'nextvlad', clusters: 16, groups: 8, expansion: 2, hidden: 128, gatingReduction: 8 },
};

export function makeConfig(
  family: Family,
  inputDim: number,
  numClasses: number,
  overrides: Partial<VideoModelConfig> & { head?: Partial<HeadConfig> } = {},
): VideoModelConfig {
  const head: HeadConfig = { type: 'moe', experts: 2, ...(overrides.head ?? {}) };
  return { ...ENCODER_DEFAULTS[family], dropout: 0.2, ...overrides, family, inputDim, numClasses, head } as VideoModelConfig;
}

/** Length of the representation E for a config (what L_rep compares). */
export function representationDim(c: EncoderConfig): number {
  return c.family === 'hrnn' ? c.upperHidden : c.hidden;
}
