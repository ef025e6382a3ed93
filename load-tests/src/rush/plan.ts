/**
 * The rush on a seating plan (`--plan`): the venue and its fans. The venue is the venue bench's
 * stadium with its seated sections in two grades: two standing floors (VIP), then seated sections,
 * the first third R, the rest S, each in rows of seats. Fans come in groups of 1–4, each prefers a
 * grade (better ones first when theirs runs out) and either asks for the best available seats,
 * picks seats from a section's map, or (on a floor) asks for standing places by quantity. Who is
 * who follows from the fan's index, so two runs of the same size have the same crowd.
 */
import type { NewConcert } from '../client.ts'

export interface PlanSize {
  /** places of each of the two standing floors */
  floor: number
  /** seated sections */
  sections: number
  rows: number
  seatsPerRow: number
}

/** ~70,000 places: two floors of 20,000 and 60 sections of 10 rows of 50 (the venue bench's stadium). */
export const STADIUM: PlanSize = { floor: 20_000, sections: 60, rows: 10, seatsPerRow: 50 }

/** `stadium`, or `<floor>x<sections>x<rows>x<seats per row>` (e.g. `50x4x4x10`: 260 places). */
export function parsePlanSize(text: string): PlanSize {
  if (text === 'stadium') return STADIUM
  const parts = text.split('x').map(Number)
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`--plan: expected "stadium" or <floor>x<sections>x<rows>x<seats per row>, got "${text}"`)
  }
  const [floor, sections, rows, seatsPerRow] = parts as [number, number, number, number]
  return { floor, sections, rows, seatsPerRow }
}

export const placesOf = (p: PlanSize) => 2 * p.floor + p.sections * p.rows * p.seatsPerRow

/** Grades best first, with their price as a multiple of the base ticket price. */
export const GRADES = [
  { code: 'VIP', name: 'VIP (floor)', factor: 2 },
  { code: 'R', name: 'R', factor: 1.5 },
  { code: 'S', name: 'S', factor: 1 },
] as const
export type GradeCode = (typeof GRADES)[number]['code']
const STANDING_GRADE: GradeCode = 'VIP'

export function venuePlan(title: string, size: PlanSize, basePrice: number): NewConcert {
  const rSections = Math.max(1, Math.round(size.sections / 3))
  return {
    title,
    venue: 'Load Test Stadium',
    grades: GRADES.map((g) => ({ code: g.code, name: g.name, price: Math.round(basePrice * g.factor) })),
    sections: [
      ...[1, 2].map((n) => ({ code: `F${n}`, name: `Floor ${n}`, grade: STANDING_GRADE, standing: size.floor })),
      ...Array.from({ length: size.sections }, (_, i) => ({
        code: `S${i + 1}`,
        name: `Block ${i + 1}`,
        grade: i < rSections ? 'R' : 'S',
        rows: Array.from({ length: size.rows }, (_, r) => ({ row: `${r + 1}`, seats: size.seatsPerRow })),
      })),
    ],
    schedules: [{ startsAt: '2027-01-01T19:00:00Z' }],
  }
}

/** How a fan asks for places: best available, chosen from a section's map, or standing by quantity. */
export type FanMode = 'best' | 'pick' | 'standing'

export interface Fan {
  /** places wanted together, 1–4 */
  group: number
  /** grades in the order the fan tries them: the preferred one, then the better ones, then the worse */
  grades: GradeCode[]
  /** how the fan asks on seated grades (a floor is always by quantity) */
  seated: 'best' | 'pick'
}

/** The most a fan pays per place: what each fan is charged for, per place wanted. */
export const maxFactor = Math.max(...GRADES.map((g) => g.factor))

/**
 * Fan `i`: groups of 1 (20%), 2 (50%), 3 (10%) or 4 (20%); preferring VIP (30%), R (40%) or S (30%);
 * 60% ask for the best available, 40% pick from the map.
 */
export function fanOf(i: number): Fan {
  const r = mix(i)
  const g = r % 100
  const group = g < 20 ? 1 : g < 70 ? 2 : g < 80 ? 3 : 4
  const p = Math.floor(r / 100) % 100
  const preferred = p < 30 ? 0 : p < 70 ? 1 : 2
  // Preferred first, then the better grades (nearest first), then the worse.
  const order = [preferred]
  for (let k = preferred - 1; k >= 0; k--) order.push(k)
  for (let k = preferred + 1; k < GRADES.length; k++) order.push(k)
  const seated = Math.floor(r / 10_000) % 100 < 60 ? 'best' : 'pick'
  return { group, grades: order.map((k) => GRADES[k]!.code), seated }
}

export const modeOf = (fan: Fan, grade: string): FanMode => (grade === STANDING_GRADE ? 'standing' : fan.seated)

/** A 32-bit integer hash of the index (splitmix-like), so the crowd is the same from run to run. */
function mix(i: number): number {
  let x = (i + 0x9e3779b9) | 0
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}
