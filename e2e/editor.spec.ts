import { drag, expect, openImage, photoPng, test } from './fixtures.ts';

test.describe('editor', () => {
  test('inpaint: open, paint, fill, pick, apply, compare, undo', async ({ editor: page, shot }) => {
    await expect(page.getByTestId('engine-status')).toContainText(/ready|starting/i);
    await expect(page.getByTestId('empty')).toBeVisible();
    await shot('01-empty');

    await openImage(page, 'street.png', await photoPng(480, 320));
    await expect(page.getByTestId('empty')).toBeHidden();
    await expect(page.getByText('480×320')).toBeVisible();
    await shot('02-opened');

    // The first bundled colour model is the default for a colour photo.
    await expect(page.getByTestId('model-select')).toHaveValue('celeba32-vp');
    await page.getByTestId('brush-size').fill('60');
    await drag(page, [
      [0.45, 0.35],
      [0.55, 0.45],
      [0.6, 0.55],
    ]);
    await expect(page.getByText(/Mask covers \d+×\d+ px/)).toBeVisible();
    await expect(page.getByTestId('undo')).toBeEnabled();
    await shot('03-mask');

    await page.getByTestId('variants').fill('3');
    await page.getByTestId('run-inpaint').click();
    await expect(page.getByTestId('variant-2')).toBeVisible();
    await expect(page.getByTestId('results')).toContainText('3 results');
    await shot('04-variants');

    await page.keyboard.press('3');
    await expect(page.getByTestId('apply')).toHaveText(/Apply #3/);
    await page.getByTestId('variant-1').click();
    await expect(page.getByTestId('apply')).toHaveText(/Apply #2/);
    await page.getByTestId('apply').click();
    await expect(page.getByTestId('compare-split')).toBeEnabled();
    await expect(page.getByText('The mask is empty')).toBeVisible();
    await shot('05-applied');

    await page.getByTestId('compare-split').click();
    await expect(page.getByTestId('compare-divider')).toBeVisible();
    await shot('06-compare');
    await page.getByTestId('compare-split').click();
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('compare-toggle')).toHaveText('Before');
    await page.keyboard.press('Tab');

    await page.keyboard.press('Control+z');
    await expect(page.getByTestId('compare-split')).toBeDisabled();
    await expect(page.getByText(/Mask covers/)).toBeVisible();
    await shot('07-undone');
    await page.keyboard.press('Control+Shift+z');
    await expect(page.getByTestId('compare-split')).toBeEnabled();
  });

  test('colorize a grayscale photo', async ({ editor: page, shot }) => {
    await openImage(page, 'old-gray.png', await photoPng(360, 270, true));
    await expect(page.getByText('grayscale', { exact: false }).first()).toBeVisible();
    await page.getByTestId('tab-colorize').click();
    await page.getByTestId('run-colorize').click();
    await expect(page.getByTestId('variant-1')).toBeVisible();
    await shot('08-colorized-variants');
    await page.getByTestId('apply').click();
    await expect(page.getByTestId('compare-split')).toBeEnabled();
    await shot('09-colorized-applied');
  });

  test('generate samples of a class', async ({ editor: page, shot }) => {
    await page.getByTestId('tab-generate').click();
    await page.getByTestId('model-select').selectOption('vp-d16');
    const picker = page.getByTestId('class-picker');
    await expect(picker).toBeVisible();
    await picker.getByRole('button').nth(2).click();
    await page.getByTestId('variants').fill('6');
    await page.getByTestId('run-generate').click();
    await expect(page.getByTestId('variant-5')).toBeVisible();
    await expect(page.getByTestId('results')).toContainText('model output shown');
    await shot('10-generated');

    // Two samples become the ends of an interpolation through their latent codes.
    await page.getByTestId('variant-0').getByRole('button', { name: 'From' }).click();
    await page.getByTestId('variant-3').getByRole('button', { name: 'To' }).click();
    await page.getByTestId('tab-interpolate').click();
    await expect(page.getByTestId('end-a').locator('option:checked')).toContainText('sample 1');
    await expect(page.getByTestId('end-b').locator('option:checked')).toContainText('sample 4');
    await page.getByTestId('frames').fill('5');
    await page.getByTestId('run-interpolate').click();
    await expect(page.getByTestId('interp-viewer')).toContainText('of 5');
    await shot('10b-interpolated-samples');
  });

  test('walk between two generated faces with the bundled faces model', async ({
    editor: page,
    shot,
  }) => {
    await page.getByTestId('tab-generate').click();
    await page.getByTestId('model-select').selectOption('celeba32-vp');
    await page.getByTestId('variants').fill('4');
    await page.getByTestId('run-generate').click();
    await expect(page.getByTestId('variant-3')).toBeVisible();
    await shot('10d-generated-faces');
    await page.getByTestId('variant-0').getByRole('button', { name: 'From' }).click();
    await page.getByTestId('variant-1').getByRole('button', { name: 'To' }).click();
    await page.getByTestId('tab-interpolate').click();
    await expect(page.getByTestId('model-select')).toHaveValue('celeba32-vp');
    await page.getByTestId('frames').fill('6');
    await page.getByTestId('run-interpolate').click();
    await expect(page.getByTestId('interp-viewer')).toContainText('of 6');
    await shot('10e-walk-between-faces');
  });

  test('generate a class with the bundled Fashion-MNIST model', async ({ editor: page, shot }) => {
    await page.getByTestId('tab-generate').click();
    await page.getByTestId('model-select').selectOption('fashion28-vp');
    await page.getByTestId('class-picker').getByRole('button', { name: 'Sneaker' }).click();
    await page.getByTestId('variants').fill('8');
    await page.getByTestId('run-generate').click();
    await expect(page.getByTestId('variant-7')).toBeVisible();
    await expect(page.getByTestId('results')).toContainText('model output shown');
    await shot('10c-generated-fashion');
  });

  test('interpolate between two seeds and export a GIF', async ({ editor: page, shot }) => {
    await page.getByTestId('tab-interpolate').click();
    await page.getByTestId('model-select').selectOption('vp-d16');
    await page.getByTestId('frames').fill('8');
    await page.getByTestId('run-interpolate').click();
    await expect(page.getByTestId('interp-viewer')).toBeVisible();
    await page.getByTestId('scrub').fill('5');
    await expect(page.getByTestId('interp-viewer')).toContainText('Frame 6 of 8');
    await shot('11-interpolated');
    const download = page.waitForEvent('download');
    await page.getByTestId('export-gif').click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('interpolation.gif');
    const strip = page.waitForEvent('download');
    await page.getByTestId('export-strip').click();
    expect((await strip).suggestedFilename()).toBe('interpolation-strip.png');
  });

  test('cancel a running job', async ({ editor: page, shot }) => {
    await page.getByTestId('tab-generate').click();
    await page.getByTestId('model-select').selectOption('vp-d16');
    await page.getByTestId('preset-quality').click();
    await page.getByTestId('steps').fill('100000');
    await page.getByTestId('variants').fill('16');
    await page.getByTestId('run-generate').click();
    await expect(page.getByTestId('progress')).toBeVisible();
    await expect(page.getByTestId('progress')).toContainText(/step \d+/);
    await shot('12-running');
    await page.getByTestId('cancel').click();
    await expect(page.getByTestId('progress')).toBeHidden();
    await expect(page.getByText('Generating cancelled')).toBeVisible();
    await shot('13-cancelled');
  });

  test('a corrupt file gives a message and keeps the editor usable', async ({
    editor: page,
    shot,
  }) => {
    await openImage(page, 'corrupt.png', Buffer.from('this is not a PNG at all'));
    await expect(page.getByTestId('notice-error')).toContainText('Could not open corrupt.png');
    await expect(page.getByTestId('empty')).toBeVisible();
    await shot('14-corrupt');
  });
});

test.describe('editing comfort', () => {
  test('drop an image, mask with keys, rectangle and lasso, export the mask', async ({
    editor: page,
    shot,
  }) => {
    const png = await photoPng(300, 200);
    const transfer = await page.evaluateHandle(
      (bytes) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], 'dropped.png', { type: 'image/png' }));
        return dt;
      },
      [...png],
    );
    await page.dispatchEvent('.app', 'dragover', { dataTransfer: transfer });
    await page.dispatchEvent('.app', 'drop', { dataTransfer: transfer });
    await expect(page.getByText('300×200')).toBeVisible();

    await page.keyboard.press('r');
    await expect(page.getByTestId('tool-rect')).toHaveClass(/active/);
    await drag(page, [
      [0.3, 0.3],
      [0.45, 0.5],
    ]);
    const coverage = page.getByText(/Mask covers/);
    await expect(coverage).toBeVisible();
    const rectOnly = (await coverage.textContent())!;
    await page.keyboard.press('l');
    await drag(page, [
      [0.55, 0.3],
      [0.7, 0.35],
      [0.65, 0.6],
      [0.55, 0.55],
    ]);
    // The lasso lands asynchronously: wait until the coverage includes it.
    await expect(coverage).not.toHaveText(rectOnly);
    await page.keyboard.press(']');
    await expect(page.getByText('46 px')).toBeVisible();
    await shot('15-rect-lasso');

    const covers = (await page.getByText(/Mask covers/).textContent())!;
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export mask' }).click();
    const exported = await download;
    expect(exported.suggestedFilename()).toBe('dropped-mask.png');

    await page.keyboard.press('Control+i');
    await page.keyboard.press('Delete');
    await expect(page.getByText('The mask is empty')).toBeVisible();
    await page.keyboard.press('Control+z');
    await expect(page.getByText(/Mask covers 300×200/)).toBeVisible();

    // The exported PNG comes back as the same mask.
    await page.keyboard.press('Delete');
    await page.setInputFiles('[data-testid=mask-input]', (await exported.path())!);
    await expect(page.getByText(covers)).toBeVisible();
  });

  test('paste an image from the clipboard', async ({ editor: page }) => {
    const png = await photoPng(120, 90);
    await page.evaluate(
      (bytes) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], 'clip.png', { type: 'image/png' }));
        window.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt }));
      },
      [...png],
    );
    await expect(page.getByText('120×90')).toBeVisible();
  });

  test('settings show the provider that runs; shortcuts are listed', async ({
    editor: page,
    shot,
  }) => {
    await page.getByTestId('open-settings').click();
    await expect(page.getByTestId('provider-actual')).toContainText('Running now');
    await shot('16-settings');
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('settings')).toBeHidden();
    await page.keyboard.press('Shift+?');
    await expect(page.getByTestId('shortcuts')).toContainText('Undo');
    await shot('17-shortcuts');
  });
});
