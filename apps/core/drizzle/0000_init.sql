CREATE TABLE "balances" (
	"user_id" text PRIMARY KEY NOT NULL,
	"balance" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "balances_balance_range" CHECK ("balances"."balance" >= 0 and "balances"."balance" <= 1000000000)
);
--> statement-breakpoint
CREATE TABLE "concerts" (
	"id" serial PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"venue" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"user_id" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"status_code" integer,
	"body" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_user_id_key_pk" PRIMARY KEY("user_id","key")
);
--> statement-breakpoint
CREATE TABLE "ledger" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"kind" text NOT NULL,
	"payment_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ledger_kind_valid" CHECK ("ledger"."kind" in ('charge', 'payment'))
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"concert_id" integer NOT NULL,
	"amount" bigint NOT NULL,
	"reservation_ids" integer[] NOT NULL,
	"paid_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reservations" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"concert_id" integer NOT NULL,
	"schedule_id" integer NOT NULL,
	"seat_number" integer NOT NULL,
	"price" bigint NOT NULL,
	"status" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"payment_id" integer,
	CONSTRAINT "reservations_status_valid" CHECK ("reservations"."status" in ('HELD', 'CANCELLED', 'PAID', 'EXPIRED'))
);
--> statement-breakpoint
CREATE TABLE "schedules" (
	"id" serial PRIMARY KEY NOT NULL,
	"concert_id" integer NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"total_seats" integer NOT NULL,
	"price" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "seats" (
	"schedule_id" integer NOT NULL,
	"seat_number" integer NOT NULL,
	"price" bigint NOT NULL,
	"sold" boolean DEFAULT false NOT NULL,
	"held_by" text,
	"hold_expires_at" timestamp with time zone,
	"reservation_id" integer,
	CONSTRAINT "seats_schedule_id_seat_number_pk" PRIMARY KEY("schedule_id","seat_number")
);
--> statement-breakpoint
ALTER TABLE "schedules" ADD CONSTRAINT "schedules_concert_id_concerts_id_fk" FOREIGN KEY ("concert_id") REFERENCES "public"."concerts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "seats" ADD CONSTRAINT "seats_schedule_id_schedules_id_fk" FOREIGN KEY ("schedule_id") REFERENCES "public"."schedules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_at_index" ON "idempotency_keys" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "ledger_user_id_index" ON "ledger" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "payments_user_id_id_index" ON "payments" USING btree ("user_id","id");--> statement-breakpoint
CREATE INDEX "reservations_user_id_id_index" ON "reservations" USING btree ("user_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "reservations_one_paid_per_seat" ON "reservations" USING btree ("schedule_id","seat_number") WHERE status = 'PAID';--> statement-breakpoint
CREATE UNIQUE INDEX "reservations_one_held_per_seat" ON "reservations" USING btree ("schedule_id","seat_number") WHERE status = 'HELD';--> statement-breakpoint
CREATE INDEX "schedules_concert_id_starts_at_index" ON "schedules" USING btree ("concert_id","starts_at");