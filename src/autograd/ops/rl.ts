// Losses of reward modelling, PPO and distillation. Like DPO (sequence.ts) they are computed on
// the host from small read-backs and write their gradient back into the graph.
import type { Backend, Buf } from '../../backend/backend.js';
import { ShapeError } from '../../errors.js';
import type { Graph } from '../graph.js';
import type { Var } from '../var.js';

/** Reads n values of a buffer (f64 on the float64 JS backend, where the values are f64). */
function readHost(be: Backend, buf: Buf, n: number): Float64Array {
  if (be.name === 'js-f64') {
    const out = new Float64Array(n);
    be.read(buf, out);
    return out;
  }
  const f = new Float32Array(n);
  be.read(buf, f);
  return Float64Array.from(f);
}

function writeHost(be: Backend, buf: Buf, values: Float64Array): void {
  be.write(buf, be.name === 'js-f64' ? values : Float32Array.from(values));
}

/** Adds (or writes) a host gradient into v's gradient. */
function backGrad(g: Graph, v: Var, d: Float64Array): void {
  if (!v.requiresGrad) return;
  g.accumulateGrad(v, (dst) => writeHost(g.backend, dst, d));
}

function seedOf(g: Graph, out: Var): number {
  return readHost(g.backend, out.grad!, 1)[0]!;
}

function scalar(g: Graph, value: number, requiresGrad: boolean): Var {
  const out = g.tensor([1], requiresGrad);
  g.backend.fill(out.data, value, 1);
  return out;
}

type Row = Float32Array | Float64Array;

/** A host row in the backend's precision (f64 on the float64 JS backend). */
function rowBuffer(be: Backend, n: number): Row {
  return be.name === 'js-f64' ? new Float64Array(n) : new Float32Array(n);
}

/** log Σ_j exp(x[off + j] / T) over n values. */
function logSumExp(x: ArrayLike<number>, off: number, n: number, invT: number): number {
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, x[off + j]! * invT);
  let s = 0;
  for (let j = 0; j < n; j++) s += Math.exp(x[off + j]! * invT - max);
  return Math.log(s) + max;
}

/**
 * Writes per-row gradients of v [N, cols] (rows not listed get 0): `fill(r, dst)` computes row r.
 * Works a row at a time, so the host never holds more than two rows.
 */
function rowGrads(g: Graph, v: Var, rows: readonly number[], fill: (r: number, dst: Row) => void): void {
  if (!v.requiresGrad) return;
  const be = g.backend;
  const cols = v.cols;
  const t = g.gradTarget(v);
  if (!t.accumulate) be.fill(t.buf, 0, v.size);
  const d = rowBuffer(be, cols);
  const cur = t.accumulate ? rowBuffer(be, cols) : undefined;
  for (const r of rows) {
    fill(r, d);
    if (cur !== undefined) {
      be.read(t.buf, cur, r * cols * 4);
      for (let j = 0; j < cols; j++) d[j]! += cur[j]!;
    }
    be.write(t.buf, d, r * cols * 4);
  }
}

/**
 * Per-row log-probability of the target token under softmax(logits / temperature):
 * out[r] = log softmax(logits[r] / T)[targets[r]], 0 where targets[r] < 0. logits [N, V] → [N].
 */
