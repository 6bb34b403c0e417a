CREATE INDEX `users_teams_sort` ON `users` (`teams_sort`) WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX `users_addons_sort` ON `users` (`addons_sort`) WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX `users_databases_sort` ON `users` (`databases_sort`) WHERE deleted_at is null;