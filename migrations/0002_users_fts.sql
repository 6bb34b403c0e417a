-- Substring search over users.search_doc: an FTS5 trigram index (drizzle has no virtual
-- tables, hence this hand-written migration). The index keeps no copy of the text; it reads
-- it from users, and these triggers keep it in step with every insert, update and delete.
CREATE VIRTUAL TABLE `users_fts` USING fts5(search_doc, content='users', content_rowid='id', tokenize='trigram', detail='none');
--> statement-breakpoint
CREATE TRIGGER `users_fts_insert` AFTER INSERT ON `users` BEGIN
  INSERT INTO users_fts(rowid, search_doc) VALUES (new.id, new.search_doc);
END;
--> statement-breakpoint
CREATE TRIGGER `users_fts_delete` AFTER DELETE ON `users` BEGIN
  INSERT INTO users_fts(users_fts, rowid, search_doc) VALUES ('delete', old.id, old.search_doc);
END;
--> statement-breakpoint
CREATE TRIGGER `users_fts_update` AFTER UPDATE OF search_doc ON `users` WHEN old.search_doc IS NOT new.search_doc BEGIN
  INSERT INTO users_fts(users_fts, rowid, search_doc) VALUES ('delete', old.id, old.search_doc);
  INSERT INTO users_fts(rowid, search_doc) VALUES (new.id, new.search_doc);
END;
