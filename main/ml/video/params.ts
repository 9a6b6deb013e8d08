/**
 * Named, ordered trainable variables with seeded initialisation. Order matters: it is the layout of
 * weights.bin, so creation order must stay stable for saved models to load.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng.ts';

export class Params {
  readonly vars = new Map<string, tf.Variable>();
  constructor(
    private prefix: string,
    private rng: Rng | null,
  ) {}

  private add(name: string, shape: number[], values: Float32Array): tf.Variable {
    const full = `${this.prefix}/${name}`;
    if (this.vars.has(full)) throw new Error(`duplicate variable ${full}`);
    const init = tf.tensor(values, shape);
    const v = tf.variable(init, true, `${full}_${uid++}`);
    init.dispose(); // the variable holds its own reference to the data
    this.vars.set(full, v);
    return v;
  }

  /** Glorot-uniform, the Keras default the reference implementations relied on. */
  glorot(name: string, shape: [number, number]): tf.Variable {
    const limit = Math.sqrt(6 / (shape[0] + shape[1]));
    return this.add(
      name,
      shape,
      this.fill(shape[0] * shape[1], () => (this.rng!.next() * 2 - 1) * limit),
    );
  }

  /** Small normal init for cluster centres (NetVLAD's own choice: 1/√D scale). */
  normal(name: string, shape: number[], std: number): tf.Variable {
    return this.add(
      name,
      shape,
      this.fill(
        shape.reduce((a, b) => a * b, 1),
        () => this.rng!.normal() * std,
      ),
    );
  }

  constant(name: string, shape: number[], value: number): tf.Variable {
    return this.add(name, shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value));
  }

  private fill(n: number, f: () => number): Float32Array {
    const a = new Float32Array(n);
    if (this.rng) for (let i = 0; i < n; i++) a[i] = f();
    return a;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(`${this.prefix}/${name}`);
    if (!v) throw new Error(`no variable ${this.prefix}/${name}`);
    return v;
  }

  list(): tf.Variable[] {
    return [...this.vars.values()];
  }
}

// tf.variable names are global; a counter keeps teacher and student (and reloaded copies) apart.
let uid = 0;