export function tokenLogProbs(g: Graph, logits: Var, targets: Int32Array, temperature = 1): Var {
  const be = g.backend;
  const [rows, vocab] = [logits.rows, logits.cols];
  if (targets.length !== rows)
    throw new ShapeError(`tokenLogProbs: ${targets.length} targets for ${rows} rows`);
  if (!(temperature > 0)) throw new ShapeError(`tokenLogProbs: temperature must be > 0, got ${temperature}`);
  for (const t of targets) {
    if (t >= vocab) throw new ShapeError(`tokenLogProbs: target ${t} outside vocabulary of ${vocab}`);
  }
  const invT = 1 / temperature;
  const x = rowBuffer(be, vocab);
  const lp = new Float64Array(rows);
  const lse = new Float64Array(rows);
  const live: number[] = [];
  for (let r = 0; r < rows; r++) {
    const t = targets[r]!;
    if (t < 0) continue;
    be.read(logits.data, x, r * vocab * 4);
    lse[r] = logSumExp(x, 0, vocab, invT);
    lp[r] = x[t]! * invT - lse[r]!;
    live.push(r);
  }
  const out = g.tensor([rows], logits.requiresGrad);
  writeHost(be, out.data, lp);
  if (!out.requiresGrad) return out;
  const saved = targets.slice();
  g.record(() => {
    if (!out.gradLive) return;
    const dy = readHost(be, out.grad!, rows);
    rowGrads(g, logits, live, (r, d) => {
      be.read(logits.data, d, r * vocab * 4);
      // d log p_t / d x_j = (1[j = t] − p_j) / T
      const s = dy[r]! * invT;
      for (let j = 0; j < vocab; j++) d[j] = -s * Math.exp(d[j]! * invT - lse[r]!);
      d[saved[r]!]! += s;
    });
  });
  return out;
}

export interface BradleyTerryStats {
  loss: number;
  /** Fraction of pairs with r_chosen > r_rejected. */
  accuracy: number;
  chosen: number;
  rejected: number;
  margin: number;
}

/**
 * Bradley–Terry pairwise loss of a reward model, mean over P pairs of −log σ(r_c − r_r) (TRL's
 * RewardTrainer). `rewards` [2P] holds (chosen₀, rejected₀, chosen₁, ...).
 */
export function bradleyTerryLoss(g: Graph, rewards: Var): { loss: Var; stats: BradleyTerryStats } {
  const n = rewards.size;
  if (n === 0 || n % 2 !== 0) throw new ShapeError(`bradleyTerryLoss: ${n} rewards is not a list of pairs`);
  const pairs = n / 2;
  const r = readHost(g.backend, rewards.data, n);
  let loss = 0;
  let acc = 0;
  let cs = 0;
  let rs = 0;
  const dz = new Float64Array(pairs);
  for (let i = 0; i < pairs; i++) {
    const z = r[2 * i]! - r[2 * i + 1]!;
    loss += z > 0 ? Math.log1p(Math.exp(-z)) : -z + Math.log1p(Math.exp(z));
    dz[i] = -1 / (1 + Math.exp(z)) / pairs;
    if (z > 0) acc++;
    cs += r[2 * i]!;
    rs += r[2 * i + 1]!;
  }
  const out = scalar(g, loss / pairs, rewards.requiresGrad);
  if (out.requiresGrad) {
    g.record(() => {
      if (!out.gradLive) return;
      const seed = seedOf(g, out);
      const d = new Float64Array(n);
      for (let i = 0; i < pairs; i++) {
        d[2 * i] = seed * dz[i]!;
        d[2 * i + 1] = -seed * dz[i]!;
      }
      backGrad(g, rewards, d);
    });
  }
  const stats = {
    loss: loss / pairs,
    accuracy: acc / pairs,
    chosen: cs / pairs,
    rejected: rs / pairs,
    margin: (cs - rs) / pairs,
  };
  return { loss: out, stats };
}

/** Rollout data of one PPO minibatch, per response token (row). */
export interface PpoBatch {
  /** Log-probs of the sampled tokens under the rollout policy. */
  oldLogProbs: Float64Array;
  /** Value estimates at rollout time. */
  oldValues: Float64Array;
  advantages: Float64Array;
  returns: Float64Array;
  /** 1 for response tokens, 0 for padding. */
  mask: Float64Array;
}

export interface PpoLossConfig {
  /** Policy ratio clip ε (TRL cliprange 0.2). */
  clip: number;
  /** Value clip (TRL cliprange_value 0.2). */
  clipValue: number;
  /** Value loss coefficient (TRL vf_coef 0.1). */
  vfCoef: number;
}

