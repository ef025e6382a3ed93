/** What the user sees after paying: the seats, the amount, the balance left. */
import type { ConcertSummary, Payment, Reservation, Schedule } from '@rushgate/shared'
import { h } from '../dom.ts'
import { formatDate, formatWon } from '../format.ts'

export function confirmationView(
  concert: ConcertSummary,
  payment: Payment,
  seats: Reservation[],
  schedules: Schedule[],
  onDone: () => void,
): HTMLElement {
  const when = (scheduleId: number) => {
    const schedule = schedules.find((s) => s.id === scheduleId)
    return schedule ? formatDate(schedule.startsAt) : ''
  }
  return h(
    'section',
    { class: 'card stack confirmation', 'aria-labelledby': 'confirmation-title', 'data-view': 'confirmation' },
    h('h2', { id: 'confirmation-title' }, 'Payment confirmed'),
    h('p', {}, `Your tickets for ${concert.title} at ${concert.venue} are booked. Enjoy the show!`),
    h('ul', { class: 'tickets' }, ...seats.map((r) => h('li', {}, `Seat ${r.seatNumber} · ${when(r.scheduleId)} · ${formatWon(r.price)}`))),
    h(
      'dl',
      { class: 'receipt' },
      h('dt', {}, 'Payment number'),
      h('dd', {}, String(payment.id)),
      h('dt', {}, 'Paid'),
      h('dd', {}, formatWon(payment.amount)),
      h('dt', {}, 'Balance left'),
      h('dd', {}, formatWon(payment.balance)),
    ),
    h('button', { type: 'button', class: 'button primary', onclick: onDone }, 'Back to concerts'),
  )
}
