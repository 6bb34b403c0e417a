import t from 'tap';
import { EMAIL } from '../src/email-address.js';

t.test('an email address is one plain address, as people write them', async (t) => {
  for (const address of ['ann@example.com', "o'brien@example.ie", 'first.last+tag@mail.example.org']) {
    t.ok(EMAIL.test(address), `accepted: ${address}`);
  }
  for (const address of [
    '"Ann"@example.com',
    'Ann <ann@example.com>',
    'ann<script>@example.com',
    'ann@example.com>',
    'ann,bo@example.com',
    'ann;bo@example.com',
    'ann(work)@example.com',
    'ann\\@example.com',
    'ann`@example.com',
    'group:ann@example.com',
    'ann@[192.0.2.1]',
    'ann @example.com',
    'ann@example',
  ]) {
    t.notOk(EMAIL.test(address), `refused: ${address}`);
  }
});
