CREATE TABLE `admin_preferences` (
	`user_id` integer PRIMARY KEY NOT NULL,
	`list_columns` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `users` ADD `search_doc` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `name_sort` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `groups_sort` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `teams_sort` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `companies_sort` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `addons_sort` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `databases_sort` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `territory_sort` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `role_sort` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `user_type_sort` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `supervisor_sort` text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX `users_name_sort` ON `users` (`name_sort`) WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX `users_first_name` ON `users` ("first_name" collate nocase,"last_name" collate nocase) WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX `users_groups_sort` ON `users` (`groups_sort`) WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX `users_companies_sort` ON `users` (`companies_sort`) WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX `users_territory_sort` ON `users` (`territory_sort`) WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX `users_role_sort` ON `users` (`role_sort`) WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX `users_user_type_sort` ON `users` (`user_type_sort`) WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX `users_supervisor_sort` ON `users` (`supervisor_sort`) WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX `users_status` ON `users` (`status`) WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX `users_licence` ON `users` (`licence_type`,`status`) WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX `users_last_signin` ON `users` (coalesce("last_signin_at", 0)) WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX `users_created` ON `users` (`created_at`) WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX `users_updated` ON `users` (`updated_at`) WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX `users_territory` ON `users` (`territory_id`,`status`) WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX `users_role` ON `users` (`role_id`,`status`) WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX `users_user_type` ON `users` (`user_type_id`,`status`) WHERE deleted_at is null;