export interface PpoStats {
  loss: number;
  policyLoss: number;
  valueLoss: number;
  /** Fraction of tokens where the clipped policy objective was the active one. */
  clipFrac: number;
  valueClipFrac: number;
  /** ½·E[(log π − log π_old)²]. */
  approxKl: number;
  ratio: number;
}

/**
 * The PPO loss (TRL's PPOTrainer): masked mean of max(−A·ρ, −A·clip(ρ, 1±ε)) plus
 * vf_coef · ½ · masked mean of max((v − R)², (clip(v, v_old ± ε_v) − R)²).
 * `logProbs` and `values` [N] are the current policy's, per response-token row.
 */
export function ppoLoss(
  g: Graph,
  logProbs: Var,
  values: Var,
  b: PpoBatch,
  c: PpoLossConfig,
): { loss: Var; stats: PpoStats } {
  const n = logProbs.size;
  for (const [name, a] of Object.entries(b) as [string, Float64Array][]) {
    if (a.length !== n) throw new ShapeError(`ppoLoss: ${name} has ${a.length} values for ${n} rows`);
  }
  if (values.size !== n) throw new ShapeError(`ppoLoss: ${values.size} values for ${n} log-probs`);
  const lp = readHost(g.backend, logProbs.data, n);
  const v = readHost(g.backend, values.data, n);
  let count = 0;
  for (let i = 0; i < n; i++) count += b.mask[i]!;
  if (count === 0) throw new ShapeError('ppoLoss: the minibatch holds no response tokens');
  let pg = 0;
  let vf = 0;
  let clipped = 0;
  let vclipped = 0;
  let kl = 0;
  let ratioSum = 0;
  const dlp = new Float64Array(n);
  const dv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const m = b.mask[i]!;
    if (m === 0) continue;
    const a = b.advantages[i]!;
    const diff = lp[i]! - b.oldLogProbs[i]!;
    const ratio = Math.exp(diff);
    const rc = Math.min(Math.max(ratio, 1 - c.clip), 1 + c.clip);
    const l1 = -a * ratio;
    const l2 = -a * rc;
    // max(l1, l2): the unclipped branch carries the gradient −A·ρ; the clipped one none.
    if (l2 > l1) {
      pg += m * l2;
      clipped += m;
    } else {
      pg += m * l1;
      dlp[i] = (-a * ratio * m) / count;
    }
    const ret = b.returns[i]!;
    const vOld = b.oldValues[i]!;
    const vc = Math.min(Math.max(v[i]!, vOld - c.clipValue), vOld + c.clipValue);
    const e1 = (v[i]! - ret) ** 2;
    const e2 = (vc - ret) ** 2;
    if (e2 > e1) {
      vf += m * e2;
      vclipped += m;
      // d/dv of (clip(v) − R)²: zero when the clip is active.
      if (vc === v[i]) dv[i] = (c.vfCoef * 0.5 * 2 * (vc - ret) * m) / count;
    } else {
      vf += m * e1;
      dv[i] = (c.vfCoef * 0.5 * 2 * (v[i]! - ret) * m) / count;
    }
    kl += m * 0.5 * diff * diff;
    ratioSum += m * ratio;
  }
  const policyLoss = pg / count;
  const valueLoss = (0.5 * vf) / count;
  const total = policyLoss + c.vfCoef * valueLoss;
  const out = scalar(g, total, logProbs.requiresGrad || values.requiresGrad);
  if (out.requiresGrad) {
    g.record(() => {
      if (!out.gradLive) return;
      const seed = seedOf(g, out);
      backGrad(
        g,
        logProbs,
        dlp.map((x) => x * seed),
      );
      backGrad(
        g,
        values,
        dv.map((x) => x * seed),
      );
    });
  }
  return {
    loss: out,
    stats: {
      loss: total,
      policyLoss,
      valueLoss,
      clipFrac: clipped / count,
      valueClipFrac: vclipped / count,
      approxKl: kl / count,
      ratio: ratioSum / count,
    },
  };
}

