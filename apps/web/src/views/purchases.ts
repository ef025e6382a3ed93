/**
 * The user's purchases (identity only, no place in line needed): each payment with its seats, and a
 * "Refund" button while it can be refunded. A refund keeps its `Idempotency-Key` across retries, so
 * a lost answer never refunds twice (the server would say PAYMENT_REFUNDED anyway).
 */
import type { ConcertSummary, PaymentHistoryItem, Reservation } from '@rushgate/shared'
import { type Api, ApiFailure, newIdempotencyKey } from '../api.ts'
import { h } from '../dom.ts'
import { formatDate, formatWon } from '../format.ts'
import { words } from '../lang.ts'
import { describeFailure } from '../messages.ts'
import { placeName } from '../place.ts'
import type { Notice } from './notice.ts'

const w = words(
  {
    loading: 'Loading your purchases…',
    title: 'Your purchases',
    none: 'Nothing bought yet. Seats you pay for are listed here.',
    refunded: (on: string | null, amount: string) => `Refunded${on ? ` on ${on}` : ''}: ${amount} back to your balance.`,
    refundLabel: (id: number) => `Refund payment ${id}`,
    refund: 'Refund',
    concert: 'Concert',
    heading: (concert: string, id: number) => `${concert} · payment ${id}`,
    paid: (amount: string, on: string) => `Paid ${amount} on ${on}`,
    done: (id: number, amount: string, balance: string) => `Payment ${id} was refunded: ${amount} is back. Your balance is now ${balance}.`,
  },
  {
    loading: '구매 내역을 불러오는 중…',
    title: '구매 내역',
    none: '아직 구매한 티켓이 없습니다. 결제한 좌석이 여기에 표시됩니다.',
    refunded: (on: string | null, amount: string) => `${on ? `${on} ` : ''}환불됨: ${amount}이 잔액으로 돌아왔습니다.`,
    refundLabel: (id: number) => `결제 ${id} 환불`,
    refund: '환불',
    concert: '공연',
    heading: (concert: string, id: number) => `${concert} · 결제 ${id}`,
    paid: (amount: string, on: string) => `${on} ${amount} 결제`,
    done: (id: number, amount: string, balance: string) => `결제 ${id}이(가) 환불되어 ${amount}이 돌아왔습니다. 현재 잔액은 ${balance}입니다.`,
  },
)

export function purchasesView(api: Api, notice: Notice): HTMLElement {
  const list = h('ul', { class: 'purchases', 'aria-busy': 'true' }, h('li', { class: 'hint' }, w.loading))
  const section = h(
    'section',
    { class: 'card stack', 'aria-labelledby': 'purchases-title', 'data-view': 'purchases' },
    h('h2', { id: 'purchases-title' }, w.title),
    list,
  )
  const refundKeys = new Map<number, string>()

  const load = async () => {
    list.setAttribute('aria-busy', 'true')
    try {
      const [payments, reservations, concerts] = await Promise.all([api.payments(), api.reservations(), api.concerts()])
      if (payments.length === 0) {
        list.replaceChildren(h('li', { class: 'hint' }, w.none))
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
        ? h('p', { class: 'refunded' }, w.refunded(payment.refundedAt ? formatDate(payment.refundedAt) : null, formatWon(payment.amount)))
        : h(
            'button',
            { type: 'button', class: 'button', 'aria-label': w.refundLabel(payment.id), onclick: (ev) => void refund(payment, ev.currentTarget as HTMLButtonElement) },
            w.refund,
          )
    return h(
      'li',
      { class: 'purchase', 'aria-labelledby': titleId, 'data-payment-id': payment.id, 'data-status': payment.status },
      h('h3', { id: titleId }, w.heading(concert?.title ?? w.concert, payment.id)),
      h('p', {}, seats.map(placeName).join(', ')),
      h('p', { class: 'hint' }, w.paid(formatWon(payment.amount), formatDate(payment.paidAt))),
      state,
    )
  }

  const refund = async (payment: PaymentHistoryItem, button: HTMLButtonElement) => {
    const key = refundKeys.get(payment.id) ?? newIdempotencyKey()
    refundKeys.set(payment.id, key)
    button.disabled = true
    try {
      const done = await api.refund(payment.id, key)
      notice.show(w.done(payment.id, formatWon(done.amount), formatWon(done.balance)), 'success')
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
