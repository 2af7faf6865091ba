/// <reference lib="dom" />
import { basename } from 'node:path';
import { expect, test } from './fixtures';
import { CMU_SMALL, hasSharedData, isTissue, openByPath, sampleCanvas, sharedDataReason, waitForTiles } from './helpers';

test.describe('on a fresh project with the sample slide', () => {
  test.use({ studioSample: true });

  test('the sample slide opens by default and is drawn', async ({ studio }) => {
    test.skip(!studio.server.fresh, 'needs a fresh project (not available with SEMIMOE_E2E_URL)');
    const { page, call } = studio;
    const { body: info } = await call<{ defaultSlidePath: string | null }>('app:info');
    expect(info.defaultSlidePath, 'serve names a default slide on a fresh project').not.toBeNull();
    await expect(page.getByTestId('info-name')).toHaveText(basename(info.defaultSlidePath!));
    await expect(page.getByTestId('slide-tab')).toHaveCount(1);
    await waitForTiles(page);
    expect((await sampleCanvas(page)).filter(isTissue).length).toBeGreaterThanOrEqual(3);
  });
});

test('without a default slide or recent slides, the app shows an empty state with an Open button', async ({ studio }) => {
  test.skip(!studio.server.fresh, 'needs a fresh project (not available with SEMIMOE_E2E_URL)');
  const { page } = studio;
  await expect(page.getByTestId('empty-state')).toBeVisible();
  await page.getByTestId('empty-open-button').click();
  await expect(page.getByTestId('open-dialog')).toBeVisible();
  await expect(page.getByTestId('file-browser')).toBeVisible();
});

test('on the next start the most recent slide opens again', async ({ studio }) => {
  test.skip(!hasSharedData(), sharedDataReason);
  const { page } = studio;
  await openByPath(page, CMU_SMALL);
  await expect(page.getByTestId('info-name')).toHaveText('CMU-1-Small-Region.svs');
  await page.reload();
  await expect(page.getByTestId('info-name')).toHaveText('CMU-1-Small-Region.svs');
  await waitForTiles(page);
});
