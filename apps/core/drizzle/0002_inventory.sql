CREATE TABLE "schedule_stock" (
	"schedule_id" integer PRIMARY KEY NOT NULL,
	"places" integer DEFAULT 0 NOT NULL,
	"sold" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stock_changes" (
	"schedule_id" integer NOT NULL,
	"places" integer DEFAULT 0 NOT NULL,
	"sold" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "schedule_stock" ADD CONSTRAINT "schedule_stock_schedule_id_schedules_id_fk" FOREIGN KEY ("schedule_id") REFERENCES "public"."schedules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reservations_live_holds" ON "reservations" USING btree ("concert_id","expires_at","user_id") WHERE status = 'HELD';