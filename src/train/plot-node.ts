// The loss curve of a run, drawn with Vega-Lite into an SVG file (Node-only).
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { writeFileAtomic } from '../io/write-node.js';

export interface LossPoint {
  step: number;
  loss: number;
  series: 'train' | 'val';
}

export async function writeLossCurve(
  path: string,
  points: readonly LossPoint[],
  title: string,
): Promise<void> {
  const spec = compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 640,
    height: 320,
    data: { values: points as LossPoint[] },
    mark: { type: 'line', point: false },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'loss', type: 'quantitative', title: 'loss', scale: { zero: false } },
      color: { field: 'series', type: 'nominal', title: '' },
    },
  }).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  writeFileAtomic(path, svg);
}
