CREATE TABLE `admin_scopes` (
	`admin_id` integer NOT NULL,
	`kind` text NOT NULL,
	`ref_id` integer NOT NULL,
	PRIMARY KEY(`admin_id`, `kind`, `ref_id`),
	FOREIGN KEY (`admin_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `admin_scopes_ref` ON `admin_scopes` (`kind`,`ref_id`);--> statement-breakpoint
ALTER TABLE `users` ADD `admin_permissions` text;