/// <reference lib="dom" />
import { expect, test } from './fixtures';
import { CMU_SMALL, hasSharedData, isDrawn, isTissue, openByPath, sampleCanvas, sharedDataReason, viewState, waitForTiles } from './helpers';

test.describe('viewing CMU-1-Small-Region.svs', () => {
  test.skip(!hasSharedData(), sharedDataReason);

  test('opens through the open dialog, zooms and pans, and draws tiles', async ({ studio }) => {
    const { page } = studio;
    const tileResponses: number[] = [];
    page.on('response', (r) => {
      if (new URL(r.url()).pathname.startsWith('/tiles/')) tileResponses.push(r.status());
    });

    if (studio.server.fresh) await expect(page.getByTestId('empty-state')).toBeVisible();
    await openByPath(page, CMU_SMALL);
    await expect(page.getByTestId('open-dialog')).toBeHidden();
    await expect(page.getByTestId('info-name')).toHaveText('CMU-1-Small-Region.svs');
    await waitForTiles(page);

    const fitted = await viewState(page);
    expect(fitted.items).toBe(1);
    const fittedSamples = await sampleCanvas(page);
    expect(fittedSamples.filter(isTissue).length, 'tissue drawn in the fitted view').toBeGreaterThanOrEqual(3);

    // Zoom in with the 20x preset (the slide's objective), then pan by dragging.
    await page.getByTestId('mag-20x').click();
    await waitForTiles(page);
    const zoomed = await viewState(page);
    expect(zoomed.imageZoom).toBeCloseTo(1, 2);
    await expect(page.getByTestId('magnification-readout')).toHaveText('20x');

    const box = (await page.getByTestId('viewer').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(cx - 25 * i, cy - 20 * i);
    await page.mouse.up();
    await waitForTiles(page);
    const panned = await viewState(page);
    expect(panned.center.x, 'dragging left moved the view right').toBeGreaterThan(zoomed.center.x);
    expect(panned.center.y, 'dragging up moved the view down').toBeGreaterThan(zoomed.center.y);

    // Zoom further with the mouse wheel, over the middle of the viewer.
    await page.mouse.move(cx, cy);
    await page.mouse.wheel(0, -300);
    await waitForTiles(page);
    const wheeled = await viewState(page);
    expect(wheeled.imageZoom, 'the wheel zoomed in').toBeGreaterThan(panned.imageZoom * 1.1);

    const samples = await sampleCanvas(page);
    const tissue = samples.filter(isTissue);
    expect(samples.filter(isDrawn).length, 'drawn everywhere at this zoom').toBeGreaterThanOrEqual(20);
    expect(tissue.length, `tissue at several places: ${JSON.stringify(samples.map((s) => [s.r, s.g, s.b, s.a].map(Math.round)))}`).toBeGreaterThanOrEqual(3);
    const distinct = new Set(tissue.map((s) => `${Math.round(s.r / 16)},${Math.round(s.g / 16)},${Math.round(s.b / 16)}`));
    expect(distinct.size, 'not one flat colour').toBeGreaterThanOrEqual(2);

    expect(tileResponses.length, 'tiles came from the server').toBeGreaterThan(4);
    expect(tileResponses.filter((s) => s !== 200), 'no tile failed').toEqual([]);

    // Keyboard: F fits the whole slide again, 2 goes to 10x.
    await page.keyboard.press('f');
    await waitForTiles(page);
    expect((await viewState(page)).imageZoom).toBeCloseTo(fitted.imageZoom, 3);
    await page.keyboard.press('2');
    await waitForTiles(page);
    expect((await viewState(page)).imageZoom).toBeCloseTo(0.5, 2);
  });

  test('the info panel shows size, levels, resolution and objective', async ({ studio }) => {
    const { page, call } = studio;
    await openByPath(page, CMU_SMALL);
    await expect(page.getByTestId('info-size')).toContainText('2220 x 2967');
    const { body: slide } = await call<{ levels: { width: number; height: number }[]; mpp: [number, number] | null; objectivePower: number | null }>(
      'slides:open',
      { path: CMU_SMALL },
    );
    const rows = page.getByTestId('info-levels').locator('tbody tr');
    await expect(rows).toHaveCount(slide.levels.length);
    await expect(rows.first()).toContainText(`${slide.levels[0].width} x ${slide.levels[0].height}`);
    if (slide.mpp) await expect(page.getByTestId('info-mpp')).toContainText('µm/px');
    if (slide.objectivePower) await expect(page.getByTestId('info-objective')).toHaveText(`${Math.round(slide.objectivePower)}x`);
    await expect(page.getByTestId('info-path')).toHaveText(CMU_SMALL);
  });

  test('the scale bar shows micrometres, as long on screen as it says', async ({ studio }) => {
    const { page, call } = studio;
    const { body: slide } = await call<{ mpp: [number, number] | null }>('slides:open', { path: CMU_SMALL });
    expect(slide.mpp, 'CMU-1-Small-Region.svs records MPP = 0.4990').not.toBeNull();
    await openByPath(page, CMU_SMALL);
    await waitForTiles(page);
    const label = page.getByTestId('scale-bar-label');
    await expect(label).toHaveText(/^\d+(\.\d+)? µm$/);
    const micrometres = Number((await label.textContent())!.split(' ')[0]);
    const widthPx = (await page.getByTestId('scale-bar-line').boundingBox())!.width;
    const { imageZoom } = await viewState(page);
    expect(Math.abs((widthPx / imageZoom) * slide.mpp![0] - micrometres) / micrometres).toBeLessThan(0.02);
  });

  test('magnification presets past the scan are disabled, saying why', async ({ studio }) => {
    const { page, call } = studio;
    await openByPath(page, CMU_SMALL);
    await expect(page.getByTestId('info-name')).toHaveText('CMU-1-Small-Region.svs');
    const { body } = await call<{ objectivePower: number | null }>('slides:open', { path: CMU_SMALL });
    for (const m of [5, 10, 20, 40]) {
      const button = page.getByTestId(`mag-${m}x`);
      if (body.objectivePower && m <= body.objectivePower) {
        await expect(button).toBeEnabled();
      } else {
        await expect(button).toBeDisabled();
        await expect(button).toHaveAttribute('title', body.objectivePower ? new RegExp(`scanned at ${Math.round(body.objectivePower)}x`) : /objective/);
      }
    }
  });
});

test('the file browser walks folders and opens a slide by double-click', async ({ studio }) => {
  test.skip(!hasSharedData(), sharedDataReason);
  const { page } = studio;
  await page.getByTestId('open-button').click();
  const browser = page.getByTestId('file-browser');
  await expect(browser).toBeVisible();
  // From the root, down the real folders to the slide, as a user would.
  await page.getByRole('navigation', { name: 'Folder' }).getByRole('button', { name: '/', exact: true }).click();
  const parts = CMU_SMALL.split('/').filter(Boolean);
  let current = '';
  for (const [i, part] of parts.entries()) {
    current += `/${part}`;
    const kind = i === parts.length - 1 ? 'slide' : 'dir';
    const entry = browser.locator(`[data-testid="entry-${kind}"][data-path="${current}"]`);
    await entry.dblclick();
  }
  await expect(page.getByTestId('open-dialog')).toBeHidden();
  await expect(page.getByTestId('info-name')).toHaveText('CMU-1-Small-Region.svs');
  await waitForTiles(page);
});
