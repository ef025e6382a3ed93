/** Row → response shapes, so that a reservation or payment looks the same wherever it is shown. */
import type { PaymentHistoryItem, Reservation } from '@rushgate/shared'
import type { PaymentRow } from '../data-access/payments.ts'
import type { ReservationView } from '../data-access/reservations.ts'

export function reservationView(r: ReservationView): Reservation {
  return {
    id: r.id,
    concertId: r.concertId,
    scheduleId: r.scheduleId,
    seatNumber: r.seatNumber,
    price: r.price,
    status: r.status,
    expiresAt: r.expiresAt,
    ...r.place,
  }
}

export function paymentView(p: PaymentRow): PaymentHistoryItem {
  return { id: p.id, reservationIds: p.reservationIds, amount: p.amount, paidAt: p.paidAt, status: p.status, refundedAt: p.refundedAt }
}
