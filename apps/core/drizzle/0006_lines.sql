CREATE TABLE "lines" (
	"concert_id" integer PRIMARY KEY NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"seed" text,
	"seed_commitment" text,
	"sold_out_seq" bigint,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "paid_turns" (
	"concert_id" integer NOT NULL,
	"user_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"paid_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "paid_turns_concert_id_user_id_seq_pk" PRIMARY KEY("concert_id","user_id","seq")
);
--> statement-breakpoint
ALTER TABLE "lines" ADD CONSTRAINT "lines_concert_id_concerts_id_fk" FOREIGN KEY ("concert_id") REFERENCES "public"."concerts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "paid_turns" ADD CONSTRAINT "paid_turns_concert_id_concerts_id_fk" FOREIGN KEY ("concert_id") REFERENCES "public"."concerts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "paid_turns_concert_id_paid_at_index" ON "paid_turns" USING btree ("concert_id","paid_at");