// Stop strings matched across token boundaries. Text that could still become a stop string is
// held back; a matched stop string and everything after it is never emitted.

export class StopMatcher {
  private pending = '';
  private readonly stops: readonly string[];
  /** The stop string that matched, once one has. */
  matched: string | undefined;

  constructor(stops: readonly string[] = []) {
    this.stops = stops.filter((s) => s.length > 0);
  }

  /**
   * Adds newly decoded text; returns the text that is now safe to emit. After a match, returns
   * the text before the stop string and sets `matched`.
   */
  push(text: string): string {
    if (this.matched !== undefined) return '';
    if (this.stops.length === 0) return text;
    this.pending += text;
    let first = -1;
    for (const s of this.stops) {
      const at = this.pending.indexOf(s);
      if (at >= 0 && (first < 0 || at < first)) {
        first = at;
        this.matched = s;
      }
    }
    if (first >= 0) {
      const out = this.pending.slice(0, first);
      this.pending = '';
      return out;
    }
    const hold = this.heldSuffix();
    const out = this.pending.slice(0, this.pending.length - hold);
    this.pending = this.pending.slice(this.pending.length - hold);
    return out;
  }

  /** The held-back text (call at the end when no stop string matched). */
  flush(): string {
    const out = this.pending;
    this.pending = '';
    return this.matched === undefined ? out : '';
  }

  /** Length of the longest suffix of pending that is a proper prefix of some stop string. */
  private heldSuffix(): number {
    const p = this.pending;
    let best = 0;
    for (const s of this.stops) {
      const max = Math.min(s.length - 1, p.length);
      for (let len = max; len > best; len--) {
        if (p.endsWith(s.slice(0, len))) {
          best = len;
          break;
        }
      }
    }
    return best;
  }
}
