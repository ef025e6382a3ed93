/**
 * The core's tables: the one source of truth for drizzle-kit migrations (`pnpm db:generate`).
 * Money is integer won in `bigint` columns, read as JS numbers (safe: a balance is at most 1e9).
 * Column names are camelCase here and snake_case in SQL (`casing: 'snake_case'`).
 */
import { sql } from 'drizzle-orm'
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core'

const money = () => bigint({ mode: 'number' })
const ts = () => timestamp({ withTimezone: true, mode: 'date' })

export const concerts = pgTable('concerts', {
  id: serial().primaryKey(),
  title: text().notNull(),
  venue: text().notNull(),
  /** Paid seats plus live holds one user may have for this concert; null for no limit. */
  maxTicketsPerUser: integer(),
  createdAt: ts().notNull().defaultNow(),
})

export const schedules = pgTable(
  'schedules',
  {
    id: serial().primaryKey(),
    concertId: integer()
      .notNull()
      .references(() => concerts.id, { onDelete: 'cascade' }),
    startsAt: ts().notNull(),
    totalSeats: integer().notNull(),
    price: money().notNull(),
  },
  (t) => [index().on(t.concertId, t.startsAt)],
)

/**
 * The grades of a date (its prices), in plan order. A concert's plan is written once per date, so
 * that every read and hold of a date stays within that date's rows; the shorthand is one grade
 * STANDARD at the date's price.
 */
export const grades = pgTable(
  'grades',
  {
    scheduleId: integer()
      .notNull()
      .references(() => schedules.id, { onDelete: 'cascade' }),
    code: text().notNull(),
    position: integer().notNull(),
    name: text().notNull(),
    price: money().notNull(),
  },
  (t) => [primaryKey({ columns: [t.scheduleId, t.code] })],
)

/**
 * The sections of a date, best first (`position`): seated (`rowCount` rows) or standing. Its places
 * are the seats numbered `firstSeat` … `firstSeat + places - 1`.
 */
export const sections = pgTable(
  'sections',
  {
    id: serial().primaryKey(),
    scheduleId: integer()
      .notNull()
      .references(() => schedules.id, { onDelete: 'cascade' }),
    code: text().notNull(),
    position: integer().notNull(),
    name: text().notNull(),
    grade: text().notNull(),
    standing: boolean().notNull(),
    places: integer().notNull(),
    /** Rows of a seated section; null when standing. */
    rowCount: integer(),
    firstSeat: integer().notNull(),
  },
  (t) => [uniqueIndex().on(t.scheduleId, t.code), uniqueIndex().on(t.scheduleId, t.position)],
)

/**
 * One row per seat. A seat is SOLD when `sold`; HELD while `heldBy` is set and `holdExpiresAt` is in
 * the future; otherwise AVAILABLE — an expired hold frees the seat by timestamp, no sweeper needed.
 */
export const seats = pgTable(
  'seats',
  {
    scheduleId: integer()
      .notNull()
      .references(() => schedules.id, { onDelete: 'cascade' }),
    seatNumber: integer().notNull(),
    price: money().notNull(),
    sold: boolean().notNull().default(false),
    heldBy: text(),
    holdExpiresAt: ts(),
    reservationId: integer(),
    /** Where the place is: its section, its row (position in the section and label; null when standing), */
    sectionId: integer()
      .notNull()
      .references(() => sections.id),
    rowNumber: integer(),
    rowLabel: text(),
    /** its seat in the row (or entry number of a standing place), and the seats of its row (null when standing). */
    seat: integer().notNull(),
    rowSeats: integer(),
  },
  (t) => [
    primaryKey({ columns: [t.scheduleId, t.seatNumber] }),
    // Best available and standing holds read a section's places nobody holds in row and seat order: a
    // range of this index per row or section that skips the places held and sold (a hold leaves it), so
    // a request reads the free places it needs, not those taken before it. Holds that ran out are found
    // through `reservations_live_holds` instead.
    index('seats_free_by_place').on(t.sectionId, t.rowNumber, t.seat).where(sql`not sold and held_by is null`),
  ],
)

