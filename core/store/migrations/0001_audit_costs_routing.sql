CREATE TABLE "agent_actions" (
	"id" serial PRIMARY KEY NOT NULL,
	"dev_revision_id" integer,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cost_ledger" (
	"id" serial PRIMARY KEY NOT NULL,
	"dev_revision_id" integer,
	"model" text NOT NULL,
	"prompt_tokens" integer NOT NULL,
	"completion_tokens" integer NOT NULL,
	"cost_micro_usd" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cost_ledger_non_negative" CHECK ("cost_ledger"."cost_micro_usd" >= 0 and "cost_ledger"."prompt_tokens" >= 0 and "cost_ledger"."completion_tokens" >= 0)
);
--> statement-breakpoint
CREATE TABLE "gateways" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"port" integer NOT NULL,
	"http_port" integer,
	"protected" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gateways_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "promotions" (
	"id" serial PRIMARY KEY NOT NULL,
	"gateway_id" integer NOT NULL,
	"codebase_id" integer NOT NULL,
	"from_branch" integer,
	"to_branch" integer NOT NULL,
	"actor" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "routes" (
	"id" serial PRIMARY KEY NOT NULL,
	"gateway_id" integer NOT NULL,
	"codebase_id" integer NOT NULL,
	"branch_number" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "agent_actions" ADD CONSTRAINT "agent_actions_dev_revision_id_dev_revisions_id_fk" FOREIGN KEY ("dev_revision_id") REFERENCES "public"."dev_revisions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_ledger" ADD CONSTRAINT "cost_ledger_dev_revision_id_dev_revisions_id_fk" FOREIGN KEY ("dev_revision_id") REFERENCES "public"."dev_revisions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "promotions" ADD CONSTRAINT "promotions_gateway_id_gateways_id_fk" FOREIGN KEY ("gateway_id") REFERENCES "public"."gateways"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "promotions" ADD CONSTRAINT "promotions_codebase_id_codebases_id_fk" FOREIGN KEY ("codebase_id") REFERENCES "public"."codebases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routes" ADD CONSTRAINT "routes_gateway_id_gateways_id_fk" FOREIGN KEY ("gateway_id") REFERENCES "public"."gateways"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routes" ADD CONSTRAINT "routes_codebase_id_codebases_id_fk" FOREIGN KEY ("codebase_id") REFERENCES "public"."codebases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agent_actions_revision" ON "agent_actions" USING btree ("dev_revision_id");--> statement-breakpoint
CREATE INDEX "cost_ledger_revision" ON "cost_ledger" USING btree ("dev_revision_id");--> statement-breakpoint
CREATE INDEX "cost_ledger_created" ON "cost_ledger" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "promotions_gateway_codebase" ON "promotions" USING btree ("gateway_id","codebase_id");--> statement-breakpoint
CREATE UNIQUE INDEX "routes_gateway_codebase" ON "routes" USING btree ("gateway_id","codebase_id");