CREATE TABLE "search_lexicon" (
	"team_id" uuid NOT NULL,
	"word" text NOT NULL,
	CONSTRAINT "search_lexicon_team_id_word_pk" PRIMARY KEY("team_id","word")
);
--> statement-breakpoint
CREATE TABLE "tree_search_nodes" (
	"tree_id" uuid NOT NULL,
	"node_id" text NOT NULL,
	"team_id" uuid NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"search_vector" "tsvector" NOT NULL,
	CONSTRAINT "tree_search_nodes_tree_id_node_id_pk" PRIMARY KEY("tree_id","node_id")
);
--> statement-breakpoint
CREATE TABLE "tree_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tree_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"category" text NOT NULL,
	"tags" text[] NOT NULL,
	"status" text NOT NULL,
	"root_node_id" text NOT NULL,
	"nodes" jsonb NOT NULL,
	"change_note" text,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "trees" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"category" text NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"status" text NOT NULL,
	"current_version" integer NOT NULL,
	"node_count" integer NOT NULL,
	"search_vector" "tsvector" NOT NULL,
	"created_by_id" uuid,
	"updated_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "trees_status_check" CHECK ("trees"."status" in ('draft', 'published', 'archived'))
);
--> statement-breakpoint
ALTER TABLE "search_lexicon" ADD CONSTRAINT "search_lexicon_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tree_search_nodes" ADD CONSTRAINT "tree_search_nodes_tree_id_trees_id_fk" FOREIGN KEY ("tree_id") REFERENCES "public"."trees"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tree_versions" ADD CONSTRAINT "tree_versions_tree_id_trees_id_fk" FOREIGN KEY ("tree_id") REFERENCES "public"."trees"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tree_versions" ADD CONSTRAINT "tree_versions_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trees" ADD CONSTRAINT "trees_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trees" ADD CONSTRAINT "trees_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trees" ADD CONSTRAINT "trees_updated_by_id_users_id_fk" FOREIGN KEY ("updated_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "search_lexicon_word_trgm_idx" ON "search_lexicon" USING gin ("word" gin_trgm_ops) WITH (fastupdate=false);--> statement-breakpoint
CREATE INDEX "tree_search_nodes_search_idx" ON "tree_search_nodes" USING gin ("search_vector") WITH (fastupdate=false);--> statement-breakpoint
CREATE INDEX "tree_search_nodes_team_idx" ON "tree_search_nodes" USING btree ("team_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tree_versions_tree_version_key" ON "tree_versions" USING btree ("tree_id","version");--> statement-breakpoint
CREATE INDEX "trees_team_status_idx" ON "trees" USING btree ("team_id","status","category");--> statement-breakpoint
CREATE INDEX "trees_search_idx" ON "trees" USING gin ("search_vector") WITH (fastupdate=false);--> statement-breakpoint
CREATE INDEX "trees_tags_idx" ON "trees" USING gin ("tags");