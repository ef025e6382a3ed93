/** The concerts on sale, each with a "Join the queue" button. */
import type { ConcertSummary } from '@rushgate/shared'
import type { Api } from '../api.ts'
import { h } from '../dom.ts'
import { plural } from '../format.ts'
import { describeFailure, salesOpenAt, text } from '../messages.ts'

export function concertsView(api: Api, onJoin: (concert: ConcertSummary) => void): HTMLElement {
  const list = h('div', { class: 'concerts', 'aria-busy': 'true' }, h('p', {}, 'Loading concerts…'))
  const section = h('section', { 'aria-labelledby': 'concerts-title', class: 'stack' }, h('h2', { id: 'concerts-title' }, text('concertsOnSale')), list)

  const load = async () => {
    list.setAttribute('aria-busy', 'true')
    try {
      const concerts = await api.concerts()
      if (concerts.length === 0) {
        list.replaceChildren(h('p', {}, 'No concerts are on sale yet. Please come back later.'))
      } else {
        list.replaceChildren(...concerts.map((concert) => concertCard(api, concert, onJoin)))
      }
    } catch (error) {
      list.replaceChildren(
        h('p', { class: 'field-error' }, describeFailure(error)),
        h('button', { type: 'button', class: 'button', onclick: () => void load() }, 'Try again'),
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
  const button = h('button', { type: 'button', class: 'button primary' }, text('joinQueue'))
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
        line.textContent = salesOpenAt(view.opensAt)
      } else if (view.state === 'CLOSED') {
        line.textContent = text('lineClosed')
      }
    })
    .catch(() => {})
  return h(
    'article',
    { class: 'card concert', 'aria-labelledby': titleId, 'data-concert-id': concert.id },
    h('h3', { id: titleId }, concert.title),
    h('p', { class: 'venue' }, concert.venue),
    h('p', { class: 'hint' }, plural(concert.schedules, 'date', 'dates')),
    line,
    button,
  )
}
