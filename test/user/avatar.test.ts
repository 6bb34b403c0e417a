import { eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import { auditEntries, userAvatars, users } from '../../src/db/schema.js';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addUser, referenceId, signedInHelper } from '../helpers/directory.js';
import { formFields, type Pairs, postForm, withFields } from '../helpers/user-form.js';
import { type FilePart, postMultipart } from '../helpers/multipart.js';

/** Real 1×1 images, small enough to read: what a browser would upload, byte for byte. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////' +
    '////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
  'base64',
);
const WEBP = Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64');
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><script>alert(1)</script></svg>');
const TWO_MB = 2 * 1024 * 1024;

/** The user form with an avatar file input. */
const postAvatarForm = (
  app: FastifyInstance,
  client: Client,
  url: string,
  pairs: Pairs,
  file?: FilePart,
  csrf = true,
) => postMultipart(app, client, url, pairs, file, { field: 'avatar', csrf });

async function setUp(t: Test) {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const db = app.db;
  const ann = addUser(db, {
    username: 'ann',
    firstName: 'Ann',
    lastName: 'Öberg',
    role: 'Manager',
    userType: 'Employee',
  });
  const browser = new Client(app);
  await browser.signIn();
  await browser.get('/users/new');
  const ref = { employee: referenceId(db, 'user_types', 'Employee'), manager: referenceId(db, 'roles', 'Manager') };
  return { app, db, ann, browser, ref };
}

type Ctx = Awaited<ReturnType<typeof setUp>>;

function newUser(ctx: Ctx, extra: Pairs = []): Pairs {
  return [
    ['username', 'newbie'],
    ['firstName', 'New'],
    ['lastName', 'Bie'],
    ['email', 'newbie@example.com'],
    ['userTypeId', String(ctx.ref.employee)],
    ['roleId', String(ctx.ref.manager)],
    ['licenceType', 'none'],
    ['status', 'active'],
    ['kind', 'user'],
    ['passwordMode', 'none'],
    ['notes', 'Typed & kept'],
    ...extra,
  ];
}

const avatarRow = (ctx: Ctx, userId: number) =>
  ctx.db.select().from(userAvatars).where(eq(userAvatars.userId, userId)).get();
const avatarCount = (ctx: Ctx) => ctx.db.get<{ n: number }>(sql`select count(*) as n from user_avatars`)!.n;
const userCount = (ctx: Ctx) => ctx.db.get<{ n: number }>(sql`select count(*) as n from users`)!.n;
const audits = (ctx: Ctx, action: string) =>
  ctx.db.select().from(auditEntries).where(eq(auditEntries.action, action)).all();

async function editFields(ctx: Ctx, userId: number): Promise<Pairs> {
  return formFields((await ctx.browser.get(`/users/${userId}/edit`)).body).filter(([name]) => name !== 'avatar');
}

t.test('the New and Edit forms send files and offer an optional avatar', async (t) => {
  const ctx = await setUp(t);
  for (const url of ['/users/new', `/users/${ctx.ann.id}/edit`]) {
    const page = await ctx.browser.get(url);
    t.match(page.body, /class="user-form" enctype="multipart\/form-data"/, url);
    t.match(page.body, /<label for="field-avatar">Avatar <span class="optional">\(optional\)<\/span><\/label>/, url);
    t.match(page.body, 'name="avatar" type="file" accept="image/png,image/jpeg,image/webp"', url);
  }
  const edit = await ctx.browser.get(`/users/${ctx.ann.id}/edit`);
  t.notMatch(edit.body, 'removeAvatar', 'nothing to remove yet');
});

t.test('a PNG given on New is stored with the user, audited and served back as it was', async (t) => {
  const ctx = await setUp(t);
  const res = await postAvatarForm(ctx.app, ctx.browser, '/users', newUser(ctx), {
    filename: 'me.png',
    type: 'image/png',
    data: PNG,
  });
  t.equal(res.statusCode, 303, res.body);
  const user = ctx.db.select().from(users).where(eq(users.username, 'newbie')).get()!;
  t.match(user, { firstName: 'New', email: 'newbie@example.com', notes: 'Typed & kept' }, 'the fields came through');
  t.match(avatarRow(ctx, user.id), { mimeType: 'image/png' });

  const image = await ctx.browser.get(`/users/${user.id}/avatar`);
  t.equal(image.statusCode, 200);
  t.same(image.rawPayload, PNG, 'byte-identical');
  t.equal(image.headers['content-type'], 'image/png');
  t.equal(image.headers['x-content-type-options'], 'nosniff');
  t.equal(image.headers['content-disposition'], 'inline; filename="avatar"');
  t.equal(image.headers['cache-control'], 'private, max-age=300');
  t.equal(image.headers['content-security-policy'], "default-src 'none'");

  const page = await ctx.browser.get(`/users/${user.id}`);
  t.match(page.body, `<img class="avatar avatar-large" src="/users/${user.id}/avatar?v=1" alt="New Bie"`);
  const [created] = audits(ctx, 'user.create');
  t.same(created!.changes!.avatar, ['none', 'image/png']);
});

