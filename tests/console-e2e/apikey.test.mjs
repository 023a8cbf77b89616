// The console on a node that requires an API key (run.sh starts a second
// `nexus up --api-key KEY`): without the key nothing is served; opened once
// as /?api_key=KEY, the page drops the key from the address bar and every
// later request (API calls, the live log stream) passes on the node's
// cookie.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const base = process.env.NEXUS_KEY_URL;
const key = process.env.NEXUS_KEY;
if (!base || !key) throw new Error('set NEXUS_KEY_URL and NEXUS_KEY (run.sh does)');
const artifacts = resolve(process.env.ARTIFACTS || 'artifacts');
const WAIT = 60_000;
let profile, context, page;
const pageErrors = [];

before(async () => {
  profile = mkdtempSync(join(tmpdir(), 'nexus-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 800 },
  });
  page = context.pages()[0] || (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('without the key the node serves nothing', async () => {
  const res = await page.goto(base);
  assert.equal(res.status(), 401);
  assert.doesNotMatch(await page.content(), /assets\/app\.js/);
});

test('opened with ?api_key=, the console works and forgets the key in the URL', async () => {
  await page.goto(base + '?api_key=' + encodeURIComponent(key));
  await page.getByRole('searchbox', { name: 'Ask MemexFS' }).waitFor({ timeout: WAIT });
  assert.doesNotMatch(page.url(), /api_key/);
  // Wait for the demo folder (the ingest runs in the background).
  await page.locator('.badge.ok').waitFor({ timeout: 5 * WAIT });
  await page.goto(base + '#/search?q=overdue%20invoices');
  await page.locator('ol.results > li').first().waitFor({ timeout: WAIT });
  await page.getByRole('link', { name: 'Node', exact: true }).click();
  await page.getByRole('heading', { name: 'Collections' }).waitFor({ timeout: WAIT });
  assert.equal(await page.locator('[role=alert]').count(), 0, 'no error banner');
  await page.screenshot({ path: join(artifacts, 'apikey-node.png'), fullPage: true });
  console.log(`screenshot: ${join(artifacts, 'apikey-node.png')}`);
  assert.deepEqual(pageErrors, []);
});
