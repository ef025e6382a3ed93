/** The concerts on sale, each with a "Join the queue" button. */
import type { ConcertSummary } from '@rushgate/shared'
import type { Api } from '../api.ts'
import { h } from '../dom.ts'
import { formatCount, formatDate, plural } from '../format.ts'
import { words } from '../lang.ts'
import { describeFailure, say } from '../messages.ts'

const w = words(
  {
    concertsOnSale: 'Concerts on sale',
    loading: 'Loading concerts…',
    none: 'No concerts are on sale yet. Please come back later.',
    joinQueue: 'Join the queue',
    dates: (n: number) => plural(n, 'date', 'dates'),
  },
  {
    concertsOnSale: '판매 중인 공연',
    loading: '공연 목록을 불러오는 중…',
    none: '아직 판매 중인 공연이 없습니다. 나중에 다시 와 주세요.',
    joinQueue: '대기열 참가',
    dates: (n: number) => `${formatCount(n)}회 공연`,
  },
)

export function concertsView(api: Api, onJoin: (concert: ConcertSummary) => void): HTMLElement {
  const list = h('div', { class: 'concerts', 'aria-busy': 'true' }, h('p', {}, w.loading))
  const section = h('section', { 'aria-labelledby': 'concerts-title', class: 'stack' }, h('h2', { id: 'concerts-title' }, w.concertsOnSale), list)

  const load = async () => {
    list.setAttribute('aria-busy', 'true')
    try {
      const concerts = await api.concerts()
      if (concerts.length === 0) {
        list.replaceChildren(h('p', {}, w.none))
      } else {
        list.replaceChildren(...concerts.map((concert) => concertCard(api, concert, onJoin)))
      }
    } catch (error) {
      list.replaceChildren(
        h('p', { class: 'field-error' }, describeFailure(error)),
        h('button', { type: 'button', class: 'button', onclick: () => void load() }, say.tryAgain),
      )
    } finally {
      list.setAttribute('aria-busy', 'false')
    }
  }
  void load()
  return section
}

function concertCard(api: Api, concert: ConcertSummary, onJoin: (concert: ConcertSummary) => void): HTMLElement {
  const titleId = `concert-${concert.id}-title`
  const button = h('button', { type: 'button', class: 'button primary' }, w.joinQueue)
  button.addEventListener('click', () => {
    button.disabled = true
    onJoin(concert)
  })
  const line = h('p', { class: 'line-state' })
  // The state of the line, when it is not simply open; a failure here just leaves it unsaid.
  api
    .line(concert.id)
    .then((view) => {
      if (view.state === 'PREQUEUE' && view.opensAt) {
        line.textContent = say.salesOpenAt(formatDate(view.opensAt))
      } else if (view.state === 'CLOSED') {
        line.textContent = say.lineClosed
      } else if (view.state === 'SOLD_OUT') {
        line.textContent = say.soldOut
      }
    })
    .catch(() => {})
  return h(
    'article',
    { class: 'card concert', 'aria-labelledby': titleId, 'data-concert-id': concert.id },
    h('h3', { id: titleId }, concert.title),
    h('p', { class: 'venue' }, concert.venue),
    h('p', { class: 'hint' }, w.dates(concert.schedules)),
    line,
    button,
  )
}
