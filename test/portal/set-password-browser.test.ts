import t from 'tap';
import { adminAddingKira, collectPageErrors, saveScreenshot } from '../helpers/browser.js';
import { NEW_PASSWORD } from '../helpers/portal.js';

t.test('a user created without a password gets in through a set-password link', async (t) => {
  const { baseUrl, browser, admin, adminErrors } = await adminAddingKira(t);
  await admin.getByLabel(/No password/).check();
  await admin.getByRole('button', { name: 'Create user' }).click();
  await admin.waitForURL(/\/users\/\d+$/);

  await saveScreenshot(admin, 'set-password-user-page');
  await admin.getByRole('button', { name: 'Create set-password link' }).click();
  await admin.waitForURL(/\/set-password-link$/);
  const link = (await admin.locator('#set-password-link').innerText()).trim();
  t.match(link, new RegExp(`^${baseUrl}/set-password\\?token=[A-Za-z0-9_-]{43}$`), 'the whole link is shown');
  await saveScreenshot(admin, 'set-password-link');

  const user = await (await browser.newContext({ viewport: { width: 1000, height: 800 } })).newPage();
  const userErrors = collectPageErrors(user);
  await user.goto(link);
  await user.getByRole('heading', { name: 'Choose your password' }).waitFor();
  await user.locator('#field-newPassword').fill('kira-and-more');
  await user.locator('#field-newPasswordConfirmation').fill('kira-and-more');
  await user.getByRole('button', { name: 'Set password' }).click();
  await user.getByText('The password must not contain the username.').first().waitFor();
  await saveScreenshot(user, 'set-password-refused');

  await user.locator('#field-newPassword').fill(NEW_PASSWORD);
  await user.locator('#field-newPasswordConfirmation').fill(NEW_PASSWORD);
  await user.getByRole('button', { name: 'Set password' }).click();
  await user.waitForURL(`${baseUrl}/login`);
  await user.getByText('Your password has been set. Sign in with it now.').waitFor();
  await user.getByRole('textbox', { name: 'Username or email' }).fill('kira');
  await user.getByLabel('Password').fill(NEW_PASSWORD);
  await user.getByRole('button', { name: 'Sign in' }).click();
  await user.waitForURL(`${baseUrl}/account`);
  t.pass('the user signs in with the password they chose');

  await user.goto(link);
  await user.getByText(/This link has expired or was already used/).waitFor();
  await saveScreenshot(user, 'set-password-spent');

  t.same(adminErrors(), [], 'no console errors for the administrator');
  t.same(userErrors(), [], 'no console errors for the user');
});
