/** What the user sees after paying: the seats, the amount, the balance left. */
import type { ConcertSummary, Payment, Reservation, Schedule } from '@rushgate/shared'
import { h } from '../dom.ts'
import { formatDate, formatWon } from '../format.ts'
import { words } from '../lang.ts'
import { placeName } from '../place.ts'

const w = words(
  {
    confirmed: 'Payment confirmed',
    booked: (concert: string, venue: string) => `Your tickets for ${concert} at ${venue} are booked. Enjoy the show!`,
    number: 'Payment number',
    paid: 'Paid',
    left: 'Balance left',
    back: 'Back to concerts',
  },
  {
    confirmed: '결제 완료',
    booked: (concert: string, venue: string) => `${venue}에서 열리는 ${concert} 티켓 예매가 완료되었습니다. 즐거운 공연 되세요!`,
    number: '결제 번호',
    paid: '결제 금액',
    left: '남은 잔액',
    back: '공연 목록으로',
  },
)

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
    h('h2', { id: 'confirmation-title' }, w.confirmed),
    h('p', {}, w.booked(concert.title, concert.venue)),
    h('ul', { class: 'tickets' }, ...seats.map((r) => h('li', {}, `${placeName(r)} · ${when(r.scheduleId)} · ${formatWon(r.price)}`))),
    h(
      'dl',
      { class: 'receipt' },
      h('dt', {}, w.number),
      h('dd', {}, String(payment.id)),
      h('dt', {}, w.paid),
      h('dd', {}, formatWon(payment.amount)),
      h('dt', {}, w.left),
      h('dd', {}, formatWon(payment.balance)),
    ),
    h('button', { type: 'button', class: 'button primary', onclick: onDone }, w.back),
  )
}