export interface DistillStats {
  loss: number;
  /** Mean KL(p_teacher^T ‖ p_student^T) per counted token (without the T² factor). */
  kl: number;
  /** Mean cross-entropy against the labels. */
  ce: number;
  count: number;
}

/**
 * Knowledge distillation (Hinton et al. 2015): α·T²·KL(softmax(t/T) ‖ softmax(s/T)) +
 * (1 − α)·CE(s, labels), averaged over the rows with a label ≥ 0. logits [N, V] (student),
 * teacher [N·V] host logits of the same rows.
 */
export function distillLoss(
  g: Graph,
  logits: Var,
  teacher: Float32Array | Float64Array,
  targets: Int32Array,
  temperature: number,
  alpha: number,
): { loss: Var; stats: DistillStats } {
  const be = g.backend;
  const [rows, vocab] = [logits.rows, logits.cols];
  if (teacher.length !== rows * vocab)
    throw new ShapeError(`distillLoss: ${teacher.length} teacher logits for [${rows}, ${vocab}]`);
  if (targets.length !== rows)
    throw new ShapeError(`distillLoss: ${targets.length} targets for ${rows} rows`);
  if (!(temperature > 0)) throw new ShapeError(`distillLoss: temperature must be > 0, got ${temperature}`);
  if (!(alpha >= 0 && alpha <= 1)) throw new ShapeError(`distillLoss: alpha must be in [0, 1], got ${alpha}`);
  const invT = 1 / temperature;
  const x = rowBuffer(be, vocab);
  let count = 0;
  for (const t of targets) {
    if (t >= vocab) throw new ShapeError(`distillLoss: target ${t} outside vocabulary of ${vocab}`);
    if (t >= 0) count++;
  }
  // Per labelled row: log-normalisers of student/T, teacher/T and student/1.
  const lseS = new Float64Array(rows);
  const lseT = new Float64Array(rows);
  const lse1 = new Float64Array(rows);
  const live: number[] = [];
  let kl = 0;
  let ce = 0;
  for (let r = 0; r < rows; r++) {
    const t = targets[r]!;
    if (t < 0) continue;
    const o = r * vocab;
    be.read(logits.data, x, o * 4);
    lseS[r] = logSumExp(x, 0, vocab, invT);
    lseT[r] = logSumExp(teacher, o, vocab, invT);
    lse1[r] = logSumExp(x, 0, vocab, 1);
    let k = 0;
    for (let j = 0; j < vocab; j++) {
      const lt = teacher[o + j]! * invT - lseT[r]!;
      k += Math.exp(lt) * (lt - (x[j]! * invT - lseS[r]!));
    }
    kl += k;
    ce += lse1[r]! - x[t]!;
    live.push(r);
  }
  const kdScale = alpha * temperature * temperature;
  const savedT = targets.slice();
  const klMean = count > 0 ? kl / count : 0;
  const ceMean = count > 0 ? ce / count : 0;
  const total = kdScale * klMean + (1 - alpha) * ceMean;
  const out = scalar(g, total, logits.requiresGrad && count > 0);
  if (out.requiresGrad) {
    g.record(() => {
      if (!out.gradLive) return;
      const seed = seedOf(g, out) / count;
      rowGrads(g, logits, live, (r, d) => {
        const o = r * vocab;
        be.read(logits.data, d, o * 4);
        // d/ds_j = α·T²·(p_s − p_t)/T + (1 − α)·(p1 − 1[j = t])
        for (let j = 0; j < vocab; j++) {
          const ps = Math.exp(d[j]! * invT - lseS[r]!);
          const pt = Math.exp(teacher[o + j]! * invT - lseT[r]!);
          const p1 = Math.exp(d[j]! - lse1[r]!);
          d[j] = seed * (kdScale * invT * (ps - pt) + (1 - alpha) * p1);
        }
        d[savedT[r]!]! -= seed * (1 - alpha);
      });
    });
  }
  return { loss: out, stats: { loss: total, kl: klMean, ce: ceMean, count } };
}
