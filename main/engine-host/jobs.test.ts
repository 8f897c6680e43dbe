import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { jobRequestSchema, type JobRequest } from '../../preload/api.ts';
import { makeImage } from '../engine/imaging/image.ts';
import { APP_ROOT, listModels } from '../engine/models-dir.ts';
import { DocumentStore } from './documents.ts';
import { toEngineWork } from './jobs.ts';

const MIXTURES = join(APP_ROOT, 'main', 'engine', '__fixtures__', 'mixtures');

function setup() {
  const documents = new DocumentStore();
  const doc = documents.add('photo.png', makeImage(8, 6, 1, new Float32Array(48).fill(0.5)));
  const ctx = { documents, models: () => listModels([MIXTURES]) };
  const work = (request: JobRequest) => toEngineWork(jobRequestSchema.parse(request), ctx);
  return { documents, doc, work };
}

function maskPng(width: number, height: number, painted: (x: number, y: number) => boolean) {
  const data = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data[y * width + x] = painted(x, y) ? 255 : 0;
  return sharp(data, { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();
}

describe('job requests to engine work', () => {
  it('resolves the model folder and the document pixels', async () => {
    const { doc, work } = setup();
    const generate = await work({
      kind: 'generate',
      modelId: 'vp',
      n: 2,
      seed: 1,
      spec: {},
      classLabel: 'c',
    });
    expect(generate).toMatchObject({
      kind: 'generate',
      modelDir: join(MIXTURES, 'vp'),
      classLabel: 'c',
    });
    const inpaint = await work({
      kind: 'inpaint',
      docId: doc.docId,
      maskPng: await maskPng(8, 6, (x, y) => x < 3 && y < 3),
      modelId: 'vp',
      n: 1,
      seed: 0,
      spec: {},
    });
    if (inpaint.kind !== 'inpaint') throw new Error('wrong kind');
    expect(inpaint.image.data).toBe(doc.image.data);
    expect([...inpaint.mask.data].filter((v) => v === 1)).toHaveLength(9);
  });

  it('refuses what cannot work before the engine sees it', async () => {
    const { doc, work } = setup();
    const base = { n: 1, seed: 0, spec: {} };
    await expect(work({ kind: 'generate', modelId: 'nope', ...base })).rejects.toThrow(
      'unknown model "nope"',
    );
    await expect(
      work({ kind: 'generate', modelId: 'vp', ...base, classLabel: 'zebra' }),
    ).rejects.toThrow(/has no class "zebra"/);
    await expect(
      work({ kind: 'colorize', modelId: 'vp', docId: doc.docId, ...base }),
    ).rejects.toThrow(/3-channel/);
    await expect(
      work({
        kind: 'interpolate',
        modelId: 'vp',
        ends: { seeds: [1, 2] },
        frames: 4,
        spec: { sampler: 'pc' },
      }),
    ).rejects.toThrow(/ODE sampler/);
    await expect(
      work({
        kind: 'inpaint',
        modelId: 'vp',
        docId: doc.docId,
        maskPng: await maskPng(8, 6, () => false),
        ...base,
      }),
    ).rejects.toThrow(/mask is empty/);
    await expect(
      work({
        kind: 'inpaint',
        modelId: 'vp',
        docId: doc.docId,
        maskPng: await maskPng(4, 4, () => true),
        ...base,
      }),
    ).rejects.toThrow(/mask is 4x4 but the image is 8x6/);
    await expect(
      work({ kind: 'inpaint', modelId: 'vp', docId: 'gone', maskPng: new Uint8Array(1), ...base }),
    ).rejects.toThrow(/no open document gone/);
  });
});

describe('document store', () => {
  it('refuses to open past its memory cap and frees closed documents', () => {
    const store = new DocumentStore(1000);
    const image = makeImage(10, 10, 1, new Float32Array(100));
    const a = store.add('a.png', image);
    store.add('b.png', image);
    expect(() => store.add('c.png', image)).toThrow(/not enough room to open c.png/);
    expect(store.close(a.docId)).toBe(true);
    expect(store.close(a.docId)).toBe(false);
    expect(() => store.get(a.docId)).toThrow(/no open document/);
    expect(store.add('c.png', image).name).toBe('c.png');
    expect(store.bytesUsed).toBe(800);
  });
});
