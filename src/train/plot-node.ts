// The loss curve of a run, drawn with Vega-Lite into an SVG file (Node-only).
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
  // Loaded on first use: the plotting libraries are large and most commands never draw.
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
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
