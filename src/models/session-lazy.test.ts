// SessionOptions.lazyWorkspace: a session used only through forwardBatch never allocates its own
// maxBatch workspace; its first forward() allocates it; results equal an eager session's.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Buf } from '../backend/backend.js';
import { JsBackend } from '../backend/js/index.js';
import { sharedPath, skipUnlessShared } from '../testing/shared.js';
import { DecoderLM } from './common/decoder-lm.js';
import { DecoderSession } from './common/session.js';
import { Workspace } from './common/workspace.js';
import { loadModel } from './loader.js';

const MODEL = ['golden', 'models', 'tiny-llama-f32.gguf'] as const;
const skip = skipUnlessShared(...MODEL);

/** A JS backend that counts the bytes it allocates. */
class CountingBackend extends JsBackend {
  allocated = 0;
  override alloc(bytes: number): Buf {
    this.allocated += bytes;
    return super.alloc(bytes);
  }
}

describe('lazy session workspace (tiny-llama-f32)', { skip }, () => {
  test('forwardBatch-only sessions allocate no workspace; results equal eager sessions', async () => {
    const backend = new CountingBackend();
    const model = await loadModel(sharedPath(...MODEL)!, { backend });
    try {
      assert.ok(model instanceof DecoderLM);
      const maxBatch = 64;
      const ws = Workspace.bytes(model.config, maxBatch, 1);
      const opts = { contextLength: 128, maxBatch };
      const before = backend.allocated;
      const eager = model.newSession(opts);
      const eagerBytes = backend.allocated - before;
      const mid = backend.allocated;
      const lazy = model.newSession({ ...opts, lazyWorkspace: true });
      const lazyBytes = backend.allocated - mid;
      assert.ok(lazy instanceof DecoderSession && eager instanceof DecoderSession);
      assert.equal(eagerBytes - lazyBytes, ws, 'the lazy session skips exactly the workspace');
      assert.equal(lazy.hasWorkspace, false);

      const prompt = [1, 5, 9, 200, 17, 3];
      // Warm the model's shared batch workspace so the next steps allocate nothing new.
      const warm = model.newSession({ ...opts, lazyWorkspace: true });
      model.forwardBatch([warm, lazy], [prompt, prompt]);
      lazy.reset();
      const steps = backend.allocated;
      const a = model.forwardBatch([eager, lazy], [prompt, prompt]).map((x) => Float32Array.from(x));
      assert.deepEqual(a[1], a[0]);
      const b = model.forwardBatch([eager, lazy], [[42], [42]]).map((x) => Float32Array.from(x));
      assert.deepEqual(b[1], b[0]);
      assert.equal(backend.allocated, steps, 'batched steps allocate nothing');
      assert.equal(lazy.hasWorkspace, false);

      // The first forward() allocates the workspace; results still equal.
      const e = Float32Array.from(eager.forward([7, 8], 'last'));
      const l = lazy.forward([7, 8], 'last');
      assert.equal(lazy.hasWorkspace, true);
      assert.equal(backend.allocated - steps, ws);
      assert.deepEqual(Float32Array.from(l), e);
      for (const s of [eager, lazy, warm]) s.dispose();
      const never = model.newSession({ ...opts, lazyWorkspace: true });
      never.dispose(); // disposing a session that never allocated is fine
    } finally {
      model.dispose();
      backend.dispose();
    }
  });
});
