/**
 * The venue of a date with a seating plan: its sections drawn as blocks in plan order (best first),
 * each coloured by its grade and saying how many places are left, and a legend of the grades with
 * their prices. A block is a button: a seated section opens its rows, a standing one its quantity.
 * Colour is never the only cue: each block names its grade, and a sold-out block is struck through.
 */
import type { SectionsSummary } from '@rushgate/shared'
import { h, setText } from '../dom.ts'
import { formatCount, formatWon } from '../format.ts'
import { words } from '../lang.ts'

export type Section = SectionsSummary['sections'][number]
export type Grade = SectionsSummary['grades'][number]

const w = words(
  {
    venue: 'The venue',
    grades: 'Grades and prices',
    sections: 'Sections',
    stage: 'Stage',
    left: (n: number) => `${formatCount(n)} left`,
    soldOut: 'Sold out',
    standing: 'Standing',
    gradeLeft: (price: string, left: number) => `${price} · ${formatCount(left)} left`,
    blockLabel: (code: string, name: string, grade: string, left: number, total: number, standing: boolean) =>
      `Section ${code}, ${name}, ${grade}${standing ? ', standing' : ''}: ${formatCount(left)} of ${formatCount(total)} left`,
  },
  {
    venue: '공연장',
    grades: '등급과 가격',
    sections: '구역',
    stage: '무대',
    left: (n: number) => `잔여 ${formatCount(n)}`,
    soldOut: '매진',
    standing: '스탠딩',
    gradeLeft: (price: string, left: number) => `${price} · 잔여 ${formatCount(left)}`,
    blockLabel: (code: string, name: string, grade: string, left: number, total: number, standing: boolean) =>
      `${code}구역, ${name}, ${grade}${standing ? ', 스탠딩' : ''}: ${formatCount(total)} 중 잔여 ${formatCount(left)}`,
  },
)

/** How many grade colours the stylesheet has (`.grade-0` … `.grade-7`); more grades reuse them. */
const GRADE_COLOURS = 8

/** The class that colours a grade: by its place in the plan's list of grades. */
export function gradeClass(summary: SectionsSummary, code: string): string {
  const index = summary.grades.findIndex((g) => g.code === code)
  return `grade-${Math.max(0, index) % GRADE_COLOURS}`
}

export function gradeOf(summary: SectionsSummary, code: string): Grade | undefined {
  return summary.grades.find((g) => g.code === code)
}

export interface Venue {
  el: HTMLElement
  update(summary: SectionsSummary, open: string | null): void
}

export function createVenue(onOpen: (section: Section) => void): Venue {
  const legend = h('ul', { class: 'grade-legend', 'aria-label': w.grades })
  const blocks = h('ul', { class: 'blocks', 'aria-label': w.sections })
  const el = h(
    'section',
    { class: 'stack venue-plan', 'aria-labelledby': 'venue-title', 'data-venue': '' },
    h('h3', { id: 'venue-title' }, w.venue),
    legend,
    h('p', { class: 'stage', 'aria-hidden': 'true' }, w.stage),
    blocks,
  )
  let built = ''
  const buttons = new Map<string, HTMLButtonElement>()
  let current: SectionsSummary | null = null

  const build = (summary: SectionsSummary) => {
    buttons.clear()
    blocks.replaceChildren(
      ...summary.sections.map((section) => {
        const button = h(
          'button',
          { type: 'button', class: 'block', 'data-section': section.code, 'data-kind': section.kind },
          h('span', { class: 'block-code' }, section.code),
          h('span', { class: 'block-name' }, section.name),
          h('span', { class: 'block-grade' }),
          h('span', { class: 'block-left' }),
        )
        button.addEventListener('click', () => {
          const latest = current?.sections.find((s) => s.code === section.code)
          if (latest && latest.available > 0) onOpen(latest)
        })
        buttons.set(section.code, button)
        return h('li', { class: section.kind === 'STANDING' ? 'block-slot block-slot--standing' : 'block-slot' }, button)
      }),
    )
  }

  return {
    el,
    update(summary, open) {
      current = summary
      // The plan never changes for a date; the blocks are rebuilt only for another date's plan.
      const shape = summary.sections.map((s) => `${s.code}:${s.kind}`).join(',')
      if (shape !== built) {
        build(summary)
        built = shape
      }
      legend.replaceChildren(
        ...summary.grades.map((g) =>
          h(
            'li',
            { 'data-grade': g.code },
            h('span', { class: `swatch ${gradeClass(summary, g.code)}`, 'aria-hidden': 'true' }),
            h('span', { class: 'grade-name' }, g.name),
            h('span', { class: 'hint' }, w.gradeLeft(formatWon(g.price), g.available)),
          ),
        ),
      )
      for (const section of summary.sections) {
        const button = buttons.get(section.code)
        if (!button) continue
        const grade = gradeOf(summary, section.grade)
        const gradeName = grade?.name ?? section.grade
        const soldOut = section.available === 0
        button.className = `block ${gradeClass(summary, section.grade)}${soldOut ? ' block--sold-out' : ''}`
        button.setAttribute('aria-pressed', String(open === section.code))
        button.setAttribute('aria-disabled', String(soldOut))
        button.setAttribute('aria-label', w.blockLabel(section.code, section.name, gradeName, section.available, section.total, section.kind === 'STANDING'))
        button.dataset.available = String(section.available)
        const [, , gradeEl, leftEl] = button.children
        setText(gradeEl!, section.kind === 'STANDING' ? `${gradeName} · ${w.standing}` : gradeName)
        setText(leftEl!, soldOut ? w.soldOut : w.left(section.available))
      }
    },
  }
}
