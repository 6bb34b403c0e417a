import t from 'tap';
import { transliterate } from '../../src/text.js';
import { importReady, previewOf } from '../helpers/import.js';

t.test('one transliteration: letters without a separable accent become their Latin spelling', async (t) => {
  t.equal(transliterate('Zoë Ødegård'), 'Zoe Odegard');
  t.equal(transliterate('Æbelø Strauß Łukasz Đorđe Þóra Œuvre'), 'Aebelo Strauss Lukasz Dorde Thora Oeuvre');
});

t.test('a username an import makes from the names is spelled as the seed spells one', async (t) => {
  const ctx = await importReady(t);
  const csv = [
    'Last Name,First Name,User Type,Email,Groups,Territory,Supervisor,Role,Licence',
    'Ødegård,Zoë,Employee,,,,,,',
    'Strauß,Þóra,Employee,,,,,,',
  ].join('\r\n');
  const { page } = await previewOf(ctx.app, ctx.browser, csv);
  t.match(page.body, 'zoe.odegard', 'ø becomes o, as in the seed');
  t.match(page.body, 'thora.strauss');
  t.notMatch(page.body, 'ødegard');
});
