import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { _electron, test as base, expect, type Page } from '@playwright/test';
import { encodeRgbaPng } from '../renderer/src/lib/png.ts';

/**
 * `editor`: a page showing the app, from browser mode (the `browser` project) or from the
 * Electron app (the `electron` project). `shot` saves a named screenshot under
 * test-results/screens/ so that a person can look at each step.
 */
export const test = base.extend<{ editor: Page; shot: (name: string) => Promise<void> }>({
  editor: async ({ page }, use, info) => {
    const meta = info.project.metadata as { electron?: string; electronMain?: string };
    if (meta.electron && meta.electronMain) {
      const app = await _electron.launch({
        executablePath: meta.electron,
        args: [meta.electronMain],
      });
      const win = await app.firstWindow();
      await use(win);
      await app.close();
      return;
    }
    const url = process.env['SDE_E2E_URL'];
    if (!url) throw new Error('SDE_E2E_URL is not set: run through playwright.config.ts');
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await use(page);
    // A CSP violation or an uncaught error is a bug even when the flow looked right.
    expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  },
  shot: async ({ editor }, use, info) => {
    const dir = join('test-results', 'screens', info.project.name);
    mkdirSync(dir, { recursive: true });
    await use(async (name: string) => {
      await editor.screenshot({ path: join(dir, `${name}.png`) });
    });
  },
});

export { expect };

/** A synthetic photo: smooth colour gradients and a few shapes, so fills are easy to see. */
export async function photoPng(width: number, height: number, gray = false): Promise<Buffer> {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = 4 * (y * width + x);
      const u = x / width;
      const v = y / height;
      const disc = Math.hypot(x - width * 0.62, y - height * 0.45) < height * 0.22;
      const bar = Math.abs(y - height * 0.78) < height * 0.05;
      let r = 60 + 150 * u;
      let g = 90 + 120 * v;
      let b = 200 - 120 * u;
      if (disc) [r, g, b] = [230, 190, 40];
      if (bar) [r, g, b] = [40, 40, 60];
      if (gray) r = g = b = 0.299 * r + 0.587 * g + 0.114 * b;
      rgba[o] = r;
      rgba[o + 1] = g;
      rgba[o + 2] = b;
      rgba[o + 3] = 255;
    }
  }
  return Buffer.from(await encodeRgbaPng(rgba, width, height));
}

export async function openImage(page: Page, name: string, buffer: Buffer): Promise<void> {
  await page.setInputFiles('[data-testid=file-input]', { name, mimeType: 'image/png', buffer });
}

/** Drags the mouse across the canvas through `points` given as fractions of its box. */
export async function drag(page: Page, points: [number, number][]): Promise<void> {
  const box = (await page.getByTestId('canvas').boundingBox())!;
  const at = ([fx, fy]: [number, number]) =>
    [box.x + fx * box.width, box.y + fy * box.height] as const;
  const [x0, y0] = at(points[0]!);
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  for (const p of points.slice(1)) {
    const [x, y] = at(p);
    await page.mouse.move(x, y, { steps: 8 });
  }
  await page.mouse.up();
}
