/**
 * One seated section's rows, from its map (`GET …/seats?section=`): each row a line of seat buttons
 * named "Row 1, seat 12", several of which can be chosen at once. A row wider than the screen
 * scrolls sideways inside its own box, never the page: a shadow on the side with more seats and a
 * "scroll" hint say so. One seat is in the tab order at a time; the arrow keys move along a row and
 * between rows.
 */
import type { Seat } from '@rushgate/shared'
import { h, setText } from '../dom.ts'
import { formatWon } from '../format.ts'
import { words } from '../lang.ts'
import { seatInRow } from '../place.ts'
import { LEGEND, lookOf, seatLegend } from './seat-map.ts'

const w = words(
  {
    rows: (section: string) => `Rows of section ${section}`,
    row: (row: string) => `Row ${row}`,
    scroll: 'Scroll sideways to see every seat →',
  },
  {
    rows: (section: string) => `${section}구역 좌석 열`,
    row: (row: string) => `${row}열`,
    scroll: '옆으로 밀어 모든 좌석 보기 →',
  },
)

export interface SectionMap {
  el: HTMLElement
  update(section: string, seats: Seat[], mine: ReadonlySet<number>, chosen: ReadonlySet<number>): void
}

export function createSectionMap(onToggle: (seat: Seat) => void): SectionMap {
  const rowsEl = h('div', { class: 'rows' })
  const box = h('div', { class: 'rows-box', role: 'group', tabindex: -1 }, rowsEl)
  const frame = h('div', { class: 'rows-frame' }, box)
  const hint = h('p', { class: 'hint scroll-hint', hidden: true }, w.scroll)
  const el = h('div', { class: 'stack section-map' }, seatLegend('section-legend'), hint, frame)

  let buttons = new Map<number, HTMLButtonElement>()
  /** Seat numbers by row, in order: where the arrow keys go. */
  let grid: number[][] = []
  let built = ''
  let seatsByNumber = new Map<number, Seat>()
  let focusable: number | null = null

  /** The shadows and the hint follow what is hidden at either end of the rows. */
  const showScroll = () => {
    const more = box.scrollWidth - box.clientWidth > 1
    hint.hidden = !more
    frame.classList.toggle('more-left', more && box.scrollLeft > 1)
    frame.classList.toggle('more-right', more && box.scrollLeft + box.clientWidth < box.scrollWidth - 1)
    box.dataset.scrollable = String(more)
  }
  box.addEventListener('scroll', showScroll, { passive: true })
  new ResizeObserver(showScroll).observe(box)

  const setFocusable = (seatNumber: number) => {
    if (focusable !== null) buttons.get(focusable)?.setAttribute('tabindex', '-1')
    focusable = seatNumber
    buttons.get(seatNumber)?.setAttribute('tabindex', '0')
  }

  const moveFocus = (from: number, key: string): boolean => {
    const r = grid.findIndex((row) => row.includes(from))
    if (r < 0) return false
    const c = grid[r]!.indexOf(from)
    const at = (row: number, col: number) => {
      const line = grid[Math.min(grid.length - 1, Math.max(0, row))]!
      return line[Math.min(line.length - 1, Math.max(0, col))]
    }
    const target = {
      ArrowRight: at(r, c + 1),
      ArrowLeft: at(r, c - 1),
      ArrowDown: at(r + 1, c),
      ArrowUp: at(r - 1, c),
      Home: at(r, 0),
      End: at(r, Number.MAX_SAFE_INTEGER),
    }[key]
    if (target === undefined) return false
    setFocusable(target)
    buttons.get(target)?.focus()
    return true
  }

  const build = (section: string, seats: Seat[]) => {
    buttons = new Map()
    focusable = null
    const byRow = new Map<string, Seat[]>()
    for (const seat of seats) {
      const row = seat.row ?? ''
      byRow.set(row, [...(byRow.get(row) ?? []), seat])
    }
    grid = [...byRow.values()].map((row) => row.map((s) => s.seatNumber))
    box.setAttribute('aria-label', w.rows(section))
    rowsEl.replaceChildren(
      ...[...byRow].map(([row, rowSeats]) =>
        h(
          'div',
          { class: 'seat-row', role: 'group', 'aria-label': w.row(row), 'data-row': row },
          h('span', { class: 'row-label', 'aria-hidden': 'true' }, row),
          ...rowSeats.map((seat) => {
            const button = h('button', { type: 'button', class: 'seat', tabindex: -1, 'aria-label': seatInRow(seat), 'data-seat-number': seat.seatNumber }, String(seat.seat))
            button.addEventListener('click', () => {
              setFocusable(seat.seatNumber)
              const current = seatsByNumber.get(seat.seatNumber)
              if (current && button.getAttribute('aria-disabled') !== 'true') onToggle(current)
            })
            button.addEventListener('keydown', (ev) => {
              if (moveFocus(seat.seatNumber, ev.key)) ev.preventDefault()
            })
            buttons.set(seat.seatNumber, button)
            return button
          }),
        ),
      ),
    )
    box.scrollLeft = 0
  }

  return {
    el,
    update(section, seats, mine, chosen) {
      const shape = `${section}:${seats.length}:${seats[0]?.seatNumber ?? 0}`
      // Rebuilt only for another section, so focus and the scroll position survive a refresh.
      if (shape !== built) {
        build(section, seats)
        built = shape
      }
      seatsByNumber = new Map(seats.map((s) => [s.seatNumber, s]))
      for (const seat of seats) {
        const button = buttons.get(seat.seatNumber)
        if (!button) continue
        const look = lookOf(seat, mine)
        const isChosen = chosen.has(seat.seatNumber) && look === 'available'
        button.className = `seat seat--${look}${isChosen ? ' seat--selected' : ''}`
        button.dataset.status = seat.status
        button.setAttribute('aria-describedby', `section-legend-${look}`)
        button.setAttribute('aria-pressed', String(isChosen))
        button.setAttribute('aria-disabled', String(look !== 'available'))
        button.title = `${seat.label} · ${LEGEND[look]} · ${formatWon(seat.price)}`
      }
      if (focusable === null || !buttons.has(focusable)) {
        const first = seats.find((s) => s.status === 'AVAILABLE') ?? seats[0]
        if (first) setFocusable(first.seatNumber)
      }
      // After layout: the box's width is known only once it is on the page.
      requestAnimationFrame(showScroll)
      setText(hint, w.scroll)
    },
  }
}
