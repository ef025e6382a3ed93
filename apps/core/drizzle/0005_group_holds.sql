-- A group hold (POST …/holds) in one call, run after the user's lock in the same transaction:
-- checks the rules in the contract's order, chooses the places, claims them, and answers
-- { "error": CODE, … } or { "ids": [reservation ids] } (also left in the transaction-local setting
-- `rushgate.held`, so that the next statement of the same message can read them). Chosen seats are locked in seat order and
-- waited for (all or none); best available and standing places are taken with FOR UPDATE SKIP
-- LOCKED, so concurrent groups take different places instead of queueing on the same ones, and
-- only the places of the sections asked about are read (the index seats_unsold_by_place).
CREATE FUNCTION hold_places(
  p_user text, p_concert int, p_schedule int, p_mode text, p_seat_numbers int[], p_quantity int,
  p_grade text, p_section text, p_together boolean, p_ttl int, p_max_holds int, p_active_until timestamptz
) RETURNS json LANGUAGE plpgsql AS $$
DECLARE
  v_starts timestamptz;
  v_limit int;
  v_total int;
  v_live int;
  v_tickets int;
  v_n int;
  v_section sections%ROWTYPE;
  v_standing boolean;
  v_section_id int;
  v_chosen int[] := '{}';
  v_missing int[];
  v_excluded_rows int[];
  v_only int[];
  v_row int;
  v_block int[];
  v_got int[];
  v_until timestamptz;
  v_ids int[];
