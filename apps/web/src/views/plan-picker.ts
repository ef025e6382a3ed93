/**
 * Choosing places on a date with a seating plan, the three ways `POST …/holds` offers: the best
 * available seats (quantity, grade, together), seats chosen by hand in an open section's rows, or
 * standing places by quantity. Each is one request, all or none; the turn (active.ts) sends it and
 * says what came of it. This module only keeps what the fan is choosing.
 */
import type { GroupHoldRequest, Seat, SectionsSummary } from '@rushgate/shared'
import { h, setText } from '../dom.ts'
import { formatCount, formatWon, plural } from '../format.ts'
import { words } from '../lang.ts'
import { seatInRow } from '../place.ts'
import { createSectionMap } from './section-map.ts'
import { createVenue, gradeOf, type Section } from './venue.ts'

/** A hold request without its date, which the turn adds. */
export type HoldAsk = Omit<GroupHoldRequest, 'scheduleId'>

/** What came of a request, and the sentence the page's alert region said about it. */
export interface HoldOutcome {
  held: boolean
  said: string
}

const w = words(
  {
    best: 'Best available',
    bestExplained: 'We find the best free seats for you, in the best section first.',
    quantity: 'How many',
    grade: 'Grade',
    anyGrade: 'Any grade',
    together: 'Seats next to each other',
    findBest: 'Hold the best seats',
    allSections: 'All sections',
    section: (code: string, name: string) => `Section ${code} · ${name}`,
    sectionFacts: (grade: string, price: string, left: number) => `${grade} · ${price} a place · ${formatCount(left)} left`,
    pickSeats: (max: number) => `Choose up to ${plural(max, 'seat', 'seats')} in the rows, then hold them together.`,
    chosen: (seats: string, sum: string) => `Chosen: ${seats} · ${sum}`,
    holdChosen: (n: number) => (n === 0 ? 'Hold chosen seats' : `Hold ${plural(n, 'chosen seat', 'chosen seats')}`),
    clear: 'Clear',
    tooMany: (max: number) => `You can choose up to ${plural(max, 'seat', 'seats')} at once.`,
    standingExplained:
      'Standing places are held by quantity. Entry numbers go to buyers in order: the lower the number, the earlier you enter.',
    holdStanding: 'Hold standing places',
    loading: 'Loading the rows…',
  },
  {
    best: '자동 배정',
    bestExplained: '가장 좋은 구역부터 남은 좌석 중 가장 좋은 자리를 찾아 드립니다.',
    quantity: '매수',
    grade: '등급',
    anyGrade: '모든 등급',
    together: '나란히 앉기',
    findBest: '좋은 좌석 선점하기',
    allSections: '전체 구역',
    section: (code: string, name: string) => `${code}구역 · ${name}`,
    sectionFacts: (grade: string, price: string, left: number) => `${grade} · 1매 ${price} · 잔여 ${formatCount(left)}`,
    pickSeats: (max: number) => `좌석 열에서 최대 ${formatCount(max)}석을 고른 뒤 한꺼번에 선점하세요.`,
    chosen: (seats: string, sum: string) => `선택: ${seats} · ${sum}`,
    holdChosen: (n: number) => (n === 0 ? '선택한 좌석 선점' : `선택한 ${formatCount(n)}석 선점`),
    clear: '선택 해제',
    tooMany: (max: number) => `한 번에 최대 ${formatCount(max)}석까지 고를 수 있습니다.`,
    standingExplained: '스탠딩은 매수로 선점합니다. 입장번호는 구매 순서대로 정해지며, 번호가 빠를수록 먼저 입장합니다.',
    holdStanding: '스탠딩 선점',
    loading: '좌석 열을 불러오는 중…',
  },
)

export interface PlanPicker {
  el: HTMLElement
  /** The seated section whose rows are open: the turn fetches its map. */
  openSection(): string | null
  /**
   * Redraws from the latest summary and the open section's map (null while it loads). `maxPick`
   * bounds one request; `blocked` while the fan may hold no more ("sold out for you").
   */
  update(summary: SectionsSummary, seats: Seat[] | null, mine: ReadonlySet<number>, maxPick: number, blocked: boolean): void
  /** Another date: nothing open, nothing chosen. */
  reset(): void
}

export interface PlanPickerOptions {
  /** Sends the request and says what came of it in the page's alert region. */
  hold(ask: HoldAsk): Promise<HoldOutcome>
  /** A section was opened or closed: its map is wanted now. */
  onOpen(): void
  /** Says something to the fan (the page's alert region). */
  tell(message: string): void
}

