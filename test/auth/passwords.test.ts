import t from 'tap';
import {
  generatePassword,
  hashPassword,
  PASSWORD_MAX_LENGTH,
  passwordProblem,
  verifyPassword,
} from '../../src/auth/passwords.js';

const policy = { minLength: 12 };

t.test('hashes with argon2id and verifies only the right password', async (t) => {
  const hash = await hashPassword('a long passphrase here');
  t.match(hash, /^\$argon2id\$/);
  t.equal(await verifyPassword(hash, 'a long passphrase here'), true);
  t.equal(await verifyPassword(hash, 'a long passphrase HERE'), false);
  t.equal(await verifyPassword('not a hash', 'anything'), false, 'a corrupt hash is a failed check, not a crash');
  t.not(await hashPassword('a long passphrase here'), hash, 'salted: the same password hashes differently');
});

t.test('password policy', async (t) => {
  t.match(passwordProblem('short1!', policy), /at least 12 characters/);
  t.match(passwordProblem('qwerty123456', policy), /commonly used/, 'a common password is refused');
  t.match(passwordProblem('QWERTY123456', policy), /commonly used/, 'case does not hide a common password');
  t.match(passwordProblem('mary-smith-is-here', policy, 'Mary-Smith'), /username/);
  t.match(passwordProblem('aaaaaaaaaaaaaaaa', policy), /varied/);
  t.match(passwordProblem('x'.repeat(PASSWORD_MAX_LENGTH + 1) + 'yzw1', policy), /at most/);
  t.equal(passwordProblem('violet tugboat uncle 42', policy), null);
  t.equal(passwordProblem('ÅsaÖström-räknar', policy), null, 'letters outside ASCII count as characters');
  t.match(passwordProblem('violet tugboat', { minLength: 16 }), /at least 16/, 'the minimum is configurable');
});

t.test('generated passwords are strong, readable and different every time', async (t) => {
  const passwords = Array.from({ length: 200 }, generatePassword);
  t.same(
    passwords.filter((p) => passwordProblem(p, policy) !== null),
    [],
    'all pass the policy',
  );
  t.same(
    passwords.filter((p) => !/^[a-zA-HJ-NP-Z2-9]{5}(-[a-km-zA-HJ-NP-Z2-9]{5}){3}$/.test(p)),
    [],
    'four groups of five, no look-alikes',
  );
  t.equal(new Set(passwords).size, 200, 'all different');
});
