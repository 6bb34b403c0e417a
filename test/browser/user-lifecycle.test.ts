import t from 'tap';
import { adminAddingKira, collectPageErrors, saveScreenshot } from '../helpers/browser.js';
import { NEW_PASSWORD } from '../helpers/portal.js';

t.test('a new user signs in with a generated password, must change it, and is signed out when blocked', async (t) => {
  // The administrator creates the user with a generated password.
  const { baseUrl, browser, admin, adminErrors } = await adminAddingKira(t);
  t.ok(await admin.getByLabel('Generate a strong password').isChecked(), 'a generated password by default');
  t.ok(await admin.getByLabel(/Must change the password/).isChecked());
  await admin.getByRole('button', { name: 'Create user' }).click();
  await admin.waitForURL(/\/users\/\d+$/);
  const userUrl = admin.url();
  const password = (await admin.locator('#generated-password').innerText()).trim();
  t.ok(password.length >= 12, 'the password is shown once');

  // The user signs in to the portal in a browser of their own and has to change the password.
  const user = await (await browser.newContext({ viewport: { width: 1000, height: 800 } })).newPage();
  const userErrors = collectPageErrors(user);
  await user.goto(`${baseUrl}/login`);
  await user.getByRole('textbox', { name: 'Username or email' }).fill('kira');
  await user.getByLabel('Password').fill(password);
  await user.getByRole('button', { name: 'Sign in' }).click();
  await user.waitForURL(`${baseUrl}/account/password`);
  await user.goto(`${baseUrl}/account`);
  await user.waitForURL(`${baseUrl}/account/password`);
  t.pass('nothing but the password page until it is changed');
  await user.getByLabel('Current password').fill(password);
  await user.getByRole('textbox', { name: 'New password', exact: true }).fill(NEW_PASSWORD);
  await user.getByRole('textbox', { name: 'Repeat the new password' }).fill(NEW_PASSWORD);
  await user.getByRole('button', { name: 'Change password' }).click();
  await user.waitForURL(`${baseUrl}/account`);
  await user.getByText('Your password has been changed.').waitFor();

  // The administrator sees the open portal session, then blocks the user after confirming.
  await admin.goto(userUrl);
  const advanced = admin.locator('section#advanced');
  await advanced.getByRole('heading', { name: 'Advanced information' }).waitFor();
  t.equal(await advanced.getByRole('cell', { name: 'Account portal' }).count(), 1, 'the portal session is listed');
  const panel = admin.getByRole('region', { name: 'Status and access' });
  t.match(await panel.innerText(), 'Active: the user can sign in.');
  t.notOk(await panel.getByRole('button', { name: 'Block Kira Lind' }).isVisible(), 'hidden until asked for');
  await panel.getByText('Block…').click();
  await panel.getByRole('button', { name: 'Block Kira Lind' }).waitFor();
  await saveScreenshot(admin, 'user-block-confirm');
  await panel.getByRole('link', { name: 'Cancel' }).click();
  await panel.getByRole('button', { name: 'Block Kira Lind' }).waitFor({ state: 'hidden' });
  t.equal(admin.url(), userUrl, 'Cancel closes the confirmation where it is');
  await panel.getByText('Block…').click();
  await panel.getByRole('button', { name: 'Block Kira Lind' }).click();
  await admin.waitForURL(userUrl);
  await admin.getByText('Kira Lind was blocked and signed out of 1 session.').waitFor();
  t.match(await panel.innerText(), 'Blocked by an administrator');
  await panel.getByRole('button', { name: 'Unblock' }).waitFor();
  await advanced.getByText('No open sessions.').waitFor();
  await saveScreenshot(admin, 'user-blocked');

  // The user's next request finds them signed out.
  await user.reload();
  await user.waitForURL(/\/login/);
  await user.getByRole('button', { name: 'Sign in' }).waitFor();
  await saveScreenshot(user, 'user-blocked-signed-out');

  t.same(adminErrors(), [], 'no console errors for the administrator (CSP included)');
  t.same(userErrors(), [], 'no console errors for the user');
});
