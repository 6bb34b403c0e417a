DROP INDEX `users_username_nocase`;--> statement-breakpoint
CREATE INDEX `users_trash` ON `users` (`deleted_at`) WHERE deleted_at is not null;--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_nocase` ON `users` (lower("username")) WHERE deleted_at is null;