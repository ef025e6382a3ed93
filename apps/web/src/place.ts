/**
 * How a place (a seat map's seat, a hold, a purchase) is named on the page. A date created with the
 * contract's shorthand is one hall of numbered seats (section `MAIN`, grade `STANDARD`), where the
 * seat number is what a fan knows: "Seat 12". A place of a seating plan is named by where it is:
 * section, row and seat, or a standing section's entry number.
 */
import { formatCount } from './format.ts'
import { words } from './lang.ts'
import { say } from './messages.ts'

/** What naming needs of a place: the contract's place fields (docs/api.md, "A place"). */
export interface Place {
  seatNumber: number
  section: string
  row: string | null
  seat: number
  grade: string
  label: string
}

const w = words(
  {
    ref: (n: number) => `seat ${n}`,
    seated: (section: string, row: string, seat: number) => `Section ${section}, row ${row}, seat ${seat}`,
    standing: (section: string, entry: number) => `Section ${section}, standing, entry no. ${formatCount(entry)}`,
    inRow: (row: string, seat: number) => `Row ${row}, seat ${seat}`,
  },
  {
    ref: (n: number) => `${n}번 좌석`,
    seated: (section: string, row: string, seat: number) => `${section}구역 ${row}열 ${seat}번`,
    standing: (section: string, entry: number) => `${section}구역 스탠딩 입장번호 ${formatCount(entry)}번`,
    inRow: (row: string, seat: number) => `${row}열 ${seat}번`,
  },
)

/** The contract's shorthand date: one grade `STANDARD`, one seated section `MAIN`. */
export function isShorthand(place: Pick<Place, 'section' | 'grade'>): boolean {
  return place.section === 'MAIN' && place.grade === 'STANDARD'
}

/** The full name: "Seat 12", "Section A, row 1, seat 12", "Section F1, standing, entry no. 37". */
export function placeName(place: Place): string {
  if (isShorthand(place)) return say.seat(place.seatNumber)
  return place.row === null ? w.standing(place.section, place.seat) : w.seated(place.section, place.row, place.seat)
}

/** Inside a sentence or a button's name: "seat 12", or the place's label ("A-1-12", "F1-37"). */
export function placeRef(place: Place): string {
  return isShorthand(place) ? w.ref(place.seatNumber) : place.label
}

/** A seat inside its section's map, where the section goes without saying: "Row 1, seat 12". */
export function seatInRow(place: Place): string {
  return place.row === null ? placeName(place) : w.inRow(place.row, place.seat)
}
