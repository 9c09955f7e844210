ALTER TABLE "sessions" ADD COLUMN "assigned_via" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "past_holder_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "resolved_by_id" uuid;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "outcome" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_resolved_by_id_users_id_fk" FOREIGN KEY ("resolved_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
UPDATE "sessions" s SET "assigned_via" = CASE WHEN EXISTS (SELECT 1 FROM "session_handoffs" h WHERE h."session_id" = s."id" AND h."intent" = 'escalate' AND h."accepted_by_id" = s."assigned_to_id") THEN 'pickup' ELSE 'transfer' END WHERE s."assigned_to_id" IS NOT NULL;--> statement-breakpoint
UPDATE "sessions" s SET "resolved_by_id" = (SELECT st."user_id" FROM "session_steps" st WHERE st."session_id" = s."id" AND st."kind" = 'complete' ORDER BY st."seq" DESC LIMIT 1) WHERE s."status" = 'completed';