BEGIN
  SELECT s.starts_at, c.max_tickets_per_user, s.total_seats INTO v_starts, v_limit, v_total
  FROM schedules s JOIN concerts c ON c.id = s.concert_id WHERE s.id = p_schedule AND s.concert_id = p_concert;
  IF NOT FOUND THEN
    RETURN json_build_object('error',
      CASE WHEN EXISTS (SELECT 1 FROM concerts WHERE id = p_concert) THEN 'SCHEDULE_NOT_FOUND' ELSE 'CONCERT_NOT_FOUND' END);
  END IF;

  -- 400 and 404: what the request names must exist and be of the right kind.
  IF p_mode = 'seats' THEN
    v_n := cardinality(p_seat_numbers);
    SELECT array_agg(n ORDER BY n) INTO v_missing FROM unnest(p_seat_numbers) AS n WHERE n > v_total;
    IF v_missing IS NOT NULL THEN RETURN json_build_object('error', 'SEAT_NOT_FOUND', 'seats', v_missing); END IF;
  ELSE
    v_n := p_quantity;
    IF p_section IS NOT NULL THEN
      SELECT id, standing INTO v_section_id, v_standing FROM sections WHERE schedule_id = p_schedule AND code = p_section;
      IF NOT FOUND THEN RETURN json_build_object('error', 'SECTION_NOT_FOUND'); END IF;
      IF v_standing <> (p_mode = 'standing') THEN RETURN json_build_object('error', 'WRONG_KIND', 'standing', v_standing); END IF;
    END IF;
    IF p_grade IS NOT NULL AND NOT EXISTS (SELECT 1 FROM grades WHERE schedule_id = p_schedule AND code = p_grade) THEN
      RETURN json_build_object('error', 'GRADE_NOT_FOUND');
    END IF;
  END IF;

  IF v_starts <= statement_timestamp() THEN RETURN json_build_object('error', 'SCHEDULE_CLOSED'); END IF;

  -- The limits count the whole request: live holds plus those asked, paid plus held plus asked.
  SELECT count(*) FILTER (WHERE status = 'HELD'), count(*) FILTER (WHERE concert_id = p_concert) INTO v_live, v_tickets
  FROM reservations
  WHERE user_id = p_user AND ((status = 'HELD' AND expires_at > statement_timestamp()) OR (status = 'PAID' AND concert_id = p_concert));
  IF v_live + v_n > p_max_holds THEN RETURN json_build_object('error', 'HOLD_LIMIT_REACHED', 'live', v_live); END IF;
  IF v_limit IS NOT NULL AND v_tickets + v_n > v_limit THEN
    RETURN json_build_object('error', 'TICKET_LIMIT_REACHED', 'limit', v_limit, 'tickets', v_tickets);
  END IF;

  IF p_mode = 'seats' THEN
    -- Exactly these seats: locked in seat order (as payments lock them), then judged.
    PERFORM 1 FROM seats WHERE schedule_id = p_schedule AND seat_number = ANY(p_seat_numbers) ORDER BY seat_number FOR UPDATE;
    SELECT array_agg(seat_number ORDER BY seat_number) INTO v_missing FROM seats
    WHERE schedule_id = p_schedule AND seat_number = ANY(p_seat_numbers)
      AND (sold OR (held_by IS NOT NULL AND hold_expires_at > statement_timestamp()));
    IF v_missing IS NOT NULL THEN RETURN json_build_object('error', 'SEAT_UNAVAILABLE', 'seats', v_missing); END IF;
    v_chosen := p_seat_numbers;

  ELSIF p_mode = 'standing' THEN
    -- The lowest free entry numbers: the front of the section's unsold places in the index.
    SELECT coalesce(array_agg(seat_number), '{}') INTO v_chosen FROM (
      SELECT seat_number FROM seats
      WHERE section_id = v_section_id AND NOT sold AND (held_by IS NULL OR hold_expires_at <= statement_timestamp())
      ORDER BY row_number, seat LIMIT p_quantity FOR UPDATE SKIP LOCKED) AS free;

  ELSIF NOT p_together THEN
    -- Every free seat of the eligible sections once: section, row, distance from the row's centre, lower seat.
    FOR v_section IN
      SELECT * FROM sections WHERE schedule_id = p_schedule AND NOT standing
        AND (p_grade IS NULL OR grade = p_grade) AND (p_section IS NULL OR code = p_section)
      ORDER BY position
    LOOP
      v_chosen := v_chosen || ARRAY(
        SELECT seat_number FROM seats
        WHERE section_id = v_section.id AND NOT sold AND (held_by IS NULL OR hold_expires_at <= statement_timestamp())
        ORDER BY row_number, abs(seat - (row_seats + 1) / 2.0), seat
        LIMIT p_quantity - cardinality(v_chosen) FOR UPDATE SKIP LOCKED);
      EXIT WHEN cardinality(v_chosen) >= p_quantity;
    END LOOP;

  ELSE
    -- Together: per section in plan order, the best block of the free seats not locked by others.
    -- A block another request has locked (part of) sends this one to lock every free seat of that
    -- row nobody else has locked and choose among them (`v_only`), or leave the row: so a request
    -- reads a section's seats at most twice per contended row, however many others are in flight.
    FOR v_section IN
      SELECT * FROM sections WHERE schedule_id = p_schedule AND NOT standing
        AND (p_grade IS NULL OR grade = p_grade) AND (p_section IS NULL OR code = p_section)
      ORDER BY position
    LOOP
      v_excluded_rows := '{}';
      v_only := NULL;
      LOOP
        WITH free AS (
          SELECT row_number AS r, seat, seat_number - seat AS base, row_seats,
            seat - row_number() OVER (PARTITION BY row_number ORDER BY seat) AS run
          FROM seats
          WHERE section_id = v_section.id AND NOT sold AND (held_by IS NULL OR hold_expires_at <= statement_timestamp())
            AND row_number <> ALL(v_excluded_rows)
            AND (v_only IS NULL OR seat_number = ANY(v_only))
        ), runs AS (
          SELECT r, min(seat) AS lo, max(seat) AS hi, min(base) AS base, min(row_seats) AS size
          FROM free GROUP BY r, run HAVING count(*) >= p_quantity
        ), best AS (
          SELECT runs.base + s AS first FROM runs, generate_series(runs.lo, runs.hi - p_quantity + 1) AS s
          -- earliest row; then a block that strands no single seat; then closest to the centre; then lower.
          ORDER BY runs.r, (s - runs.lo = 1 OR runs.hi - (s + p_quantity - 1) = 1),
            abs(s + (p_quantity - 1) / 2.0 - (runs.size + 1) / 2.0), s
          LIMIT 1
        )
        SELECT array_agg(best.first + k ORDER BY k) INTO v_block FROM best, generate_series(0, p_quantity - 1) AS k;
        IF v_block IS NULL THEN
          EXIT WHEN v_only IS NULL;
          -- The seats of the contended row left to this request hold no block: leave the row.
          v_excluded_rows := v_excluded_rows || v_row;
          v_only := NULL;
          CONTINUE;
        END IF;
        SELECT coalesce(array_agg(seat_number), '{}') INTO v_got FROM (
          SELECT seat_number FROM seats
          WHERE schedule_id = p_schedule AND seat_number = ANY(v_block) AND NOT sold
            AND (held_by IS NULL OR hold_expires_at <= statement_timestamp())
          ORDER BY seat_number FOR UPDATE SKIP LOCKED) AS got;
        IF cardinality(v_got) = p_quantity THEN
          v_chosen := v_block;
          EXIT;
        END IF;
        IF v_only IS NOT NULL THEN
          -- Not expected (those seats are locked by this request), but never loop on it.
          v_excluded_rows := v_excluded_rows || v_row;
          v_only := NULL;
          CONTINUE;
        END IF;
        -- Another request has (part of) this block: take what of its row nobody else has, and look there.
        SELECT row_number INTO v_row FROM seats WHERE schedule_id = p_schedule AND seat_number = v_block[1];
        v_only := ARRAY(
          SELECT seat_number FROM seats
          WHERE section_id = v_section.id AND row_number = v_row AND NOT sold
            AND (held_by IS NULL OR hold_expires_at <= statement_timestamp())
          ORDER BY seat FOR UPDATE SKIP LOCKED);
      END LOOP;
      EXIT WHEN cardinality(v_chosen) = p_quantity;
    END LOOP;
  END IF;

  IF cardinality(v_chosen) < v_n THEN RETURN json_build_object('error', 'NOT_ENOUGH_SEATS'); END IF;

  -- Claim: any HELD row left on these seats has run out (they were free); then seats and reservations.
  v_until := least(statement_timestamp() + make_interval(secs => p_ttl), p_active_until, v_starts);
  UPDATE reservations SET status = 'EXPIRED' WHERE schedule_id = p_schedule AND seat_number = ANY(v_chosen) AND status = 'HELD';
  WITH claimed AS (
    UPDATE seats SET held_by = p_user, hold_expires_at = v_until,
      reservation_id = nextval(pg_get_serial_sequence('reservations', 'id'))
    WHERE schedule_id = p_schedule AND seat_number = ANY(v_chosen)
    RETURNING seat_number, reservation_id, price
  ), inserted AS (
    INSERT INTO reservations (id, user_id, concert_id, schedule_id, seat_number, price, status, expires_at)
    SELECT reservation_id, p_user, p_concert, p_schedule, seat_number, price, 'HELD', v_until FROM claimed
    RETURNING id, seat_number
  )
  SELECT array_agg(id ORDER BY seat_number) INTO v_ids FROM inserted;
  -- For the statement after this one in the same transaction, which reads the new reservations.
  PERFORM set_config('rushgate.held', v_ids::text, true);
  RETURN json_build_object('ids', v_ids);
END $$;
