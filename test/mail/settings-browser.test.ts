import t from 'tap';
import { addSuperuser } from '../helpers/app.js';
import { collectPageErrors, launchBrowser, saveScreenshot, signInAsAdmin, startServer } from '../helpers/browser.js';
import { startSmtpServer } from '../helpers/smtp.js';

t.test('a superuser sets up mail, is told what to fix, and sends a test email', async (t) => {
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  const smtp = await startSmtpServer(t);
  const browser = await launchBrowser(t);
  const page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
  const errors = collectPageErrors(page);
  await signInAsAdmin(page, baseUrl);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mail' }).click();
  await page.getByRole('heading', { name: 'Mail settings' }).waitFor();
  await page.getByRole('textbox', { name: 'SMTP server' }).fill('127.0.0.1');
  await page.getByLabel(/None: unencrypted/).check();
  await page.getByRole('textbox', { name: 'Port' }).fill(String(smtp.port));
  await page.getByLabel('Sender address (From)').fill('roster');
  await page.getByLabel('Public address of Roster').fill('roster.example.com');
  await page.getByRole('button', { name: 'Save mail settings' }).click();
  await page.getByText('Enter an email address like roster@example.com.').first().waitFor();
  t.equal(await page.getByRole('textbox', { name: 'SMTP server' }).inputValue(), '127.0.0.1', 'the input is kept');
  await saveScreenshot(page, 'mail-settings-refused');

  await page.getByLabel('Sender address (From)').fill('roster@example.com');
  await page.getByLabel('Public address of Roster').fill('https://roster.example.com');
  await page.getByRole('button', { name: 'Save mail settings' }).click();
  await page.getByText('The mail settings are saved.').waitFor();
  await page.getByLabel('Send it to').fill('ops@example.com');
  await page.getByRole('button', { name: 'Send a test email' }).click();
  await page.getByText('A test email was sent to ops@example.com. Check that it arrived.').waitFor();
  await saveScreenshot(page, 'mail-settings-saved');
  t.equal(smtp.received.length, 1, 'the test email arrived');
  t.same(errors(), [], 'no console errors (CSP included)');
});
