import { drag, expect, openImage, photoPng, test } from './fixtures.ts';

/**
 * A 12 MP photo, the size designers bring: opening, painting and undoing must stay responsive.
 * Timings are printed for a person to read (tests never assert on wall time).
 */
test('a 12 MP photo opens, takes a long stroke and undoes it', async ({ editor: page, shot }) => {
  const png = await photoPng(4000, 3000);
  let t = Date.now();
  await openImage(page, 'large.png', png);
  await expect(page.getByText('4000×3000')).toBeVisible({ timeout: 120_000 });
  console.log(`open 12 MP: ${Date.now() - t} ms`);

  await page.getByTestId('brush-size').fill('400');
  t = Date.now();
  await drag(page, [
    [0.2, 0.2],
    [0.8, 0.3],
    [0.3, 0.7],
    [0.8, 0.8],
  ]);
  await expect(page.getByText(/Mask covers/)).toBeVisible();
  console.log(`stroke (4 segments x 8 moves, 400 px brush): ${Date.now() - t} ms`);
  await shot('18-large-stroke');

  t = Date.now();
  await page.keyboard.press('Control+i');
  await expect(page.getByText(/Mask covers 4000×3000/)).toBeVisible();
  console.log(`invert 12 MP mask: ${Date.now() - t} ms`);
  t = Date.now();
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+z');
  await expect(page.getByText('The mask is empty')).toBeVisible();
  console.log(`undo twice: ${Date.now() - t} ms`);
});
