CREATE TABLE `addon_counts` (
	`addon_id` integer PRIMARY KEY NOT NULL,
	`holders` integer DEFAULT 0 NOT NULL,
	`held` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `user_counts` (
	`id` integer PRIMARY KEY NOT NULL,
	`total` integer DEFAULT 0 NOT NULL,
	`active` integer DEFAULT 0 NOT NULL,
	`inactive` integer DEFAULT 0 NOT NULL,
	`blocked` integer DEFAULT 0 NOT NULL,
	`must_change_password` integer DEFAULT 0 NOT NULL,
	`never_signed_in` integer DEFAULT 0 NOT NULL,
	`full` integer DEFAULT 0 NOT NULL,
	`viewer` integer DEFAULT 0 NOT NULL,
	`full_held` integer DEFAULT 0 NOT NULL,
	`viewer_held` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `users_blocked` ON `users` (`status`) WHERE blocked = 1 and deleted_at is null;--> statement-breakpoint
CREATE INDEX `users_must_change_password` ON `users` (`status`) WHERE must_change_password = 1 and deleted_at is null;--> statement-breakpoint
CREATE INDEX `users_locked` ON `users` (`locked_until`,`status`,`blocked`) WHERE locked_until is not null and deleted_at is null;
--> statement-breakpoint
-- The counts start from the users as they are; then every insert, delete and update of a counted
-- column moves them in the same transaction. The update trigger fires only when a row moves
-- between counts, so a sign-in after an earlier one, or an edit of a name, costs nothing.
INSERT INTO `user_counts` (`id`, `total`, `active`, `inactive`, `blocked`, `must_change_password`, `never_signed_in`, `full`, `viewer`, `full_held`, `viewer_held`)
  SELECT 1,
    coalesce(sum(u.deleted_at is null), 0),
    coalesce(sum(u.deleted_at is null and u.status = 'active' and u.blocked = 0), 0),
    coalesce(sum(u.deleted_at is null and u.status = 'inactive'), 0),
    coalesce(sum(u.deleted_at is null and u.blocked = 1), 0),
    coalesce(sum(u.deleted_at is null and u.must_change_password = 1), 0),
    coalesce(sum(u.deleted_at is null and u.last_signin_at is null), 0),
    coalesce(sum(u.deleted_at is null and u.licence_type = 'full'), 0),
    coalesce(sum(u.deleted_at is null and u.licence_type = 'viewer'), 0),
    coalesce(sum(u.deleted_at is null and u.licence_type = 'full' and u.status = 'active' and u.blocked = 0), 0),
    coalesce(sum(u.deleted_at is null and u.licence_type = 'viewer' and u.status = 'active' and u.blocked = 0), 0)
  FROM `users` u;
--> statement-breakpoint
CREATE TRIGGER `user_counts_insert` AFTER INSERT ON `users` WHEN new.deleted_at is null BEGIN
  UPDATE `user_counts` SET
    `total` = `total` + (new.deleted_at is null),
    `active` = `active` + (new.deleted_at is null and new.status = 'active' and new.blocked = 0),
    `inactive` = `inactive` + (new.deleted_at is null and new.status = 'inactive'),
    `blocked` = `blocked` + (new.deleted_at is null and new.blocked = 1),
    `must_change_password` = `must_change_password` + (new.deleted_at is null and new.must_change_password = 1),
    `never_signed_in` = `never_signed_in` + (new.deleted_at is null and new.last_signin_at is null),
    `full` = `full` + (new.deleted_at is null and new.licence_type = 'full'),
    `viewer` = `viewer` + (new.deleted_at is null and new.licence_type = 'viewer'),
    `full_held` = `full_held` + (new.deleted_at is null and new.licence_type = 'full' and new.status = 'active' and new.blocked = 0),
    `viewer_held` = `viewer_held` + (new.deleted_at is null and new.licence_type = 'viewer' and new.status = 'active' and new.blocked = 0)
  WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `user_counts_delete` AFTER DELETE ON `users` WHEN old.deleted_at is null BEGIN
  UPDATE `user_counts` SET
    `total` = `total` - (old.deleted_at is null),
    `active` = `active` - (old.deleted_at is null and old.status = 'active' and old.blocked = 0),
    `inactive` = `inactive` - (old.deleted_at is null and old.status = 'inactive'),
    `blocked` = `blocked` - (old.deleted_at is null and old.blocked = 1),
    `must_change_password` = `must_change_password` - (old.deleted_at is null and old.must_change_password = 1),
    `never_signed_in` = `never_signed_in` - (old.deleted_at is null and old.last_signin_at is null),
    `full` = `full` - (old.deleted_at is null and old.licence_type = 'full'),
    `viewer` = `viewer` - (old.deleted_at is null and old.licence_type = 'viewer'),
    `full_held` = `full_held` - (old.deleted_at is null and old.licence_type = 'full' and old.status = 'active' and old.blocked = 0),
    `viewer_held` = `viewer_held` - (old.deleted_at is null and old.licence_type = 'viewer' and old.status = 'active' and old.blocked = 0)
  WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `user_counts_update`
  AFTER UPDATE OF `deleted_at`, `status`, `blocked`, `must_change_password`, `last_signin_at`, `licence_type` ON `users`
  WHEN (old.deleted_at is null) <> (new.deleted_at is null)
    OR old.status <> new.status
    OR old.blocked <> new.blocked
    OR old.must_change_password <> new.must_change_password
    OR (old.last_signin_at is null) <> (new.last_signin_at is null)
    OR old.licence_type <> new.licence_type
BEGIN
  UPDATE `user_counts` SET
    `total` = `total` + (new.deleted_at is null) - (old.deleted_at is null),
    `active` = `active` + (new.deleted_at is null and new.status = 'active' and new.blocked = 0) - (old.deleted_at is null and old.status = 'active' and old.blocked = 0),
    `inactive` = `inactive` + (new.deleted_at is null and new.status = 'inactive') - (old.deleted_at is null and old.status = 'inactive'),
    `blocked` = `blocked` + (new.deleted_at is null and new.blocked = 1) - (old.deleted_at is null and old.blocked = 1),
    `must_change_password` = `must_change_password` + (new.deleted_at is null and new.must_change_password = 1) - (old.deleted_at is null and old.must_change_password = 1),
    `never_signed_in` = `never_signed_in` + (new.deleted_at is null and new.last_signin_at is null) - (old.deleted_at is null and old.last_signin_at is null),
    `full` = `full` + (new.deleted_at is null and new.licence_type = 'full') - (old.deleted_at is null and old.licence_type = 'full'),
    `viewer` = `viewer` + (new.deleted_at is null and new.licence_type = 'viewer') - (old.deleted_at is null and old.licence_type = 'viewer'),
    `full_held` = `full_held` + (new.deleted_at is null and new.licence_type = 'full' and new.status = 'active' and new.blocked = 0) - (old.deleted_at is null and old.licence_type = 'full' and old.status = 'active' and old.blocked = 0),
    `viewer_held` = `viewer_held` + (new.deleted_at is null and new.licence_type = 'viewer' and new.status = 'active' and new.blocked = 0) - (old.deleted_at is null and old.licence_type = 'viewer' and old.status = 'active' and old.blocked = 0)
  WHERE `id` = 1;
END;
--> statement-breakpoint
-- Add-on holders: a membership counts while its user is not in the trash (holders), and while
-- they are also active and not blocked (held). Memberships are only ever inserted and deleted.
INSERT INTO `addon_counts` (`addon_id`, `holders`, `held`)
  SELECT m.ref_id, count(*), coalesce(sum(u.deleted_at is null and u.status = 'active' and u.blocked = 0), 0)
  FROM `user_addons` m JOIN `users` u ON u.id = m.user_id
  WHERE u.deleted_at is null
  GROUP BY m.ref_id;
--> statement-breakpoint
CREATE TRIGGER `addon_counts_insert` AFTER INSERT ON `user_addons` BEGIN
  INSERT INTO `addon_counts` (`addon_id`, `holders`, `held`)
    SELECT new.ref_id, (u.deleted_at is null), (u.deleted_at is null and u.status = 'active' and u.blocked = 0) FROM `users` u WHERE u.id = new.user_id
    ON CONFLICT (`addon_id`) DO UPDATE SET `holders` = `holders` + excluded.holders, `held` = `held` + excluded.held;
END;
--> statement-breakpoint
-- When the user is being deleted their memberships go with them; the user's delete has counted them already.
CREATE TRIGGER `addon_counts_delete` AFTER DELETE ON `user_addons` BEGIN
  UPDATE `addon_counts` SET
    `holders` = `holders` - coalesce((SELECT u.deleted_at is null FROM `users` u WHERE u.id = old.user_id), 0),
    `held` = `held` - coalesce((SELECT u.deleted_at is null and u.status = 'active' and u.blocked = 0 FROM `users` u WHERE u.id = old.user_id), 0)
  WHERE `addon_id` = old.ref_id;
END;
--> statement-breakpoint
CREATE TRIGGER `addon_counts_user_update` AFTER UPDATE OF `deleted_at`, `status`, `blocked` ON `users`
  WHEN (old.deleted_at is null) <> (new.deleted_at is null) OR old.status <> new.status OR old.blocked <> new.blocked
BEGIN
  UPDATE `addon_counts` SET
    `holders` = `holders` + (new.deleted_at is null) - (old.deleted_at is null),
    `held` = `held` + (new.deleted_at is null and new.status = 'active' and new.blocked = 0) - (old.deleted_at is null and old.status = 'active' and old.blocked = 0)
  WHERE `addon_id` IN (SELECT m.ref_id FROM `user_addons` m WHERE m.user_id = new.id);
END;
--> statement-breakpoint
CREATE TRIGGER `addon_counts_user_delete` BEFORE DELETE ON `users` WHEN old.deleted_at is null BEGIN
  UPDATE `addon_counts` SET `holders` = `holders` - 1, `held` = `held` - (old.deleted_at is null and old.status = 'active' and old.blocked = 0)
  WHERE `addon_id` IN (SELECT m.ref_id FROM `user_addons` m WHERE m.user_id = old.id);
END;
