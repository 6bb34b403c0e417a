import { eq } from 'drizzle-orm';
import t from 'tap';
import { userAvatars } from '../../src/db/schema.js';
import { addSuperuser } from '../helpers/app.js';
import { collectPageErrors, launchBrowser, saveScreenshot, signInAsAdmin, startServer } from '../helpers/browser.js';
import { addUser } from '../helpers/directory.js';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

t.test('a person uploads an avatar, sees it on the user page, then a refused file and removal', async (t) => {
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  const ann = addUser(app.db, {
    username: 'ann',
    firstName: 'Ann',
    lastName: 'Öberg',
    role: 'Manager',
    userType: 'Employee',
  });
  const browser = await launchBrowser(t);
  const page = await browser.newPage();
  const errors = collectPageErrors(page);

  await signInAsAdmin(page, baseUrl);
  await page.goto(`${baseUrl}/users/${ann.id}/edit`);

  await page.getByLabel(/Avatar/).setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: PNG });
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(`${baseUrl}/users/${ann.id}`);
  const avatar = page.getByRole('img', { name: 'Ann Öberg' });
  await avatar.waitFor();
  t.equal(
    await avatar.evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth)),
    1,
    'the served image renders',
  );
  t.same(await avatar.boundingBox().then((b) => [b?.width, b?.height]), [96, 96], 'shown at a fixed size');
  await saveScreenshot(page, 'user-avatar');

  await page.goto(`${baseUrl}/users/${ann.id}/edit`);
  await page.getByLabel('Last name').fill('Berg');
  await page
    .getByLabel(/Avatar/)
    .setInputFiles({ name: 'x.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') });
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#field-avatar-error').waitFor();
  t.match(await page.locator('#field-avatar-error').innerText(), 'not a PNG, JPEG or WebP image');
  t.equal(await page.getByLabel('Last name').inputValue(), 'Berg', 'what was typed is kept');
  await saveScreenshot(page, 'user-avatar-refused');

  await page.getByLabel('Remove avatar').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(`${baseUrl}/users/${ann.id}`);
  t.equal(await page.locator('img.avatar').count(), 0);
  t.equal(app.db.select().from(userAvatars).where(eq(userAvatars.userId, ann.id)).get(), undefined);
  t.same(errors(), [], 'no console errors (CSP included)');
});