t.test('JPEG and WebP replace the avatar on Edit; each change is audited', async (t) => {
  const ctx = await setUp(t);
  const steps: [string, Buffer, string, string][] = [
    ['a.jpg', JPEG, 'image/jpeg', 'none'],
    ['b.webp', WEBP, 'image/webp', 'image/jpeg'],
    ['c.webp', Buffer.concat([WEBP]), 'image/webp', 'image/webp'],
  ];
  for (const [filename, data, mimeType, before] of steps) {
    const fields = await editFields(ctx, ctx.ann.id);
    const res = await postAvatarForm(ctx.app, ctx.browser, `/users/${ctx.ann.id}`, fields, {
      filename,
      type: 'application/octet-stream',
      data,
    });
    t.equal(res.statusCode, 303, filename);
    t.match(avatarRow(ctx, ctx.ann.id), { mimeType }, filename);
    const image = await ctx.browser.get(`/users/${ctx.ann.id}/avatar`);
    t.equal(image.headers['content-type'], mimeType);
    t.same(image.rawPayload, data, `${filename} comes back byte-identical`);
    t.same(audits(ctx, 'user.update').at(-1)!.changes, { avatar: [before, mimeType] }, 'a new image is a change');
  }
  t.equal(ctx.db.select().from(users).where(eq(users.id, ctx.ann.id)).get()!.version, 4);
  const edit = await ctx.browser.get(`/users/${ctx.ann.id}/edit`);
  t.match(edit.body, `src="/users/${ctx.ann.id}/avatar?v=4" alt="Current avatar"`);
  t.match(edit.body, 'name="removeAvatar" id="field-removeAvatar"> Remove avatar');

  const untouched = await postAvatarForm(
    ctx.app,
    ctx.browser,
    `/users/${ctx.ann.id}`,
    await editFields(ctx, ctx.ann.id),
  );
  t.equal(untouched.statusCode, 303, 'no file chosen leaves the avatar alone');
  t.match(avatarRow(ctx, ctx.ann.id), { mimeType: 'image/webp' });
  t.equal(audits(ctx, 'user.update').length, 3);
});

