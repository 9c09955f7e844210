CREATE TABLE "session_documentation" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"session_id" uuid NOT NULL,
	"team_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"generated_by" text NOT NULL,
	"summary" text NOT NULL,
	"content" jsonb NOT NULL,
	"markdown" text NOT NULL,
	"html" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "session_steps" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"session_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"kind" text NOT NULL,
	"tree_id" uuid,
	"tree_version" integer,
	"node_id" text,
	"node_title" text,
	"node_kind" text,
	"answer" text,
	"note" text,
	"to_node_id" text,
	"action" text,
	"outcome" text,
	"user_id" uuid,
	"duration_ms" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"tree_id" uuid NOT NULL,
	"tree_version" integer NOT NULL,
	"status" text NOT NULL,
	"user_id" uuid NOT NULL,
	"assigned_to_id" uuid,
	"current_tree_id" uuid NOT NULL,
	"current_tree_version" integer NOT NULL,
	"current_node_id" text,
	"link_stack" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"trail" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"ticket_id" text,
	"client_name" text,
	"device" text,
	"problem_summary" text,
	"notes" text,
	"escalation_reason" text,
	"escalated_to_id" uuid,
	"resolution" text,
	"paused_at" timestamp with time zone,
	"paused_ms" bigint DEFAULT 0 NOT NULL,
	"node_entered_at" timestamp with time zone DEFAULT now() NOT NULL,
	"node_paused_ms" bigint DEFAULT 0 NOT NULL,
	"step_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "sessions_status_check" CHECK ("sessions"."status" in ('active', 'completed', 'escalated', 'requesting_escalation', 'abandoned'))
);
--> statement-breakpoint
ALTER TABLE "session_documentation" ADD CONSTRAINT "session_documentation_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_steps" ADD CONSTRAINT "session_steps_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_steps" ADD CONSTRAINT "session_steps_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_tree_id_trees_id_fk" FOREIGN KEY ("tree_id") REFERENCES "public"."trees"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_assigned_to_id_users_id_fk" FOREIGN KEY ("assigned_to_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_escalated_to_id_users_id_fk" FOREIGN KEY ("escalated_to_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "session_documentation_session_idx" ON "session_documentation" USING btree ("session_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "session_steps_session_seq_key" ON "session_steps" USING btree ("session_id","seq");--> statement-breakpoint
CREATE INDEX "sessions_team_status_idx" ON "sessions" USING btree ("team_id","status","created_at");--> statement-breakpoint
CREATE INDEX "sessions_user_idx" ON "sessions" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "sessions_assignee_idx" ON "sessions" USING btree ("assigned_to_id");--> statement-breakpoint
CREATE INDEX "sessions_tree_idx" ON "sessions" USING btree ("tree_id");