import t from 'tap';
import { addSuperuser } from '../helpers/app.js';
import { collectPageErrors, launchBrowser, saveScreenshot, signInAsAdmin, startServer } from '../helpers/browser.js';
import { ADMIN_PASSWORD } from '../helpers/app.js';
import { appCode } from '../two-step/fixture.js';

t.test('an administrator sets up an authenticator app, then signs in with its code', async (t) => {
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  const browser = await launchBrowser(t);
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors = collectPageErrors(page);
  await signInAsAdmin(page, baseUrl);

  await page.getByRole('banner').getByRole('link', { name: 'Ada Admin' }).click();
  await page.getByRole('link', { name: 'Set up two-step verification' }).click();
  await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
  await saveScreenshot(page, 'two-step-status');
  await page.getByRole('button', { name: 'Use an authenticator app' }).click();
  t.ok(
    await page.getByRole('img', { name: 'QR code to scan with your authenticator app' }).isVisible(),
    'the QR code shows',
  );
  const key = (await page.locator('#totp-secret').innerText()).replace(/\s/g, '');
  await saveScreenshot(page, 'two-step-app');
  await page.getByLabel('6-digit code').fill(appCode(key));
  await page.getByRole('button', { name: 'Confirm and turn on' }).click();
  await page.getByRole('heading', { name: 'Two-step verification is on' }).waitFor();
  await saveScreenshot(page, 'two-step-recovery-codes');
  await page.getByRole('link', { name: 'I have saved them' }).click();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Username or email').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Enter your verification code' }).waitFor();
  await saveScreenshot(page, 'two-step-signin');
  await page.getByRole('textbox', { name: 'Verification code' }).fill(appCode(key, 1));
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await page.waitForURL(`${baseUrl}/`);
  t.ok(await page.getByRole('link', { name: 'Users' }).first().isVisible(), 'signed in to the console');
  t.same(errors(), [], 'no console errors or CSP violations');
});