t.test('refused files: the message is beside the field, the rest is kept and nothing is written', async (t) => {
  const ctx = await setUp(t);
  const cases: [string, FilePart, number, string][] = [
    [
      'larger than 2 MB by one byte',
      { filename: 'big.png', type: 'image/png', data: Buffer.concat([PNG, Buffer.alloc(TWO_MB + 1 - PNG.length)]) },
      413,
      'This image is larger than 2 MB',
    ],
    [
      'text named .png',
      { filename: 'x.png', type: 'image/png', data: Buffer.from('just some text, not an image') },
      422,
      'This file is not a PNG, JPEG or WebP image',
    ],
    [
      'an SVG',
      { filename: 'x.svg', type: 'image/svg+xml', data: SVG },
      422,
      'This file is not a PNG, JPEG or WebP image',
    ],
    [
      'an SVG named .png',
      { filename: 'x.png', type: 'image/png', data: SVG },
      422,
      'This file is not a PNG, JPEG or WebP image',
    ],
    ['a GIF', { filename: 'x.gif', type: 'image/gif', data: GIF }, 422, 'This file is not a PNG, JPEG or WebP image'],
    ['an empty file', { filename: 'x.png', type: 'image/png', data: Buffer.alloc(0) }, 422, 'This file is empty'],
  ];
  const users0 = userCount(ctx);
  for (const [name, file, status, message] of cases) {
    const res = await postAvatarForm(ctx.app, ctx.browser, '/users', newUser(ctx), file);
    t.equal(res.statusCode, status, name);
    t.match(res.body, /<div class="field avatar-field field-invalid">/, name);
    t.match(res.body, `<p class="field-error" id="field-avatar-error">${message}`, name);
    t.match(res.body, 'aria-describedby="field-avatar-hint field-avatar-error" aria-invalid="true"', name);
    t.match(res.body, '<a href="#field-avatar">', `${name}: listed in the summary`);
    t.match(res.body, 'value="newbie@example.com"', `${name}: typed fields kept`);
    t.match(res.body, 'Typed &amp; kept</textarea>', name);
    t.equal(userCount(ctx), users0, `${name}: no user`);
    t.equal(avatarCount(ctx), 0, `${name}: no avatar`);

    const fields = await editFields(ctx, ctx.ann.id);
    const edit = await postAvatarForm(
      ctx.app,
      ctx.browser,
      `/users/${ctx.ann.id}`,
      withFields(fields, { lastName: 'Changed' }),
      file,
    );
    t.equal(edit.statusCode, status, `edit: ${name}`);
    t.match(edit.body, 'value="Changed"', `edit: ${name}: typed fields kept`);
    t.equal(ctx.db.select().from(users).where(eq(users.id, ctx.ann.id)).get()!.lastName, 'Öberg', 'nothing saved');
  }
  t.equal(audits(ctx, 'user.update').length + audits(ctx, 'user.create').length, 0);

  const exactly = await postAvatarForm(ctx.app, ctx.browser, '/users', newUser(ctx), {
    filename: 'big.png',
    type: 'image/png',
    data: Buffer.concat([PNG, Buffer.alloc(TWO_MB - PNG.length)]),
  });
  t.equal(exactly.statusCode, 303, 'exactly 2 MB is accepted');
});

t.test('a good file on a form refused for another field must be chosen again', async (t) => {
  const ctx = await setUp(t);
  const res = await postAvatarForm(ctx.app, ctx.browser, '/users', withFields(newUser(ctx), { email: 'nope' }), {
    filename: 'me.png',
    type: 'image/png',
    data: PNG,
  });
  t.equal(res.statusCode, 422);
  t.match(res.body, 'Enter an email address like name@example.com.');
  t.match(res.body, 'choose the file again');
  t.match(res.body, 'aria-describedby="field-avatar-hint field-avatar-again"');
  t.equal(avatarCount(ctx), 0);
  const without = await postAvatarForm(ctx.app, ctx.browser, '/users', withFields(newUser(ctx), { email: 'nope' }));
  t.notMatch(without.body, 'choose the file again', 'no file, nothing to choose again');
});

t.test('Remove avatar deletes it, audited; the avatar is then gone', async (t) => {
  const ctx = await setUp(t);
  const fields = await editFields(ctx, ctx.ann.id);
  await postAvatarForm(ctx.app, ctx.browser, `/users/${ctx.ann.id}`, fields, {
    filename: 'a.png',
    type: 'image/png',
    data: PNG,
  });
  const withAvatar = await editFields(ctx, ctx.ann.id);

  const both = await postAvatarForm(
    ctx.app,
    ctx.browser,
    `/users/${ctx.ann.id}`,
    [...withAvatar, ['removeAvatar', 'on']],
    { filename: 'b.jpg', type: 'image/jpeg', data: JPEG },
  );
  t.equal(both.statusCode, 422, 'a new image and removal at once is ambiguous');
  t.match(both.body, 'Either choose a new image or tick Remove avatar, not both.');
  t.match(both.body, 'name="removeAvatar" id="field-removeAvatar" checked');
  t.match(avatarRow(ctx, ctx.ann.id), { mimeType: 'image/png' });

  const removed = await postAvatarForm(ctx.app, ctx.browser, `/users/${ctx.ann.id}`, [
    ...withAvatar,
    ['removeAvatar', 'on'],
  ]);
  t.equal(removed.statusCode, 303);
  t.equal(avatarRow(ctx, ctx.ann.id), undefined);
  t.same(audits(ctx, 'user.update').at(-1)!.changes, { avatar: ['image/png', 'none'] });
  t.equal((await ctx.browser.get(`/users/${ctx.ann.id}/avatar`)).statusCode, 404, 'none: 404');
  const page = await ctx.browser.get(`/users/${ctx.ann.id}`);
  t.notMatch(page.body, 'class="avatar');
  t.notMatch((await ctx.browser.get(`/users/${ctx.ann.id}/edit`)).body, 'removeAvatar');

  const again = await postAvatarForm(ctx.app, ctx.browser, `/users/${ctx.ann.id}`, [
    ...(await editFields(ctx, ctx.ann.id)),
    ['removeAvatar', 'on'],
  ]);
  t.equal(again.statusCode, 303);
  t.equal(audits(ctx, 'user.update').length, 2, 'removing what is not there changes nothing');
});

