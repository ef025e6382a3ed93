/**
 * The user's purchases (identity only, no place in line needed): each payment with its seats, and a
 * "Refund" button while it can be refunded. A refund keeps its `Idempotency-Key` across retries, so
 * a lost answer never refunds twice (the server would say PAYMENT_REFUNDED anyway).
 */
import type { ConcertSummary, PaymentHistoryItem, Reservation } from '@rushgate/shared'
import { type Api, ApiFailure, newIdempotencyKey } from '../api.ts'
import { h } from '../dom.ts'
import { formatDate, formatWon } from '../format.ts'
import { describeFailure } from '../messages.ts'
import type { Notice } from './notice.ts'

export function purchasesView(api: Api, notice: Notice): HTMLElement {
  const list = h('ul', { class: 'purchases', 'aria-busy': 'true' }, h('li', { class: 'hint' }, 'Loading your purchases…'))
  const section = h(
    'section',
    { class: 'card stack', 'aria-labelledby': 'purchases-title', 'data-view': 'purchases' },
    h('h2', { id: 'purchases-title' }, 'Your purchases'),
    list,
  )
  const refundKeys = new Map<number, string>()

  const load = async () => {
    list.setAttribute('aria-busy', 'true')
    try {
      const [payments, reservations, concerts] = await Promise.all([api.payments(), api.reservations(), api.concerts()])
      if (payments.length === 0) {
        list.replaceChildren(h('li', { class: 'hint' }, 'Nothing bought yet. Seats you pay for are listed here.'))
      } else {
        list.replaceChildren(...payments.map((p) => row(p, reservations, concerts)))
      }
    } catch (error) {
      list.replaceChildren(h('li', { class: 'field-error' }, describeFailure(error)))
    } finally {
      list.setAttribute('aria-busy', 'false')
    }
  }

  const row = (payment: PaymentHistoryItem, reservations: Reservation[], concerts: ConcertSummary[]) => {
    const seats = reservations.filter((r) => payment.reservationIds.includes(r.id)).sort((a, b) => a.seatNumber - b.seatNumber)
    const concert = concerts.find((c) => c.id === seats[0]?.concertId)
    const titleId = `payment-${payment.id}-title`
    const state =
      payment.status === 'REFUNDED'
        ? h('p', { class: 'refunded' }, `Refunded${payment.refundedAt ? ` on ${formatDate(payment.refundedAt)}` : ''}: ${formatWon(payment.amount)} back to your balance.`)
        : h(
            'button',
            { type: 'button', class: 'button', 'aria-label': `Refund payment ${payment.id}`, onclick: (ev) => void refund(payment, ev.currentTarget as HTMLButtonElement) },
            'Refund',
          )
    return h(
      'li',
      { class: 'purchase', 'aria-labelledby': titleId, 'data-payment-id': payment.id, 'data-status': payment.status },
      h('h3', { id: titleId }, `${concert?.title ?? 'Concert'} · payment ${payment.id}`),
      h('p', {}, seats.map((r) => `Seat ${r.seatNumber}`).join(', ')),
      h('p', { class: 'hint' }, `Paid ${formatWon(payment.amount)} on ${formatDate(payment.paidAt)}`),
      state,
    )
  }

  const refund = async (payment: PaymentHistoryItem, button: HTMLButtonElement) => {
    const key = refundKeys.get(payment.id) ?? newIdempotencyKey()
    refundKeys.set(payment.id, key)
    button.disabled = true
    try {
      const done = await api.refund(payment.id, key)
      notice.show(`Payment ${payment.id} was refunded: ${formatWon(done.amount)} is back. Your balance is now ${formatWon(done.balance)}.`, 'success')
    } catch (error) {
      // A final answer is kept by the server under this key: another attempt needs another key.
      if (error instanceof ApiFailure && error.status >= 400 && error.status < 500) refundKeys.delete(payment.id)
      notice.show(describeFailure(error))
      button.disabled = false
    }
    await load()
  }

  void load()
  return section
}
