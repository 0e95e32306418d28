CREATE TABLE "knowledge_workflows" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"mode" text NOT NULL,
	"node_types" jsonb NOT NULL,
	"patterns" jsonb NOT NULL,
	"dsl" text NOT NULL,
	"source" text NOT NULL,
	"licence" text,
	"content_hash" text NOT NULL,
	"search_text" text NOT NULL,
	"search" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english', coalesce(name, '')), 'A') || setweight(to_tsvector('english', coalesce(description, '')), 'B') || setweight(to_tsvector('english', coalesce(search_text, '')), 'C')) STORED NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "knowledge_workflows_content_hash_unique" UNIQUE("content_hash")
);
--> statement-breakpoint
CREATE INDEX "knowledge_workflows_search_idx" ON "knowledge_workflows" USING gin ("search");