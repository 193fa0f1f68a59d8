CREATE TABLE "branches" (
	"id" serial PRIMARY KEY NOT NULL,
	"codebase_id" integer NOT NULL,
	"number" integer NOT NULL,
	"parent_number" integer,
	"commit_id" text NOT NULL,
	"author_kind" text NOT NULL,
	"dev_revision_id" integer,
	"status" text DEFAULT 'created' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "branches_number_positive" CHECK ("branches"."number" > 0)
);
--> statement-breakpoint
CREATE TABLE "changes" (
	"id" serial PRIMARY KEY NOT NULL,
	"branch_id" integer NOT NULL,
	"path" text NOT NULL,
	"kind" text NOT NULL,
	"lines_added" integer NOT NULL,
	"lines_removed" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "codebases" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "codebases_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "commits" (
	"id" serial PRIMARY KEY NOT NULL,
	"codebase_id" integer NOT NULL,
	"branch_id" integer,
	"sha" text NOT NULL,
	"message" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dev_revisions" (
	"id" serial PRIMARY KEY NOT NULL,
	"codebase_id" integer NOT NULL,
	"number" integer NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"parent_branch" integer,
	"branch_number" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "prompts" (
	"id" serial PRIMARY KEY NOT NULL,
	"dev_revision_id" integer NOT NULL,
	"kind" text NOT NULL,
	"text" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "responses" (
	"id" serial PRIMARY KEY NOT NULL,
	"dev_revision_id" integer NOT NULL,
	"kind" text NOT NULL,
	"text" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "branches" ADD CONSTRAINT "branches_codebase_id_codebases_id_fk" FOREIGN KEY ("codebase_id") REFERENCES "public"."codebases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "branches" ADD CONSTRAINT "branches_dev_revision_id_dev_revisions_id_fk" FOREIGN KEY ("dev_revision_id") REFERENCES "public"."dev_revisions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "changes" ADD CONSTRAINT "changes_branch_id_branches_id_fk" FOREIGN KEY ("branch_id") REFERENCES "public"."branches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commits" ADD CONSTRAINT "commits_codebase_id_codebases_id_fk" FOREIGN KEY ("codebase_id") REFERENCES "public"."codebases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commits" ADD CONSTRAINT "commits_branch_id_branches_id_fk" FOREIGN KEY ("branch_id") REFERENCES "public"."branches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dev_revisions" ADD CONSTRAINT "dev_revisions_codebase_id_codebases_id_fk" FOREIGN KEY ("codebase_id") REFERENCES "public"."codebases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prompts" ADD CONSTRAINT "prompts_dev_revision_id_dev_revisions_id_fk" FOREIGN KEY ("dev_revision_id") REFERENCES "public"."dev_revisions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "responses" ADD CONSTRAINT "responses_dev_revision_id_dev_revisions_id_fk" FOREIGN KEY ("dev_revision_id") REFERENCES "public"."dev_revisions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "branches_codebase_number" ON "branches" USING btree ("codebase_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "changes_branch_path" ON "changes" USING btree ("branch_id","path");--> statement-breakpoint
CREATE UNIQUE INDEX "commits_codebase_sha" ON "commits" USING btree ("codebase_id","sha");--> statement-breakpoint
CREATE UNIQUE INDEX "dev_revisions_codebase_number" ON "dev_revisions" USING btree ("codebase_id","number");