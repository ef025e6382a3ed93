/** Seat locks of payments and refunds. A seat row is always locked before its reservation. */
import { command, q } from '../db/statements.ts'

/** Locks, in a fixed order, the seats of the caller's reservations among `ids` (before the reservations). */
export const lockSeatsOfReservations = (args: { ids: number[]; userId: string; concertId: number }) =>
  command(q`select 1 from seats where (schedule_id, seat_number) in (
      select schedule_id, seat_number from reservations
      where id = any(${args.ids}) and user_id = ${args.userId} and concert_id = ${args.concertId})
    order by schedule_id, seat_number for update`)

/** Locks, in the same order, the seats the caller's payment paid for. */
export const lockSeatsOfPayment = (args: { paymentId: number; userId: string }) =>
  command(q`select 1 from seats where (schedule_id, seat_number) in (
      select r.schedule_id, r.seat_number from payments p join reservations r on r.id = any(p.reservation_ids)
      where p.id = ${args.paymentId} and p.user_id = ${args.userId})
    order by schedule_id, seat_number for update`)
