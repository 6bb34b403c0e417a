import t from 'tap';
import { buildTestApp } from './helpers/app.js';

t.test('healthz answers 200 while the database answers, 503 when it does not', async (t) => {
  const app = await buildTestApp(t, { logLevel: 'silent' });
  const ok = await app.inject('/healthz');
  t.equal(ok.statusCode, 200, 'no session needed');
  t.same(ok.json(), { status: 'ok' });

  app.db.$client.close();
  const down = await app.inject('/healthz');
  t.equal(down.statusCode, 503);
  t.same(down.json(), { status: 'unavailable' });
});
