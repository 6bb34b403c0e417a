-- The search document keeps only a user's own text and their supervisor's name; the names of
-- their groups, teams, territory and companies leave it, and the list query matches them from
-- those small tables instead. So moving 100,000 users to another territory no longer rewrites
-- 100,000 documents in the trigram index.
--
-- Every document is rebuilt here with the rule of searchDocument() in users/derived-fields.ts,
-- value for value: fold() is normalize() (the function the app's connection registers in
-- db/connection.ts; migrations run on that connection, so it exists here), nullif(…, '') leaves
-- empty values out, and concat_ws skips them, between the leading and trailing '|'. The update
-- trigger is dropped meanwhile: one rebuild of the index is far cheaper than a delete and an
-- insert per user. It is then created again exactly as in 0002_users_fts.sql.
DROP TRIGGER `users_fts_update`;
--> statement-breakpoint
UPDATE `users` SET `search_doc` = '|' || concat_ws('|',
  nullif(fold(`username`), ''),
  nullif(fold(`first_name`), ''),
  nullif(fold(`last_name`), ''),
  nullif(fold(`full_name`), ''),
  nullif(fold(`signature`), ''),
  nullif(fold(`email`), ''),
  nullif(fold(`phone`), ''),
  nullif(fold(`extension`), ''),
  nullif(fold((
    SELECT coalesce(nullif(trim(s.full_name), ''), nullif(trim(s.first_name || ' ' || s.last_name), ''), s.username)
    FROM `users` s WHERE s.id = `users`.`supervisor_id`
  )), ''),
  nullif(fold(`notes`), '')
) || '|';
--> statement-breakpoint
INSERT INTO users_fts(users_fts) VALUES('rebuild');
--> statement-breakpoint
CREATE TRIGGER `users_fts_update` AFTER UPDATE OF search_doc ON `users` WHEN old.search_doc IS NOT new.search_doc BEGIN
  INSERT INTO users_fts(users_fts, rowid, search_doc) VALUES ('delete', old.id, old.search_doc);
  INSERT INTO users_fts(rowid, search_doc) VALUES (new.id, new.search_doc);
END;
