-- Rows now count failures per account, page and address in a window. The old rows (one per
-- failure, of at most the last window) cannot be told apart: they are dropped, which only
-- forgets recent failures.
DELETE FROM `signin_failures`;--> statement-breakpoint
ALTER TABLE `signin_failures` ADD `audience` text DEFAULT 'admin' NOT NULL;--> statement-breakpoint
ALTER TABLE `signin_failures` ADD `address` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `signin_failures` ADD `failures` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `signin_failures_window` ON `signin_failures` (`user_id`,`audience`,`address`);