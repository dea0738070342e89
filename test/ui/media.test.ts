/**
 * Files in the dashboard (docs/media.md), in a real headless Chromium: a robot's image inline and
 * its file as a link that downloads it, in the message view and in the chat view, and a picture a
 * user sent to the robot in the chat. The bytes come from the control plane, never from elsewhere.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO } from '../../src/demo/demo-directory.js';
import { startServer, type RunningServer } from '../../src/server.js';

const CHROMIUM = '/usr/bin/chromium';
const WAIT = { timeout: 30_000 };
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install -y chromium)`;
/** A 1×1 PNG the browser can draw. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

const evaluate = <T>(page: Page, expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;

describe('dashboard: files in messages', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  let imageKey: string;
  let fileKey: string;
  before(async () => {
    server = await startServer({ port: 0, store: 'memory', demo: true, simulate: false });
    const token = ((await (await fetch(`${server.url}/gettoken?appkey=${DEMO.appKey}&appsecret=${DEMO.appSecret}`)).json()) as { access_token: string }).access_token;
    const upload = async (path: string, type: string, name: string, bytes: Buffer, contentType: string): Promise<any> => {
      const form = new FormData();
      form.append('type', type);
      form.append('media', new Blob([bytes], { type: contentType }), name);
      const response = await fetch(`${server.url}${path}`, { method: 'POST', body: form });
      return response.json();
    };
    const send = async (msgKey: string, msgParam: Record<string, string>): Promise<string> => {
      const response = await fetch(`${server.url}/v1.0/robot/oToMessages/batchSend`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-acs-dingtalk-access-token': token },
        body: JSON.stringify({ robotCode: DEMO.appRobotCode, userIds: ['user001'], msgKey, msgParam: JSON.stringify(msgParam) }),
      });
      return ((await response.json()) as { processQueryKey: string }).processQueryKey;
    };
    const image = await upload(`/media/upload?access_token=${token}`, 'image', 'chart.png', PNG, 'image/png');
    imageKey = await send('sampleImageMsg', { photoURL: image.media_id });
    const pdf = await upload(`/media/upload?access_token=${token}`, 'file', 'report.pdf', Buffer.from('%PDF-1.4 report'), 'application/pdf');
    fileKey = await send('sampleFile', { mediaId: pdf.media_id, fileName: 'report.pdf', fileType: 'pdf' });
    const userFile = await upload(`/_dingread/v1/orgs/${DEMO.corpId}/files`, 'image', 'holiday.png', PNG, 'image/png');
    await fetch(`${server.url}/_dingread/v1/robots/${DEMO.appRobotCode}/chats/user001/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fileId: userFile.fileId }),
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(hash: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 }, reducedMotion: 'reduce', acceptDownloads: true });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${server.url}/_dingread/ui/${hash}`);
    await page.locator('#live.on').waitFor(WAIT);
    return { page, errors };
  }

  /** Whether every image on the page was drawn (a broken one has no natural width). */
  const imagesDrawn = (page: Page): Promise<boolean[]> =>
    evaluate(page, "[...document.querySelectorAll('img.media-image')].map((img) => img.complete && img.naturalWidth === 1)");

  it('shows a robot message\'s image inline, and its file as a link that downloads it', async () => {
    const { page, errors } = await open(`#/messages/${encodeURIComponent(imageKey)}`);
    await page.locator('img.media-image[alt="chart.png"]').waitFor(WAIT);
    await page.waitForFunction("document.querySelector('img.media-image').naturalWidth === 1", undefined, WAIT);
    assert.deepEqual(await imagesDrawn(page), [true]);
    assert.match((await page.locator('.files').textContent()) ?? '', /chart\.png \(Image, 70 B\)/);
    await page.goto(`${server.url}/_dingread/ui/#/messages/${encodeURIComponent(fileKey)}`);
    const link = page.getByRole('link', { name: /report\.pdf \(File, 15 B\)/ });
    await link.waitFor(WAIT);
    const [download] = await Promise.all([page.waitForEvent('download', WAIT), link.click()]);
    assert.equal(download.suggestedFilename(), 'report.pdf');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shows files in the chat view: the robot\'s image and file, and the picture the user sent', async () => {
    const { page, errors } = await open(`#/orgs/${DEMO.corpId}/chat/robots/${DEMO.appRobotCode}`);
    await page.locator('#chat-user').selectOption('user001');
    await page.locator('.bubble.mine img.media-image[alt="holiday.png"]').waitFor(WAIT);
    await page.locator('.bubble.robot img.media-image[alt="chart.png"]').waitFor(WAIT);
    await page.locator('.bubble.robot').getByRole('link', { name: /report\.pdf/ }).waitFor(WAIT);
    await page.waitForFunction("[...document.querySelectorAll('img.media-image')].every((img) => img.naturalWidth === 1)", undefined, WAIT);
    assert.deepEqual(await imagesDrawn(page), [true, true]);
    // The user's picture shows once: its name is the link under it, not text above it too.
    assert.equal(await page.locator('.bubble.mine').last().locator('.text').isHidden(), true);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
