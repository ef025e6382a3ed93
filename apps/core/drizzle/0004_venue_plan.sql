CREATE TABLE "grades" (
	"schedule_id" integer NOT NULL,
	"code" text NOT NULL,
	"position" integer NOT NULL,
	"name" text NOT NULL,
	"price" bigint NOT NULL,
	CONSTRAINT "grades_schedule_id_code_pk" PRIMARY KEY("schedule_id","code")
);
--> statement-breakpoint
CREATE TABLE "sections" (
	"id" serial PRIMARY KEY NOT NULL,
	"schedule_id" integer NOT NULL,
	"code" text NOT NULL,
	"position" integer NOT NULL,
	"name" text NOT NULL,
	"grade" text NOT NULL,
	"standing" boolean NOT NULL,
	"places" integer NOT NULL,
	"row_count" integer,
	"first_seat" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "seats" ADD COLUMN "section_id" integer;--> statement-breakpoint
ALTER TABLE "seats" ADD COLUMN "row_number" integer;--> statement-breakpoint
ALTER TABLE "seats" ADD COLUMN "row_label" text;--> statement-breakpoint
ALTER TABLE "seats" ADD COLUMN "seat" integer;--> statement-breakpoint
ALTER TABLE "seats" ADD COLUMN "row_seats" integer;--> statement-breakpoint
ALTER TABLE "grades" ADD CONSTRAINT "grades_schedule_id_schedules_id_fk" FOREIGN KEY ("schedule_id") REFERENCES "public"."schedules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sections" ADD CONSTRAINT "sections_schedule_id_schedules_id_fk" FOREIGN KEY ("schedule_id") REFERENCES "public"."schedules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "sections_schedule_id_code_index" ON "sections" USING btree ("schedule_id","code");--> statement-breakpoint
CREATE UNIQUE INDEX "sections_schedule_id_position_index" ON "sections" USING btree ("schedule_id","position");--> statement-breakpoint
-- Existing dates become the shorthand's plan: one grade STANDARD at the date's price, one seated
-- section MAIN in rows of 20 labelled 1, 2, … (the last row holds the rest).
INSERT INTO "grades" ("schedule_id", "code", "position", "name", "price")
SELECT "id", 'STANDARD', 1, 'Standard', "price" FROM "schedules";
--> statement-breakpoint
INSERT INTO "sections" ("schedule_id", "code", "position", "name", "grade", "standing", "places", "row_count", "first_seat")
SELECT s."id", 'MAIN', 1, 'Main', 'STANDARD', false, n.places, greatest(1, ceil(n.places / 20.0)::int), 1
FROM "schedules" s, LATERAL (SELECT count(*)::int AS places FROM "seats" WHERE "seats"."schedule_id" = s."id") n;
--> statement-breakpoint
UPDATE "seats" SET "section_id" = sec."id",
  "row_number" = ("seats"."seat_number" - 1) / 20 + 1,
  "row_label" = (("seats"."seat_number" - 1) / 20 + 1)::text,
  "seat" = ("seats"."seat_number" - 1) % 20 + 1,
  "row_seats" = least(20, sec."places" - ("seats"."seat_number" - 1) / 20 * 20)
FROM "sections" sec WHERE sec."schedule_id" = "seats"."schedule_id";
--> statement-breakpoint
ALTER TABLE "seats" ALTER COLUMN "section_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "seats" ALTER COLUMN "seat" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "seats" ADD CONSTRAINT "seats_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "seats_unsold_by_place" ON "seats" USING btree ("section_id","row_number","seat") WHERE not sold;