CREATE TABLE "github_deliveries" (
	"id" serial PRIMARY KEY NOT NULL,
	"delivery_id" text NOT NULL,
	"codebase" text NOT NULL,
	"event" text NOT NULL,
	"outcome" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "github_deliveries_delivery_id_unique" UNIQUE("delivery_id")
);
--> statement-breakpoint
CREATE TABLE "github_issues" (
	"id" serial PRIMARY KEY NOT NULL,
	"dev_revision_id" integer NOT NULL,
	"codebase" text NOT NULL,
	"repository" text NOT NULL,
	"issue_number" integer NOT NULL,
	"author" text NOT NULL,
	"last_comment_id" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "agent_actions" ADD COLUMN "role" text;--> statement-breakpoint
ALTER TABLE "agent_actions" ADD COLUMN "tool" text;--> statement-breakpoint
ALTER TABLE "agent_actions" ADD COLUMN "args_digest" text;--> statement-breakpoint
ALTER TABLE "agent_actions" ADD COLUMN "outcome" text;--> statement-breakpoint
ALTER TABLE "agent_actions" ADD COLUMN "prompt_tokens" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "agent_actions" ADD COLUMN "completion_tokens" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "agent_actions" ADD COLUMN "cost_micro_usd" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "agent_actions" ADD COLUMN "duration_ms" integer;--> statement-breakpoint
ALTER TABLE "github_issues" ADD CONSTRAINT "github_issues_dev_revision_id_dev_revisions_id_fk" FOREIGN KEY ("dev_revision_id") REFERENCES "public"."dev_revisions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "github_issues_repository_issue" ON "github_issues" USING btree ("repository","issue_number");--> statement-breakpoint
CREATE UNIQUE INDEX "github_issues_revision" ON "github_issues" USING btree ("dev_revision_id");