import t from 'tap';
import { addSuperuser } from '../helpers/app.js';
import { addUser } from '../helpers/directory.js';
import { collectPageErrors, launchBrowser, signInAsAdmin, startServer } from '../helpers/browser.js';

/**
 * "Filter on any field" follows the field chosen: the condition offers only its type's
 * operators, and the value becomes a number, a date picker or a list of answers.
 */
t.test('the condition and the value follow the field chosen', async (t) => {
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  addUser(app.db, { username: 'bea', firstName: 'Bea', lastName: 'Blocked', blocked: true, failedSigninCount: 4 });
  addUser(app.db, { username: 'cy', firstName: 'Cy', lastName: 'Fine' });
  const browser = await launchBrowser(t);
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
  const errors = collectPageErrors(page);
  await signInAsAdmin(page, baseUrl);
  await page.goto(`${baseUrl}/users`);

  await page.getByText('More filters').click();
  await page.getByText('Filter on any field').click();
  const field = page.getByRole('combobox', { name: 'Field' });
  const condition = page.getByRole('combobox', { name: 'Condition' });
  const offered = () => condition.locator('option').allInnerTexts();

  await field.selectOption({ label: 'Failed sign-ins' });
  t.same(await offered(), ['=', '<', '>', '≤', '≥'], 'a number: comparisons');
  t.equal(await page.getByRole('spinbutton', { name: 'Value' }).count(), 1, 'and a number input');

  await field.selectOption({ label: 'Created' });
  t.same(await offered(), ['before', 'on', 'after', 'is empty'], 'a date: before, on, after');
  t.equal(await page.getByRole('textbox', { name: 'Value' }).getAttribute('type'), 'date', 'and a date input');

  await field.selectOption({ label: 'Blocked' });
  t.same(await offered(), ['is', 'is not'], 'yes or no: is, is not');
  const answer = page.getByRole('combobox', { name: 'Value' });
  t.same(await answer.locator('option').allInnerTexts(), ['Yes', 'No']);
  await answer.selectOption({ label: 'Yes' });
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.locator('.chip', { hasText: 'Blocked: yes' }).waitFor();
  t.same(await page.locator('td.col-username').allInnerTexts(), ['bea'], 'only the blocked user');
  t.match(page.url(), /field=blocked&op=eq&value=yes/, 'the filter is in the URL, to share or bookmark');

  await field.selectOption({ label: 'Email' });
  t.same(await offered(), ['equals', 'contains', 'starts with', 'is empty'], 'text: its four conditions');
  t.same(errors(), [], 'no console errors');
});