export function createPlanPicker(options: PlanPickerOptions): PlanPicker {
  let open: Section | null = null
  let chosen = new Set<number>()
  let last: { summary: SectionsSummary; seats: Seat[] | null; mine: ReadonlySet<number>; maxPick: number; blocked: boolean } | null = null
  let busy = false

  const quantitySelect = (id: string) => h('select', { id, class: 'quantity' })
  const fillQuantity = (select: HTMLSelectElement, max: number) => {
    if (select.options.length === max) return
    const keep = Math.min(max, Number(select.value) || 2)
    select.replaceChildren(...Array.from({ length: max }, (_, i) => new Option(formatCount(i + 1), String(i + 1), false, i + 1 === keep)))
  }

  // ---- best available ----
  const bestQuantity = quantitySelect('best-quantity')
  const bestGrade = h('select', { id: 'best-grade' })
  const together = h('input', { id: 'best-together', type: 'checkbox', checked: true })
  const bestButton = h('button', { type: 'button', class: 'button primary' }, w.findBest)
  const best = h(
    'section',
    { class: 'stack best', 'aria-labelledby': 'best-title' },
    h('h3', { id: 'best-title' }, w.best),
    h('p', { class: 'hint' }, w.bestExplained),
    h(
      'div',
      { class: 'best-fields' },
      h('span', { class: 'field' }, h('label', { for: 'best-quantity' }, w.quantity), bestQuantity),
      h('span', { class: 'field' }, h('label', { for: 'best-grade' }, w.grade), bestGrade),
      h('span', { class: 'field check' }, together, h('label', { for: 'best-together' }, w.together)),
    ),
    bestButton,
  )
  bestButton.addEventListener('click', () => {
    const bestAvailable: NonNullable<HoldAsk['bestAvailable']> = { quantity: Number(bestQuantity.value), together: together.checked }
    if (bestGrade.value) bestAvailable.grade = bestGrade.value
    void send(bestButton, { bestAvailable })
  })

  // ---- a seated section's rows ----
  const map = createSectionMap((seat) => {
    if (chosen.has(seat.seatNumber)) chosen.delete(seat.seatNumber)
    else if (last && chosen.size >= last.maxPick) options.tell(w.tooMany(last.maxPick))
    else chosen.add(seat.seatNumber)
    redraw()
  })
  const sectionTitle = h('h3', { id: 'section-title', tabindex: -1 })
  const sectionFacts = h('p', { class: 'hint' })
  const loading = h('p', { class: 'hint' }, w.loading)
  const pickHint = h('p', { class: 'hint' })
  const chosenText = h('p', { class: 'selection', 'aria-live': 'polite' })
  const holdChosen = h('button', { type: 'button', class: 'button primary' }, w.holdChosen(0))
  const clearChosen = h('button', { type: 'button', class: 'button' }, w.clear)
  const back = h('button', { type: 'button', class: 'button small' }, w.allSections)
  const seated = h(
    'div',
    { class: 'stack seated' },
    pickHint,
    loading,
    map.el,
    chosenText,
    h('div', { class: 'row' }, holdChosen, clearChosen),
  )
  holdChosen.addEventListener('click', async () => {
    const seatNumbers = [...chosen].sort((a, b) => a - b)
    if (seatNumbers.length > 0 && (await send(holdChosen, { seatNumbers }))) chosen = new Set()
    redraw()
  })
  clearChosen.addEventListener('click', () => {
    chosen = new Set()
    redraw()
  })

  // ---- a standing section ----
  const standingQuantity = quantitySelect('standing-quantity')
  const standingButton = h('button', { type: 'button', class: 'button primary' }, w.holdStanding)
  const standing = h(
    'div',
    { class: 'stack standing' },
    h('p', { class: 'hint' }, w.standingExplained),
    h('span', { class: 'field' }, h('label', { for: 'standing-quantity' }, w.quantity), standingQuantity),
    standingButton,
  )
  standingButton.addEventListener('click', () => {
    if (open) void send(standingButton, { section: open.code, quantity: Number(standingQuantity.value) })
  })

  const panel = h(
    'section',
    { class: 'card stack section-panel', 'aria-labelledby': 'section-title', hidden: true, 'data-section-panel': '' },
    h('div', { class: 'section-head' }, h('div', { class: 'stack tight' }, sectionTitle, sectionFacts), back),
    seated,
    standing,
  )
  back.addEventListener('click', () => setOpen(null))

  const venue = createVenue((section) => {
    setOpen(section)
    panel.scrollIntoView({ block: 'start' })
    sectionTitle.focus({ preventScroll: true })
  })
  const el = h('div', { class: 'stack plan' }, venue.el, panel, best)
  // What came of a request is repeated under the button that asked, where a phone's screen is (the
  // alert region, at the top of the page, is what assistive technology announces; this is for the eyes).
  const outcomeUnder = (button: HTMLButtonElement) => {
    const line = h('p', { class: 'outcome', 'aria-hidden': 'true', hidden: true })
    const host = button.closest('.row') ?? button
    host.after(line)
    return line
  }
  const outcomeLines = new Map([bestButton, holdChosen, standingButton].map((button) => [button, outcomeUnder(button)]))

  const setOpen = (section: Section | null) => {
    if (open?.code !== section?.code) chosen = new Set()
    for (const line of outcomeLines.values()) line.hidden = true
    open = section
    redraw()
    options.onOpen()
  }

  /** One request at a time; the buttons say "busy" by being disabled until it answers. */
  const send = async (button: HTMLButtonElement, ask: HoldAsk): Promise<boolean> => {
    if (busy) return false
    busy = true
    button.disabled = true
    for (const line of outcomeLines.values()) line.hidden = true
    try {
      const { held, said } = await options.hold(ask)
      const line = outcomeLines.get(button)
      if (line) {
        line.className = `outcome ${held ? 'outcome--held' : 'outcome--refused'}`
        setText(line, said)
        line.hidden = said === ''
      }
      return held
    } finally {
      busy = false
      redraw()
    }
  }

  const redraw = () => {
    if (!last) return
    const { summary, seats, mine, maxPick, blocked } = last
    venue.update(summary, open?.code ?? null)
    if (open) open = summary.sections.find((s) => s.code === open!.code) ?? null

    // Best available: only grades that have a seated section can be asked for.
    const seatedGrades = summary.grades.filter((g) => summary.sections.some((s) => s.grade === g.code && s.kind === 'SEATED'))
    const gradeKey = seatedGrades.map((g) => g.code).join(',')
    if (bestGrade.dataset.grades !== gradeKey) {
      bestGrade.dataset.grades = gradeKey
      const keep = bestGrade.value
      bestGrade.replaceChildren(
        new Option(w.anyGrade, ''),
        ...seatedGrades.map((g) => new Option(`${g.name} · ${formatWon(g.price)}`, g.code, false, g.code === keep)),
      )
    }
    best.hidden = seatedGrades.length === 0
    fillQuantity(bestQuantity, maxPick)
    fillQuantity(standingQuantity, maxPick)
    bestButton.disabled = busy || blocked

    panel.hidden = open === null
    if (!open) return
    const grade = gradeOf(summary, open.grade)
    setText(sectionTitle, w.section(open.code, open.name))
    setText(sectionFacts, w.sectionFacts(grade?.name ?? open.grade, formatWon(open.price), open.available))
    panel.dataset.sectionPanel = open.code
    seated.hidden = open.kind !== 'SEATED'
    standing.hidden = open.kind !== 'STANDING'
    standingButton.disabled = busy || blocked || open.available === 0
    if (open.kind !== 'SEATED') return

    loading.hidden = seats !== null
    map.el.hidden = seats === null
    setText(pickHint, w.pickSeats(maxPick))
    const free = new Map((seats ?? []).filter((s) => s.status === 'AVAILABLE' && !mine.has(s.seatNumber)).map((s) => [s.seatNumber, s]))
    // A chosen seat someone else has taken since drops out of the choice.
    if (seats) chosen = new Set([...chosen].filter((n) => free.has(n)))
    if (seats) map.update(open.code, seats, mine, chosen)
    const picked = [...chosen].sort((a, b) => a - b).flatMap((n) => free.get(n) ?? [])
    setText(chosenText, picked.length === 0 ? '' : w.chosen(picked.map(seatInRow).join(', '), formatWon(picked.reduce((sum, s) => sum + s.price, 0))))
    setText(holdChosen, w.holdChosen(picked.length))
    holdChosen.disabled = busy || blocked || picked.length === 0
    clearChosen.disabled = picked.length === 0
  }

  return {
    el,
    openSection: () => (open?.kind === 'SEATED' ? open.code : null),
    update(summary, seats, mine, maxPick, blocked) {
      last = { summary, seats, mine, maxPick, blocked }
      redraw()
    },
    reset() {
      open = null
      chosen = new Set()
      last = null
      panel.hidden = true
    },
  }
}
