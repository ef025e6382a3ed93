-- Each date's places and sold places follow `seats` whichever statement changes them: every change
-- is appended to stock_changes (an insert locks nothing another payment waits on, so two payments
-- never deadlock over a shared counter row); the inventory read folds them into schedule_stock.
CREATE FUNCTION stock_seats_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stock_changes (schedule_id, places, sold)
  SELECT schedule_id, count(*), count(*) FILTER (WHERE sold) FROM added GROUP BY schedule_id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION stock_seats_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stock_changes (schedule_id, places, sold)
  SELECT schedule_id, -count(*), -count(*) FILTER (WHERE sold) FROM removed GROUP BY schedule_id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION stock_seat_sold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stock_changes (schedule_id, sold) VALUES (NEW.schedule_id, CASE WHEN NEW.sold THEN 1 ELSE -1 END);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER stock_seats_added AFTER INSERT ON seats REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION stock_seats_added();
--> statement-breakpoint
CREATE TRIGGER stock_seats_removed AFTER DELETE ON seats REFERENCING OLD TABLE AS removed
  FOR EACH STATEMENT EXECUTE FUNCTION stock_seats_removed();
--> statement-breakpoint
-- Row by row, and only where `sold` flips: a hold (which never sets `sold`) does not fire it.
CREATE TRIGGER stock_seat_sold AFTER UPDATE OF sold ON seats
  FOR EACH ROW WHEN (OLD.sold IS DISTINCT FROM NEW.sold) EXECUTE FUNCTION stock_seat_sold();
--> statement-breakpoint
INSERT INTO schedule_stock (schedule_id, places, sold)
SELECT s.id, count(seats.seat_number), count(seats.seat_number) FILTER (WHERE seats.sold)
FROM schedules s LEFT JOIN seats ON seats.schedule_id = s.id GROUP BY s.id;
