import t from 'tap';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';

t.test('the column chooser is a page of its own without JavaScript, and a fragment for the drop-down', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const browser = new Client(app);
  await browser.signIn();

  const list = (await browser.get('/users?sort=email')).body;
  t.match(list, /hx-get="\/users\/columns" hx-trigger="toggle once"/, 'the list fetches the chooser when it is opened');
  t.match(
    list,
    '<a href="/users/columns?back=%2Fusers%3Fsort%3Demail">Choose columns…</a>',
    'and links to it otherwise',
  );

  const page = await browser.get('/users/columns?back=%2Fusers%3Fsort%3Demail');
  t.equal(page.statusCode, 200);
  t.match(page.body, /<h1>Columns<\/h1>/);
  t.match(
    page.body,
    '<input type="hidden" name="back" value="/users?sort=email">',
    'it returns to the list it came from',
  );
  t.match(page.body, /<input type="checkbox" name="columns" value="email" checked>/);

  for (const back of ['https://evil.example/users', '//evil.example', '/usersx', '/signout']) {
    const res = await browser.get(`/users/columns?back=${encodeURIComponent(back)}`);
    t.match(res.body, '<input type="hidden" name="back" value="/users">', `${back} is replaced by the list`);
  }

  const fragment = await browser.get('/users/columns', { 'hx-request': 'true', 'hx-request-type': 'partial' });
  t.notMatch(fragment.body, /<html|<h1>/, 'only the form');
  t.match(fragment.body, /<form id="column-chooser"/);
  t.notMatch(fragment.body, /name="back"/, 'the list page supplies where to return');
});
