ALTER TABLE "ledger" DROP CONSTRAINT "ledger_kind_valid";--> statement-breakpoint
ALTER TABLE "reservations" DROP CONSTRAINT "reservations_status_valid";--> statement-breakpoint
ALTER TABLE "concerts" ADD COLUMN "max_tickets_per_user" integer;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "status" text DEFAULT 'PAID' NOT NULL;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "refunded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "reservations" ADD COLUMN "extended_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "payments_concert_id_index" ON "payments" USING btree ("concert_id");--> statement-breakpoint
ALTER TABLE "ledger" ADD CONSTRAINT "ledger_kind_valid" CHECK ("ledger"."kind" in ('charge', 'payment', 'refund'));--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_status_valid" CHECK ("payments"."status" in ('PAID', 'REFUNDED') and ("payments"."status" = 'REFUNDED') = ("payments"."refunded_at" is not null));--> statement-breakpoint
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_status_valid" CHECK ("reservations"."status" in ('HELD', 'CANCELLED', 'PAID', 'EXPIRED', 'REFUNDED'));