CREATE TABLE "agent_pull_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"forge" text NOT NULL,
	"repository" text NOT NULL,
	"number" integer,
	"url" text,
	"head_branch" text NOT NULL,
	"base_branch" text NOT NULL,
	"status" text NOT NULL,
	"title" text NOT NULL,
	"draft_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agent_pull_requests_run_id_unique" UNIQUE("run_id")
);
--> statement-breakpoint
CREATE TABLE "agent_workspace_cleanups" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"path" text NOT NULL,
	"reason" text NOT NULL,
	"outcome" text NOT NULL,
	"bytes_freed" bigint DEFAULT 0 NOT NULL,
	"detail" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agent_workspaces" (
	"run_id" text PRIMARY KEY NOT NULL,
	"path" text NOT NULL,
	"repository" text NOT NULL,
	"branch" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"removed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "forge_credentials" (
	"id" text PRIMARY KEY NOT NULL,
	"forge" text NOT NULL,
	"name" text NOT NULL,
	"owner" text NOT NULL,
	"token_encrypted" text NOT NULL,
	"scopes" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"delivery_id" text PRIMARY KEY NOT NULL,
	"event" text NOT NULL,
	"action" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"run_id" text
);
--> statement-breakpoint
CREATE INDEX "agent_pull_requests_head_idx" ON "agent_pull_requests" USING btree ("repository","head_branch");--> statement-breakpoint
CREATE INDEX "agent_workspace_cleanups_run_idx" ON "agent_workspace_cleanups" USING btree ("run_id");