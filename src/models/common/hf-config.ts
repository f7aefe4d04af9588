// Typed field access on a parsed Hugging Face config.json (hostile input: every read checks the
// type and names the field and file on error).
import { ConfigError } from '../../errors.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export class HfConfig {
  readonly obj: Record<string, unknown>;

  constructor(
    json: unknown,
    readonly file: string,
  ) {
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new ConfigError(`${file}: config.json must be a JSON object`, { file });
    }
    this.obj = json as Record<string, unknown>;
  }

  has(key: string): boolean {
    return Object.hasOwn(this.obj, key) && this.obj[key] !== null && this.obj[key] !== undefined;
  }

  raw(key: string): unknown {
    return Object.hasOwn(this.obj, key) ? this.obj[key] : undefined;
  }

  private bad(key: string, want: string): never {
    throw new ConfigError(`${this.file}: '${key}' must be ${want}, got ${JSON.stringify(this.raw(key))}`, {
      field: key,
      file: this.file,
    });
  }

  int(key: string, def?: number): number {
    if (!this.has(key)) {
      if (def !== undefined) return def;
      throw new ConfigError(`${this.file}: '${key}' is missing`, { field: key, file: this.file });
    }
    const v = this.raw(key);
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) this.bad(key, 'an integer');
    return v;
  }

  num(key: string, def?: number): number {
    if (!this.has(key)) {
      if (def !== undefined) return def;
      throw new ConfigError(`${this.file}: '${key}' is missing`, { field: key, file: this.file });
    }
    const v = this.raw(key);
    if (typeof v !== 'number' || !Number.isFinite(v)) this.bad(key, 'a number');
    return v;
  }

  bool(key: string, def: boolean): boolean {
    if (!this.has(key)) return def;
    const v = this.raw(key);
    if (typeof v !== 'boolean') this.bad(key, 'true or false');
    return v;
  }

  str(key: string, def?: string): string {
    if (!this.has(key)) {
      if (def !== undefined) return def;
      throw new ConfigError(`${this.file}: '${key}' is missing`, { field: key, file: this.file });
    }
    const v = this.raw(key);
    if (typeof v !== 'string') this.bad(key, 'a string');
    return v;
  }

  /** A token id that may be given as a number or a list (first entry). */
  tokenId(key: string): number | undefined {
    if (!this.has(key)) return undefined;
    let v = this.raw(key);
    if (Array.isArray(v)) v = v[0];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) this.bad(key, 'a token id');
    return v;
  }

  /** A nested object (or undefined when absent/null). */
  sub(key: string): HfConfig | undefined {
    if (!this.has(key)) return undefined;
    const v = this.raw(key);
    if (typeof v !== 'object' || Array.isArray(v)) this.bad(key, 'an object');
    return new HfConfig(v, this.file);
  }
}
