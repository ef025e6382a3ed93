DROP INDEX "seats_unsold_by_place";--> statement-breakpoint
CREATE INDEX "seats_free_by_place" ON "seats" USING btree ("section_id","row_number","seat") WHERE not sold and held_by is null;--> statement-breakpoint
-- hold_places (migration 0005) again, answering the same, at a cost closer to a single-seat hold's:
-- * every rule is read by ONE statement (concert, date, section, grade, the user's holds and
--   tickets), then judged in the contract's order;
-- * chosen seats are locked and judged by one statement (FOR UPDATE returns each row as it is once
--   locked, so the judgement is of the row locked);
-- * best available and standing read `seats_free_by_place`, which holds only places nobody holds:
--   a request reads the free places it chooses among, never the places held before it. A hold that
--   ran out keeps its seat's `held_by` until the seat is taken again, so these requests first free
--   the date's seats whose hold ran out (found through `reservations_live_holds`, usually none);
-- * best available together tries one row at a time, in plan order, in one statement a row: the next
--   row with a free place (one index probe per section) that no other best-available request is
--   choosing in (a transaction-level advisory lock per row, tried, never waited for), its best block
--   (at most a row's places read), and the lock of that block;
-- * the claim is one statement, and marks EXPIRED the old HELD rows of the places by their id (read
--   from the locked seats), not by a search of the date's holds.
CREATE OR REPLACE FUNCTION hold_places(
  p_user text, p_concert int, p_schedule int, p_mode text, p_seat_numbers int[], p_quantity int,
  p_grade text, p_section text, p_together boolean, p_ttl int, p_max_holds int, p_active_until timestamptz
) RETURNS json LANGUAGE plpgsql AS $$
DECLARE
  v_concert_found boolean;
  v_schedule_found boolean;
  v_starts timestamptz;
  v_limit int;
  v_total int;
  v_section_id int;
  v_standing boolean;
  v_grade_found boolean;
  v_live int;
  v_tickets int;
  v_lapsed boolean;
  v_n int;
  v_section record;
  v_position int;
  v_chosen int[] := '{}';
  v_old int[] := '{}';
  v_missing int[];
  v_row int;
  v_only int[];
  v_block int[];
  v_got int;
  v_held text;
BEGIN
  -- Every rule's facts in one read. The user's holds and tickets: live holds (all concerts) and this
  -- concert's paid plus held. Whether a hold of this concert has run out: only when places are chosen for the user.
  SELECT c.id IS NOT NULL, s.id IS NOT NULL, s.starts_at, c.max_tickets_per_user, s.total_seats, sec.id, sec.standing,
    p_grade IS NULL OR EXISTS (SELECT 1 FROM grades g WHERE g.schedule_id = p_schedule AND g.code = p_grade),
    mine.live, mine.tickets,
    p_mode <> 'seats' AND EXISTS (SELECT 1 FROM reservations r
      WHERE r.concert_id = p_concert AND r.status = 'HELD' AND r.expires_at <= statement_timestamp())
  INTO v_concert_found, v_schedule_found, v_starts, v_limit, v_total, v_section_id, v_standing, v_grade_found,
    v_live, v_tickets, v_lapsed
  FROM (SELECT 1) AS one
  LEFT JOIN concerts c ON c.id = p_concert
  LEFT JOIN schedules s ON s.id = p_schedule AND s.concert_id = p_concert
  LEFT JOIN sections sec ON sec.schedule_id = p_schedule AND sec.code = p_section
  CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE status = 'HELD')::int AS live, count(*) FILTER (WHERE concert_id = p_concert)::int AS tickets
    FROM reservations
    WHERE user_id = p_user AND ((status = 'HELD' AND expires_at > statement_timestamp()) OR (status = 'PAID' AND concert_id = p_concert))
  ) AS mine;

  IF NOT v_schedule_found THEN
    RETURN json_build_object('error', CASE WHEN v_concert_found THEN 'SCHEDULE_NOT_FOUND' ELSE 'CONCERT_NOT_FOUND' END);
  END IF;
  -- 400 and 404: what the request names must exist and be of the right kind.
  IF p_mode = 'seats' THEN
    v_n := cardinality(p_seat_numbers);
    IF v_total < ANY(p_seat_numbers) THEN
      RETURN json_build_object('error', 'SEAT_NOT_FOUND', 'seats',
        (SELECT array_agg(n ORDER BY n) FROM unnest(p_seat_numbers) AS n WHERE n > v_total));
    END IF;
  ELSE
    v_n := p_quantity;
    IF p_section IS NOT NULL THEN
      IF v_section_id IS NULL THEN RETURN json_build_object('error', 'SECTION_NOT_FOUND'); END IF;
      IF v_standing <> (p_mode = 'standing') THEN RETURN json_build_object('error', 'WRONG_KIND', 'standing', v_standing); END IF;
    END IF;
    IF NOT v_grade_found THEN RETURN json_build_object('error', 'GRADE_NOT_FOUND'); END IF;
  END IF;
  IF v_starts <= statement_timestamp() THEN RETURN json_build_object('error', 'SCHEDULE_CLOSED'); END IF;
  -- The limits count the whole request: live holds plus those asked, paid plus held plus asked.
  IF v_live + v_n > p_max_holds THEN RETURN json_build_object('error', 'HOLD_LIMIT_REACHED', 'live', v_live); END IF;
  IF v_limit IS NOT NULL AND v_tickets + v_n > v_limit THEN
    RETURN json_build_object('error', 'TICKET_LIMIT_REACHED', 'limit', v_limit, 'tickets', v_tickets);
  END IF;

  IF v_lapsed THEN
    -- Seats of this date whose hold ran out become free places again (their reservations read
    -- EXPIRED already): seats first, skipping any another request has locked, then reservations,
    -- the order every path keeps. At most 100 a request, the longest expired first.
    WITH lapsed AS (
      SELECT s.seat_number, s.reservation_id FROM seats s
      WHERE s.schedule_id = p_schedule AND s.seat_number IN (
          SELECT r.seat_number FROM reservations r
          WHERE r.concert_id = p_concert AND r.status = 'HELD' AND r.expires_at <= statement_timestamp()
            AND r.schedule_id + 0 = p_schedule
          ORDER BY r.expires_at LIMIT 100)
        AND NOT s.sold AND s.held_by IS NOT NULL AND s.hold_expires_at <= statement_timestamp()
      FOR UPDATE OF s SKIP LOCKED
    ), freed AS (
      UPDATE seats SET held_by = NULL, hold_expires_at = NULL, reservation_id = NULL
      FROM lapsed WHERE seats.schedule_id = p_schedule AND seats.seat_number = lapsed.seat_number
      RETURNING lapsed.reservation_id
    )
    UPDATE reservations SET status = 'EXPIRED' WHERE id IN (SELECT reservation_id FROM freed) AND status = 'HELD';
  END IF;

  IF p_mode = 'seats' THEN
    -- Exactly these seats: locked in seat order (as payments lock them), each judged as it is once locked.
    SELECT array_agg(seat_number ORDER BY seat_number) FILTER (WHERE NOT free),
      coalesce(array_agg(reservation_id) FILTER (WHERE free AND reservation_id IS NOT NULL), '{}')
    INTO v_missing, v_old
    FROM (
      SELECT seat_number, reservation_id,
        NOT sold AND (held_by IS NULL OR hold_expires_at <= statement_timestamp()) AS free
      FROM seats WHERE schedule_id = p_schedule AND seat_number = ANY(p_seat_numbers)
      ORDER BY seat_number FOR UPDATE) AS locked;
    IF v_missing IS NOT NULL THEN RETURN json_build_object('error', 'SEAT_UNAVAILABLE', 'seats', v_missing); END IF;
    v_chosen := p_seat_numbers;

  ELSIF p_mode = 'standing' THEN
    -- The lowest free entry numbers: the front of the section's free places in the index.
    SELECT coalesce(array_agg(seat_number), '{}') INTO v_chosen FROM (
      SELECT seat_number FROM seats
      WHERE section_id = v_section_id AND NOT sold AND held_by IS NULL
      ORDER BY row_number, seat LIMIT p_quantity FOR UPDATE SKIP LOCKED) AS free;

  ELSIF NOT p_together THEN
    -- Every free seat of the eligible sections once: section, row, distance from the row's centre,
    -- lower seat (sorted a row at a time, along the index, until enough).
    FOR v_section IN
      SELECT id FROM sections WHERE schedule_id = p_schedule AND NOT standing
        AND (p_grade IS NULL OR grade = p_grade) AND (p_section IS NULL OR code = p_section)
      ORDER BY position
    LOOP
      v_chosen := v_chosen || ARRAY(
        SELECT seat_number FROM seats
        WHERE section_id = v_section.id AND NOT sold AND held_by IS NULL
        ORDER BY row_number, abs(seat - (row_seats + 1) / 2.0), seat
        LIMIT p_quantity - cardinality(v_chosen) FOR UPDATE SKIP LOCKED);
      EXIT WHEN cardinality(v_chosen) >= p_quantity;
    END LOOP;

  ELSE
    -- Together: the earliest row, sections in plan order, with a free place and no other best-available
    -- request choosing in it (a transaction-level advisory lock per row, tried, never waited for), then
    -- that row's best block, locked with SKIP LOCKED: one statement a row tried. A block another request
    -- has locked (part of) (a chosen-seats or single-seat hold, a payment) sends this one to lock every
    -- free place of that row nobody else has locked and choose among them (`v_only`), or go on.
    v_position := 0;
    v_row := 0;
    LOOP
      WITH target AS (
        SELECT v_section_id AS section_id, v_position AS position, v_row AS r WHERE v_only IS NOT NULL
        UNION ALL (
          -- Per eligible section from where the last try left off: one probe of the index for its
          -- next row with a free place (a section with none costs that probe).
          SELECT sec.id, sec.position, next.r FROM sections sec
          CROSS JOIN LATERAL (
            SELECT min(row_number) AS r FROM seats
            WHERE section_id = sec.id AND NOT sold AND held_by IS NULL
              AND row_number > CASE WHEN sec.position = v_position THEN v_row ELSE 0 END) AS next
          WHERE v_only IS NULL AND sec.schedule_id = p_schedule AND sec.position >= v_position AND NOT sec.standing
            AND (p_grade IS NULL OR sec.grade = p_grade) AND (p_section IS NULL OR sec.code = p_section)
            AND next.r IS NOT NULL
          ORDER BY sec.position LIMIT 1)
      ), tried AS (
        SELECT target.*, v_only IS NOT NULL OR pg_try_advisory_xact_lock(-(target.section_id::bigint * 65536 + target.r)) AS mine
        FROM target
      ), free AS (
        SELECT seat, seat_number - seat AS base, row_seats, seat - row_number() OVER (ORDER BY seat) AS run
        FROM seats, tried
        WHERE tried.mine AND seats.section_id = tried.section_id AND seats.row_number = tried.r AND NOT sold AND held_by IS NULL
          AND (v_only IS NULL OR seat_number = ANY(v_only))
      ), runs AS (
        SELECT min(seat) AS lo, max(seat) AS hi, min(base) AS base, min(row_seats) AS size
        FROM free GROUP BY run HAVING count(*) >= p_quantity
      ), best AS (
        SELECT runs.base + s AS first FROM runs, generate_series(runs.lo, runs.hi - p_quantity + 1) AS s
        -- a block that strands no single seat; then closest to the centre; then lower.
        ORDER BY (s - runs.lo = 1 OR runs.hi - (s + p_quantity - 1) = 1),
          abs(s + (p_quantity - 1) / 2.0 - (runs.size + 1) / 2.0), s
        LIMIT 1
      ), block AS (
        SELECT array_agg(best.first + k ORDER BY k) AS seats FROM best, generate_series(0, p_quantity - 1) AS k
      ), locked AS (
        -- Free as the single-seat hold judges it: a condition the partial index does not serve, so the
        -- primary key finds these few rows whatever the statistics say.
        SELECT seats.seat_number FROM block, seats
        WHERE seats.schedule_id = p_schedule AND seats.seat_number = ANY(block.seats) AND NOT seats.sold
          AND (seats.held_by IS NULL OR seats.hold_expires_at <= statement_timestamp())
        ORDER BY seats.seat_number FOR UPDATE OF seats SKIP LOCKED
      )
      SELECT tried.section_id, tried.position, tried.r, (SELECT block.seats FROM block), (SELECT count(*) FROM locked)::int
      INTO v_section_id, v_position, v_row, v_block, v_got FROM tried;
      EXIT WHEN NOT FOUND;
      IF v_got = p_quantity THEN
        v_chosen := v_block;
        EXIT;
      END IF;
      IF v_block IS NULL OR v_only IS NOT NULL THEN
        -- Another request's row, no block in it, or none left to this request: the next row.
        v_only := NULL;
        CONTINUE;
      END IF;
      -- Another request has (part of) this block: take what of its row nobody else has, and look there.
      v_only := ARRAY(
        SELECT seat_number FROM seats
        WHERE section_id = v_section_id AND row_number = v_row AND NOT sold AND held_by IS NULL
        ORDER BY seat FOR UPDATE SKIP LOCKED);
    END LOOP;
  END IF;

  IF cardinality(v_chosen) < v_n THEN RETURN json_build_object('error', 'NOT_ENOUGH_SEATS'); END IF;

  -- Claim, in one statement: a HELD row left on a chosen seat has run out (the seat was free), found
  -- by the id the locked seat points at; then the seats, and their new reservations.
  WITH lapsed AS (
    UPDATE reservations SET status = 'EXPIRED' WHERE id = ANY(v_old) AND status = 'HELD' RETURNING 1
  ), claimed AS (
    UPDATE seats SET held_by = p_user,
      hold_expires_at = least(statement_timestamp() + make_interval(secs => p_ttl), p_active_until, v_starts),
      reservation_id = nextval(pg_get_serial_sequence('reservations', 'id'))
    WHERE schedule_id = p_schedule AND seat_number = ANY(v_chosen)
    RETURNING seat_number, reservation_id, price, hold_expires_at
  ), inserted AS (
    -- After the old rows are marked (the count reads them): one HELD row per place.
    INSERT INTO reservations (id, user_id, concert_id, schedule_id, seat_number, price, status, expires_at)
    SELECT reservation_id, p_user, p_concert, p_schedule, seat_number, price, 'HELD', hold_expires_at
    FROM claimed, (SELECT count(*) FROM lapsed) AS done
    RETURNING id, seat_number
  )
  -- For the statement after this one in the same transaction, which reads the new reservations.
  SELECT set_config('rushgate.held', array_agg(id ORDER BY seat_number)::text, true) INTO v_held FROM inserted;
  RETURN json_build_object('ids', v_held::int[]);
END $$;