export const reservations = pgTable(
  'reservations',
  {
    id: serial().primaryKey(),
    userId: text().notNull(),
    concertId: integer().notNull(),
    scheduleId: integer().notNull(),
    seatNumber: integer().notNull(),
    price: money().notNull(),
    /** HELD, CANCELLED, PAID, EXPIRED or REFUNDED; a HELD row past `expiresAt` reads as EXPIRED. */
    status: text().notNull(),
    expiresAt: ts().notNull(),
    createdAt: ts().notNull().defaultNow(),
    paymentId: integer(),
    /** Set when the hold was extended (a hold is extended at most once). */
    extendedAt: ts(),
  },
  (t) => [
    index().on(t.userId, t.id),
    // Last defence behind the conditional seat UPDATE: one live hold and one sale per seat.
    uniqueIndex('reservations_one_paid_per_seat').on(t.scheduleId, t.seatNumber).where(sql`status = 'PAID'`),
    uniqueIndex('reservations_one_held_per_seat').on(t.scheduleId, t.seatNumber).where(sql`status = 'HELD'`),
    // The inventory read: a concert's live holds and their holders, as a range of this index.
    index('reservations_live_holds').on(t.concertId, t.expiresAt, t.userId).where(sql`status = 'HELD'`),
    check('reservations_status_valid', sql`${t.status} in ('HELD', 'CANCELLED', 'PAID', 'EXPIRED', 'REFUNDED')`),
  ],
)

export const balances = pgTable(
  'balances',
  {
    userId: text().primaryKey(),
    balance: money().notNull().default(0),
  },
  (t) => [check('balances_balance_range', sql`${t.balance} >= 0 and ${t.balance} <= 1000000000`)],
)

/** Every change of a balance, signed: a user's balance is always the sum of their entries. */
export const ledger = pgTable(
  'ledger',
  {
    id: serial().primaryKey(),
    userId: text().notNull(),
    amount: money().notNull(),
    kind: text().notNull(),
    paymentId: integer(),
    createdAt: ts().notNull().defaultNow(),
  },
  (t) => [index().on(t.userId), check('ledger_kind_valid', sql`${t.kind} in ('charge', 'payment', 'refund')`)],
)

export const payments = pgTable(
  'payments',
  {
    id: serial().primaryKey(),
    userId: text().notNull(),
    concertId: integer().notNull(),
    amount: money().notNull(),
    reservationIds: integer().array().notNull(),
    paidAt: ts().notNull().defaultNow(),
    /** PAID, or REFUNDED once its whole amount went back to the balance (then `refundedAt` is set). */
    status: text().notNull().default('PAID'),
    refundedAt: ts(),
  },
  (t) => [
    index().on(t.userId, t.id),
    // The sales report counts a concert's payments.
    index().on(t.concertId),
    check('payments_status_valid', sql`${t.status} in ('PAID', 'REFUNDED') and (${t.status} = 'REFUNDED') = (${t.refundedAt} is not null)`),
  ],
)

/** Final answers of idempotent requests, per user and key; kept at least 24 hours. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: text().notNull(),
    key: text().notNull(),
    requestHash: text().notNull(),
    statusCode: integer(),
    body: jsonb(),
    createdAt: ts().notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] }), index().on(t.createdAt)],
)

/**
 * Each date's places and how many of them are sold, for the inventory read (data-access/
 * inventory.ts): summing these is a row per date, where counting the seats is a row per seat
 * (100,000 of them a date). Triggers on `seats` (migration 0003) append every change to
 * `stock_changes` without taking any lock a payment could wait on; the inventory read folds the
 * changes into this table as it reads. So the figures follow `seats.sold` whichever path writes it.
 */
export const scheduleStock = pgTable('schedule_stock', {
  scheduleId: integer()
    .primaryKey()
    .references(() => schedules.id, { onDelete: 'cascade' }),
  places: integer().notNull().default(0),
  sold: integer().notNull().default(0),
})

/** Changes of `schedule_stock` not folded in yet: appended by the triggers on `seats`, one row each. */
export const stockChanges = pgTable('stock_changes', {
  scheduleId: integer().notNull(),
  places: integer().notNull().default(0),
  sold: integer().notNull().default(0),
})

/**
 * What the gateway keeps of each waiting line outside Redis, so that a Redis that lost its data
 * gets it back (the gateway writes it through and reads it when it finds a line's state gone):
 * the settings hash as the gateway's line scripts read it, the opening's seed and commitment, and
 * the highest arrival sequence at the moment the concert sold out. A row also says the line existed.
 */
export const lines = pgTable('lines', {
  concertId: integer()
    .primaryKey()
    .references(() => concerts.id, { onDelete: 'cascade' }),
  /** Field → value of the gateway's settings hash (strings, as Redis holds them). */
  settings: jsonb().$type<Record<string, string>>().notNull().default({}),
  seed: text(),
  seedCommitment: text(),
  soldOutSeq: bigint({ mode: 'number' }),
  updatedAt: ts().notNull().defaultNow(),
})

/** Turns of a line that ended by a payment (concert, user, arrival sequence): they never come back. */
export const paidTurns = pgTable(
  'paid_turns',
  {
    concertId: integer()
      .notNull()
      .references(() => concerts.id, { onDelete: 'cascade' }),
    userId: text().notNull(),
    seq: bigint({ mode: 'number' }).notNull(),
    paidAt: ts().notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.concertId, t.userId, t.seq] }), index().on(t.concertId, t.paidAt)],
)
