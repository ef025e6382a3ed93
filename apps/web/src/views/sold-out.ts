/**
 * The concert is sold out: a screen of its own rather than an error. Shown when a join is refused
 * with SOLD_OUT, and when a place in line (or a turn) ends with that reason.
 */
import type { ConcertSummary } from '@rushgate/shared'
import { h } from '../dom.ts'
import { words } from '../lang.ts'

const w = words(
  {
    title: 'Sold out',
    every: (concert: string) => `Every ticket for ${concert} has been sold.`,
    returned: 'If tickets are returned, the line opens again and you can join it then. Thank you for waiting.',
    back: 'Back to the concerts',
  },
  {
    title: '매진',
    every: (concert: string) => `${concert}의 티켓이 모두 판매되었습니다.`,
    returned: '환불된 티켓이 생기면 대기열이 다시 열리고, 그때 다시 참가할 수 있습니다. 기다려 주셔서 감사합니다.',
    back: '공연 목록으로',
  },
)

export function soldOutView(concert: ConcertSummary, onBack: () => void): HTMLElement {
  return h(
    'section',
    { class: 'card stack sold-out', 'aria-labelledby': 'sold-out-title', 'data-view': 'sold-out' },
    h('h2', { id: 'sold-out-title' }, w.title),
    h('p', {}, w.every(concert.title)),
    h('p', { class: 'hint' }, w.returned),
    h('button', { type: 'button', class: 'button primary', onclick: onBack }, w.back),
  )
}
