/// <reference lib="dom" />
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { CMU_SMALL, hasSharedData, openByPath, sharedDataReason, viewState, waitForTiles } from './helpers';

test.describe('bad input', () => {
  test.skip(!hasSharedData(), sharedDataReason);

  test("a path that does not exist shows the engine's message, and the app keeps working", async ({ studio }) => {
    const { page, call } = studio;
    await openByPath(page, CMU_SMALL);
    await expect(page.getByTestId('info-name')).toHaveText('CMU-1-Small-Region.svs');
    await waitForTiles(page);

    const missing = join(tmpdir(), 'semimoe-e2e-no-such-slide.svs');
    const { status, body } = await call<{ error: { message: string } }>('slides:open', { path: missing });
    expect(status).toBeGreaterThanOrEqual(400);

    await openByPath(page, missing);
    await expect(page.getByTestId('open-error')).toHaveText(body.error.message);
    await expect(page.getByTestId('notice').filter({ hasText: body.error.message })).toBeVisible();
    await page.getByTestId('open-dialog-close').click();

    // The slide that was open is still open, shown and drawn.
    await expect(page.getByTestId('slide-tab')).toHaveCount(1);
    await expect(page.getByTestId('info-name')).toHaveText('CMU-1-Small-Region.svs');
    expect((await viewState(page)).items).toBe(1);

    // And opening works afterwards.
    await page.getByTestId('notice-dismiss').first().click();
    await openByPath(page, CMU_SMALL);
    await expect(page.getByTestId('open-dialog')).toBeHidden();
    await waitForTiles(page);
  });

  test("an empty file shows the engine's message", async ({ studio }) => {
    const { page, call } = studio;
    const empty = join(mkdtempSync(join(tmpdir(), 'semimoe-e2e-empty-')), 'empty.svs');
    writeFileSync(empty, '');
    const { body } = await call<{ error: { message: string } }>('slides:open', { path: empty });
    await openByPath(page, empty);
    await expect(page.getByTestId('open-error')).toHaveText(body.error.message);
    if (studio.server.fresh) await expect(page.getByTestId('empty-state')).toBeAttached();
  });
});

test('dropping a file in the browser explains that drag and drop needs the desktop app', async ({ studio }) => {
  const { page } = studio;
  const dataTransfer = await page.evaluateHandle(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(['not a slide'], 'slide.svs'));
    return transfer;
  });
  await page.dispatchEvent('body', 'dragenter', { dataTransfer });
  await expect(page.getByTestId('drop-overlay')).toContainText('desktop app');
  await page.dispatchEvent('body', 'drop', { dataTransfer });
  await expect(page.getByTestId('drop-overlay')).toBeHidden();
  await expect(page.getByTestId('notice').filter({ hasText: 'Drag and drop needs the desktop app' })).toBeVisible();
});
