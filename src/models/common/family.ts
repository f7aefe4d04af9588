// What a model family provides to the loader, the registry and the convert/init jobs.
import type { Backend } from '../../backend/backend.js';
import type { Gguf } from '../../io/gguf/index.js';
import type { Tokenizer } from '../../tokenizers/tokenizer.js';
import type { ModelConfig } from './config.js';
import type { DecoderLM } from './decoder-lm.js';
import type { HfConfig } from './hf-config.js';
import type { NameMap, WeightLoader } from './weights.js';

export interface ModelFamily {
  /** Family id, also ModelInfo.arch. */
  readonly id: string;
  /** `general.architecture` values this family loads. */
  readonly ggufArchs: readonly string[];
  /** HF `model_type` values this family loads. */
  readonly hfModelTypes: readonly string[];
  /** The GGUF architecture string written on export. */
  readonly ggufArch: string;
  configFromGguf(g: Gguf): ModelConfig;
  configFromHf(cfg: HfConfig): ModelConfig;
  /** canonical (GGUF) tensor name → HF checkpoint name and layout transform. */
  hfNames(c: ModelConfig): NameMap;
  /** Canonical tensor names of a model with this config, in file order. */
  tensorNames(c: ModelConfig): string[];
  /** HF config.json for this config (export). */
  hfConfig(c: ModelConfig): Record<string, unknown>;
  /** GGUF hyper-parameter metadata (`<arch>.*` keys) for this config (export). */
  ggufHparams(c: ModelConfig): [string, number | string | boolean][];
  /** Assembles the model from a checkpoint (shapes checked against the config). */
  build(backend: Backend, loader: WeightLoader, c: ModelConfig, tokenizer?: Tokenizer): DecoderLM;
}
