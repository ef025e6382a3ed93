/**
 * The lines' record outside Redis (schema.ts `lines`, `paid_turns`): written through by the
 * gateway, read back when it finds a line's state gone.
 */
import type { LineRecord, LineRecordWrite } from '@rushgate/shared'
import { sql } from 'drizzle-orm'
import type { Executor } from '../db/client.ts'

/** How far back paid turns are handed back: the gateway's own marker of a paid turn lasts a day. */
const PAID_KEPT = '1 day'

/** The line's record; null when the concert does not exist. */
export async function readLine(ex: Executor, concertId: number): Promise<LineRecord | null> {
  const r = await ex.execute<{ exists: boolean; known: boolean; settings: Record<string, string> | null; seed: string | null; seedCommitment: string | null; soldOutSeq: string | null }>(sql`
    select true as exists, l.concert_id is not null as known, l.settings, l.seed, l.seed_commitment as "seedCommitment",
      l.sold_out_seq::text as "soldOutSeq"
    from concerts c left join lines l on l.concert_id = c.id where c.id = ${concertId}`)
  const row = r.rows[0]
  if (!row) return null
  const paid = await ex.execute<{ userId: string; seq: string }>(sql`
    select user_id as "userId", seq::text as seq from paid_turns
    where concert_id = ${concertId} and paid_at > statement_timestamp() - ${PAID_KEPT}::interval`)
  return {
    known: row.known,
    settings: row.settings ?? {},
    seed: row.seed,
    seedCommitment: row.seedCommitment,
    soldOutSeq: row.soldOutSeq === null ? null : Number(row.soldOutSeq),
    paidTurns: paid.rows.map((p) => ({ userId: p.userId, seq: Number(p.seq) })),
  }
}

/**
 * Creates or updates the line's record; what `w` leaves out is kept, and soldOutSeq only grows.
 * False when the concert does not exist.
 */
export async function writeLine(ex: Executor, concertId: number, w: LineRecordWrite): Promise<boolean> {
  const r = await ex.execute(sql`
    insert into lines (concert_id, settings, seed, seed_commitment, sold_out_seq)
    select c.id, coalesce(${w.settings === undefined ? null : JSON.stringify(w.settings)}::jsonb, '{}'::jsonb),
      ${w.seed ?? null}, ${w.seedCommitment ?? null}, ${w.soldOutSeq ?? null}::bigint
    from concerts c where c.id = ${concertId}
    on conflict (concert_id) do update set
      settings = case when ${w.settings === undefined} then lines.settings else excluded.settings end,
      seed = case when ${w.seed === undefined} then lines.seed else excluded.seed end,
      seed_commitment = case when ${w.seedCommitment === undefined} then lines.seed_commitment else excluded.seed_commitment end,
      sold_out_seq = greatest(lines.sold_out_seq, excluded.sold_out_seq),
      updated_at = now()`)
  return (r.rowCount ?? 0) > 0
}

/** Records a turn ended by a payment (again: no change). False when the concert does not exist. */
export async function insertPaidTurn(ex: Executor, concertId: number, userId: string, seq: number): Promise<boolean> {
  const r = await ex.execute(sql`
    insert into paid_turns (concert_id, user_id, seq) select c.id, ${userId}, ${seq} from concerts c where c.id = ${concertId}
    on conflict do nothing`)
  if ((r.rowCount ?? 0) > 0) return true
  const c = await ex.execute(sql`select 1 from concerts where id = ${concertId}`)
  return c.rows.length > 0
}
