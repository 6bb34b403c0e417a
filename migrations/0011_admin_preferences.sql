ALTER TABLE `admin_preferences` ADD `time_zone` text;--> statement-breakpoint
ALTER TABLE `admin_preferences` ADD `density` text DEFAULT 'comfortable' NOT NULL;