t.test('the avatar is only served to administrators who may see the user', async (t) => {
  const ctx = await setUp(t);
  ctx.db.insert(userAvatars).values({ userId: ctx.ann.id, mimeType: 'image/png', data: PNG }).run();
  const gone = addUser(ctx.db, { username: 'gone', deletedAt: new Date() });
  ctx.db.insert(userAvatars).values({ userId: gone.id, mimeType: 'image/png', data: PNG }).run();
  t.equal((await ctx.browser.get(`/users/${gone.id}/avatar`)).statusCode, 404, 'in the trash');
  for (const url of ['/users/abc/avatar', '/users/0/avatar', '/users/999999/avatar']) {
    t.equal((await ctx.browser.get(url)).statusCode, 404, url);
  }

  const { client: scoped } = await signedInHelper(ctx.app);
  const outside = await scoped.get(`/users/${ctx.ann.id}/avatar`);
  t.equal(outside.statusCode, 404, 'outside the scope');
  t.notOk(outside.rawPayload.equals(PNG));

  const anonymous = await ctx.app.inject({ method: 'GET', url: `/users/${ctx.ann.id}/avatar` });
  t.equal(anonymous.statusCode, 302, 'signed out: sent to sign in');
  t.match(anonymous.headers.location, /^\/signin/);
});

t.test('multipart posts need the CSRF token', async (t) => {
  const ctx = await setUp(t);
  const file = { filename: 'me.png', type: 'image/png', data: PNG };
  const created = await postAvatarForm(ctx.app, ctx.browser, '/users', newUser(ctx), file, false);
  t.equal(created.statusCode, 403);
  const edited = await postAvatarForm(
    ctx.app,
    ctx.browser,
    `/users/${ctx.ann.id}`,
    await editFields(ctx, ctx.ann.id),
    file,
    false,
  );
  t.equal(edited.statusCode, 403);
  const forged = await postAvatarForm(
    ctx.app,
    ctx.browser,
    '/users',
    [['_csrf', 'forged'], ...newUser(ctx)],
    file,
    false,
  );
  t.equal(forged.statusCode, 403, 'a wrong token is refused too');
  t.equal(avatarCount(ctx), 0);
  t.equal(ctx.db.select().from(users).where(eq(users.username, 'newbie')).get(), undefined);
});

t.test('Clone does not copy the avatar', async (t) => {
  const ctx = await setUp(t);
  ctx.db.insert(userAvatars).values({ userId: ctx.ann.id, mimeType: 'image/png', data: PNG }).run();
  const form = await ctx.browser.get(`/users/new?from=${ctx.ann.id}`);
  t.notMatch(form.body, '/avatar?');
  t.notMatch(form.body, 'removeAvatar');
  const fields = formFields(form.body).filter(([name]) => name !== 'avatar');
  const res = await postAvatarForm(
    ctx.app,
    ctx.browser,
    '/users',
    withFields(fields, { username: 'annclone', passwordMode: 'none' }),
  );
  t.equal(res.statusCode, 303, res.body);
  const clone = ctx.db.select().from(users).where(eq(users.username, 'annclone')).get()!;
  t.equal(avatarRow(ctx, clone.id), undefined);
  t.equal(audits(ctx, 'user.create')[0]!.changes!.avatar, undefined);
});

t.test('url-encoded posts still work, and leave the avatar alone', async (t) => {
  const ctx = await setUp(t);
  ctx.db.insert(userAvatars).values({ userId: ctx.ann.id, mimeType: 'image/png', data: PNG }).run();
  const fields = await editFields(ctx, ctx.ann.id);
  const res = await postForm(ctx.app, ctx.browser, `/users/${ctx.ann.id}`, withFields(fields, { lastName: 'Berg' }));
  t.equal(res.statusCode, 303);
  t.match(avatarRow(ctx, ctx.ann.id), { mimeType: 'image/png' });
});
