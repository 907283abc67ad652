// Browser tests of `vlmlab serve` against the example store (dashboard_testing.h): the runs
// table, grouping, a chart with data points, the config diff, an ablation export download,
// the eval browser, and that a run named <script>alert(1)</script> renders as text without a
// dialog. Also fails on any page error or console error (a CSP violation is one).
//
//   node e2e.mjs 'http://127.0.0.1:PORT/?token=T' /usr/bin/chromium OUTPUT_DIR
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {chromium} from 'playwright-core';

const [url, executablePath, outDir] = process.argv.slice(2);
const origin = new URL(url).origin;
const TIMEOUT = 15000;
let passed = 0;
let failed = 0;

function check(condition, what) {
  if (condition) {
    passed++;
    console.log(`ok   ${what}`);
  } else {
    failed++;
    console.log(`FAIL ${what}`);
  }
}

const browser = await chromium.launch({executablePath, headless: true, args: ['--no-sandbox']});
try {
  const context = await browser.newContext({acceptDownloads: true, viewport: {width: 1280, height: 900}});
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const dialogs = [];
  const problems = [];
  page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });

  // A first visit with ?token= sets the cookie and lands on the runs table.
  const first = await page.goto(url);
  check(first.ok() && !page.url().includes('token='), 'the token link opens the dashboard');
  await page.waitForSelector('[data-testid=runs-table]');
  const rows = page.locator('[data-testid=run-row]');
  check(await rows.count() === 3, `runs table lists the sweep's 3 runs (got ${await rows.count()})`);
  await page.selectOption('[data-testid=sweep-select]', '');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=run-row]').length === 4);
  check(await rows.count() === 4, 'all runs: 4 rows');

  // The run named <script>alert(1)</script> is text, not markup.
  const xssRow = page.locator('tr[data-run="xss-s0"]');
  const cells = await xssRow.locator('td').allTextContents();
  check(cells.includes('<script>alert(1)</script>'), 'the <script> run name renders as text');
  const injected = await page.evaluate(
      () => [...document.querySelectorAll('script')].filter((s) => s.textContent.includes('alert')).length);
  check(injected === 0, 'no script element came from data');

  // Filter and group.
  await page.fill('[data-testid=filter]', 'perceiver');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=run-row]').length === 1);
  check(true, 'filter "perceiver" leaves one run');
  await page.fill('[data-testid=filter]', '');
  await page.selectOption('[data-testid=sweep-select]', 'sweep-1');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=run-row]').length === 3);
  await page.selectOption('[data-testid=group-by]', 'model.projector');
  const groups = await page.locator('[data-testid=group-row]').allTextContents();
  check(groups.length === 2 && groups.some((g) => g.includes('model.projector = mlp')),
        `group by model.projector: 2 groups (${groups.join(' / ')})`);
  const headers = await page.locator('table.runs th').allTextContents();
  const firstField = headers.findIndex((h) => h.startsWith('model.'));
  const firstMetric = headers.findIndex((h) => h.includes('/'));
  check(firstMetric >= 0 && firstMetric < firstField,
        `metric columns come before the spec fields (${headers.join(' | ')})`);
  // The headline metric is on the first screen: its column lies inside the 1280 px viewport
  // without scrolling sideways.
  const metricBox = await page.locator('table.runs th').nth(firstMetric).boundingBox();
  check(metricBox !== null && metricBox.x >= 0 && metricBox.x + metricBox.width <= 1280,
        `headline metric column visible at 1280 px (${JSON.stringify(metricBox)})`);
  check(headers.some((h) => h.startsWith('model.projector')) && !headers.some((h) => h.startsWith('stages[pretrain]')),
        'differing fields shown, identical fields hidden');

  // Charts: group means with std bands (3 series per group), then each run.
  await page.goto(`${origin}/#/charts`);
  await page.waitForSelector('[data-testid=chart] canvas');
  let points = Number(await page.locator('[data-testid=chart]').first().getAttribute('data-points'));
  // mlp: 10 steps x (mean, +std, -std); perceiver: 9 finite steps (step 5 is NaN) x 3.
  check(points === 57, `grouped loss chart has 57 points (got ${points})`);
  await page.goto(`${origin}/#/runs`);
  await page.waitForSelector('[data-testid=runs-table]');
  await page.selectOption('[data-testid=group-by]', '');
  await page.goto(`${origin}/#/charts`);
  await page.waitForSelector('[data-testid=chart] canvas');
  points = Number(await page.locator('[data-testid=chart]').first().getAttribute('data-points'));
  check(points === 29, `loss chart of 3 runs has 29 points (got ${points})`);
  // Each chart saves as SVG (vector paths, escaped labels) and PNG.
  const [svgDownload] = await Promise.all([page.waitForEvent('download'),
                                           page.locator('[data-testid=save-svg]').first().click()]);
  const svgPath = join(outDir, 'chart.svg');
  await svgDownload.saveAs(svgPath);
  const svg = readFileSync(svgPath, 'utf8');
  check(svgDownload.suggestedFilename() === 'loss.svg' && svg.startsWith('<svg') &&
        (svg.match(/<path /g) || []).length === 3 && !svg.includes('<script>'),
        `SVG export: ${svgDownload.suggestedFilename()}, ${(svg.match(/<path /g) || []).length} curves`);
  const [pngDownload] = await Promise.all([page.waitForEvent('download'),
                                           page.locator('[data-testid=save-png]').first().click()]);
  const pngPath = join(outDir, 'chart.png');
  await pngDownload.saveAs(pngPath);
  const png = readFileSync(pngPath);
  check(pngDownload.suggestedFilename() === 'loss.png' && png.length > 2000 &&
        png.subarray(1, 4).toString() === 'PNG', `PNG export: ${pngDownload.suggestedFilename()}, ${png.length} bytes`);
  await page.screenshot({path: join(outDir, 'charts.png'), fullPage: true});

  // Config diff of two selected runs.
  await page.goto(`${origin}/#/runs`);
  await page.waitForSelector('[data-testid=runs-table]');
  await page.check('tr[data-run="mlp-s0"] input[type=checkbox]');
  await page.check('tr[data-run="xss-s0"] input[type=checkbox]');
  await page.click('[data-testid=diff-link]');
  await page.waitForSelector('[data-testid=diff-table]');
  const projector = await page.locator('tr[data-path="model.projector"] td').allTextContents();
  check(projector.join('|') === 'model.projector|mlp|perceiver',
        `diff shows model.projector mlp vs perceiver (${projector.join('|')})`);
  const diffHead = await page.locator('[data-testid=diff-table] th').allTextContents();
  check(diffHead.some((h) => h.includes('<script>alert(1)</script>')), 'diff header shows the name as text');

  // Ablation table and its CSV download.
  await page.goto(`${origin}/#/runs`);
  await page.waitForSelector('[data-testid=runs-table]');
  await page.click('button:has-text("clear selection")');
  await page.goto(`${origin}/#/ablation`);
  await page.waitForSelector('[data-testid=ablation-table]');
  const ablationRows = await page.locator('[data-testid=ablation-table] tbody tr').count();
  check(ablationRows === 2, `ablation table has 2 variants (got ${ablationRows})`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-testid=export-csv]'),
  ]);
  const saved = join(outDir, 'ablation.csv');
  await download.saveAs(saved);
  const csv = readFileSync(saved, 'utf8');
  check(download.suggestedFilename() === 'ablation-projector-ablation.csv' &&
        csv.startsWith('variant,') && csv.includes('\nmlp,'),
        `CSV export downloads ${download.suggestedFilename()}`);
  const [md] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-md]')]);
  check(md.suggestedFilename().endsWith('.md'), 'Markdown export downloads a .md file');
  await page.screenshot({path: join(outDir, 'ablation.png'), fullPage: true});

  // Eval browser: mlp-s0's vqa predictions, images, failures only.
  await page.goto(`${origin}/#/evals?run=mlp-s0`);
  await page.waitForSelector('[data-testid=example]');
  check(await page.locator('[data-testid=example]').count() === 3, 'eval browser shows 3 examples');
  await page.waitForFunction(() => [...document.querySelectorAll('.example img')].every((i) => i.complete && i.naturalWidth > 0));
  const widths = await page.evaluate(() => [...document.querySelectorAll('.example img')].map((i) => i.naturalWidth));
  check(widths.length === 2 && widths.every((w) => w === 16),
        `inline and --image_root images load (${widths.join(', ')})`);
  await page.check('[data-testid=failures-only]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=example]').length === 2);
  const predictions = await page.locator('[data-testid=prediction]').allTextContents();
  check(predictions.some((p) => p.includes('<img src=x onerror=alert(1)>')),
        'a prediction with markup renders as text');
  await page.screenshot({path: join(outDir, 'evals.png'), fullPage: true});

  // Path traversal from the browser, with the session's cookie: encoded and double-encoded
  // "../" out of the static assets and out of --image_root are refused, never served.
  const attempts = [
    '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/%252e%252e/%252e%252e/etc/passwd',
    '/js/..%2f..%2f..%2fetc%2fpasswd',
    '/api/image?path=..%2F..%2F..%2Fetc%2Fpasswd',
    '/api/image?path=%252e%252e%252f%252e%252e%252fetc%252fpasswd',
    '/api/image?path=%2Fetc%2Fpasswd',
  ];
  // A page of its own: the refused fetches are meant to log errors, which the main page's
  // no-console-error check must not count.
  const probe = await context.newPage();
  await probe.goto(`${origin}/`);
  const traversal = await probe.evaluate(async (targets) => Promise.all(targets.map(async (t) => {
    const r = await fetch(t);
    const body = await r.text();
    return {t, status: r.status, leaked: /root:[^:]*:0:0:/.test(body)};
  })), attempts);
  await probe.close();
  check(traversal.every((r) => r.status >= 400 && !r.leaked),
        `encoded and double-encoded traversal refused (${traversal.map((r) => r.status).join(', ')})`);

  // Run detail page.
  await page.goto(`${origin}/#/run/xss-s0`);
  await page.waitForSelector('[data-testid=run-title]');
  check(await page.locator('[data-testid=run-title]').textContent() === '<script>alert(1)</script>',
        'run page title is the name as text');

  // Without the cookie, nothing is served.
  const stranger = await browser.newContext();
  const refused = await (await stranger.newPage()).goto(`${origin}/`);
  check(refused.status() === 401, `a visit without the token is refused (${refused.status()})`);
  const api = await stranger.request.get(`${origin}/api/runs`);
  check(api.status() === 401, 'the API without the token is refused');
  await stranger.close();

  check(dialogs.length === 0, `no dialog fired (${dialogs.join(', ')})`);
  check(problems.length === 0, `no page or console errors${problems.length ? `: ${problems.join(' | ')}` : ''}`);
} catch (e) {
  failed++;
  console.log(`FAIL ${e.stack || e}`);
} finally {
  await browser.close();
}
console.log(`dashboard e2e: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
