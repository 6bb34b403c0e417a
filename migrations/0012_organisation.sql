CREATE TABLE `addon_seats` (
	`addon_id` integer PRIMARY KEY NOT NULL,
	`seats` integer NOT NULL,
	FOREIGN KEY (`addon_id`) REFERENCES `addons`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `broadcast_recipients` (
	`broadcast_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`mail_id` integer,
	`dismissed_at` integer,
	PRIMARY KEY(`broadcast_id`, `user_id`),
	FOREIGN KEY (`broadcast_id`) REFERENCES `broadcasts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `broadcast_recipients_user` ON `broadcast_recipients` (`user_id`);--> statement-breakpoint
CREATE TABLE `broadcasts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`subject` text NOT NULL,
	`body` text NOT NULL,
	`category` text NOT NULL,
	`audience` text NOT NULL,
	`send_at` integer NOT NULL,
	`status` text DEFAULT 'scheduled' NOT NULL,
	`claim_id` text,
	`lease_until` integer,
	`recipient_count` integer DEFAULT 0 NOT NULL,
	`created_by` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`sent_at` integer,
	`version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `broadcasts_due` ON `broadcasts` (`send_at`) WHERE status = 'scheduled';--> statement-breakpoint
CREATE INDEX `broadcasts_created` ON `broadcasts` (`created_at`);--> statement-breakpoint
CREATE TABLE `directory_settings` (
	`id` integer PRIMARY KEY NOT NULL,
	`url` text NOT NULL,
	`start_tls` integer DEFAULT false NOT NULL,
	`ca_certificate` text DEFAULT '' NOT NULL,
	`bind_dn` text DEFAULT '' NOT NULL,
	`bind_password_sealed` blob,
	`base_dn` text NOT NULL,
	`user_filter` text NOT NULL,
	`attribute_map` text NOT NULL,
	`sync_enabled` integer DEFAULT false NOT NULL,
	`sync_interval_minutes` integer DEFAULT 60 NOT NULL,
	`sync_deactivate_missing` integer DEFAULT false NOT NULL,
	`sync_max_change_percent` integer DEFAULT 10 NOT NULL,
	`sync_next_at` integer,
	`sync_claim_id` text,
	`sync_lease_until` integer,
	`updated_at` integer NOT NULL,
	`updated_by` integer,
	FOREIGN KEY (`updated_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE TABLE `import_mappings` (
	`headers_key` text PRIMARY KEY NOT NULL,
	`mapping` text NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` integer,
	FOREIGN KEY (`updated_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE TABLE `licence_seats` (
	`licence_type` text PRIMARY KEY NOT NULL,
	`seats` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `recovery_codes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`code_hash` text NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `recovery_codes_user` ON `recovery_codes` (`user_id`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` integer,
	FOREIGN KEY (`updated_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE TABLE `two_step_codes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`code_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `two_step_codes_user` ON `two_step_codes` (`user_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `mail_queue` ADD `html` text;--> statement-breakpoint
ALTER TABLE `password_tokens` ADD `purpose` text DEFAULT 'reset' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `two_step_method` text;--> statement-breakpoint
ALTER TABLE `users` ADD `totp_secret_sealed` blob;--> statement-breakpoint
ALTER TABLE `users` ADD `directory_id` text;--> statement-breakpoint
CREATE UNIQUE INDEX `users_directory_id` ON `users` (`directory_id`) WHERE directory_id is not null;