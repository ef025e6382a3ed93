/**
 * The seating plan of a new concert: checks what the schema cannot (exactly one form, codes unique
 * and known, the place limits) and numbers the places. Every malformed plan is 400 VALIDATION_ERROR
 * naming its field, before anything is written.
 */
import { ApiError, MAX_PLACES_PER_CONCERT, MAX_PLACES_PER_SCHEDULE, type NewConcert } from '@rushgate/shared'

export interface PlanGrade {
  code: string
  name: string
  price: number
}

export interface PlanRow {
  label: string
  seats: number
}

export interface PlanSection {
  code: string
  name: string
  grade: string
  /** Rows of a seated section; null when standing. */
  rows: PlanRow[] | null
  places: number
  /** The seat number of its first place: places are numbered 1…N in plan order. */
  firstSeat: number
}

export interface Plan {
  grades: PlanGrade[]
  sections: PlanSection[]
  places: number
}

/** The shorthand's rows: 20 seats each, labelled 1, 2, …; the last holds the rest. */
const SHORTHAND_ROW = 20

const invalid = (message: string) => new ApiError('VALIDATION_ERROR', message)

/** One plan per date, in the order of `input.schedules`. */
export function plansOf(input: NewConcert): Plan[] {
  const planned = input.grades !== undefined || input.sections !== undefined
  let plans: Plan[]
  if (planned) {
    if (input.grades === undefined) throw invalid('grades: required with sections')
    if (input.sections === undefined) throw invalid('sections: required with grades')
    input.schedules.forEach((s, i) => {
      if (s.seats !== undefined) throw invalid(`schedules[${i}].seats: not allowed with a plan (grades and sections)`)
      if (s.price !== undefined) throw invalid(`schedules[${i}].price: not allowed with a plan (grades and sections)`)
    })
    const plan = checkedPlan(input.grades, input.sections)
    plans = input.schedules.map(() => plan)
  } else {
    plans = input.schedules.map((s, i) => {
      if (s.seats === undefined) throw invalid(`schedules[${i}].seats: required (or give the concert grades and sections)`)
      if (s.price === undefined) throw invalid(`schedules[${i}].price: required (or give the concert grades and sections)`)
      return shorthandPlan(s.seats, s.price)
    })
  }
  const total = plans.reduce((sum, p) => sum + p.places, 0)
  if (total > MAX_PLACES_PER_CONCERT) {
    throw invalid(`schedules: ${total} places over all dates; a concert has at most ${MAX_PLACES_PER_CONCERT}`)
  }
  return plans
}

export function shorthandPlan(seats: number, price: number): Plan {
  const rows: PlanRow[] = []
  for (let first = 1; first <= seats; first += SHORTHAND_ROW) {
    rows.push({ label: String(rows.length + 1), seats: Math.min(SHORTHAND_ROW, seats - first + 1) })
  }
  return {
    grades: [{ code: 'STANDARD', name: 'Standard', price }],
    sections: [{ code: 'MAIN', name: 'Main', grade: 'STANDARD', rows, places: seats, firstSeat: 1 }],
    places: seats,
  }
}

function checkedPlan(grades: NonNullable<NewConcert['grades']>, sections: NonNullable<NewConcert['sections']>): Plan {
  const gradeCodes = new Set<string>()
  grades.forEach((g, i) => {
    if (gradeCodes.has(g.code)) throw invalid(`grades[${i}].code: ${g.code} is repeated`)
    gradeCodes.add(g.code)
  })
  const sectionCodes = new Set<string>()
  const used = new Set<string>()
  let next = 1
  const planned = sections.map((s, i): PlanSection => {
    if (sectionCodes.has(s.code)) throw invalid(`sections[${i}].code: ${s.code} is repeated`)
    sectionCodes.add(s.code)
    if (!gradeCodes.has(s.grade)) throw invalid(`sections[${i}].grade: ${s.grade} is not one of the grades`)
    used.add(s.grade)
    if ((s.rows === undefined) === (s.standing === undefined)) {
      throw invalid(`sections[${i}]: give exactly one of rows (seated) and standing (capacity)`)
    }
    let rows: PlanRow[] | null = null
    let places: number
    if (s.rows) {
      const labels = new Set<string>()
      rows = s.rows.map((r, j) => {
        if (labels.has(r.row)) throw invalid(`sections[${i}].rows[${j}].row: ${r.row} is repeated in section ${s.code}`)
        labels.add(r.row)
        return { label: r.row, seats: r.seats }
      })
      places = rows.reduce((sum, r) => sum + r.seats, 0)
    } else {
      places = s.standing!
    }
    const section = { code: s.code, name: s.name, grade: s.grade, rows, places, firstSeat: next }
    next += places
    return section
  })
  const unused = grades.findIndex((g) => !used.has(g.code))
  if (unused >= 0) throw invalid(`grades[${unused}].code: no section is of grade ${grades[unused]!.code}`)
  const places = next - 1
  if (places > MAX_PLACES_PER_SCHEDULE) {
    throw invalid(`sections: ${places} places a date; a date has at most ${MAX_PLACES_PER_SCHEDULE}`)
  }
  return { grades: grades.map((g) => ({ code: g.code, name: g.name, price: g.price })), sections: planned, places }
}
