/**
 * SQL statements that travel several to ONE message: the simple-query protocol carries any number
 * of statements separated by semicolons, where a parameterised query carries one (and node-postgres
 * does not pipeline). Round trips are what a hold or a payment costs here, so the write paths batch:
 * a lock, then reads with a fresh snapshot, then writes, in one or two messages.
 * https://www.postgresql.org/docs/15/protocol-flow.html#PROTOCOL-FLOW-MULTI-STATEMENT
 *
 * The simple protocol takes no parameters, so values are written in as literals, here and nowhere
 * else: numbers as digits (negatives in parentheses, so that `- ${n}` never becomes a `--` comment),
 * strings through pg's `escapeLiteral`, integer arrays as `int[]` literals; anything else is refused.
 * And it plans every statement every time, which for a hold's one big statement cost Postgres as
 * much as running it. So on a checked-out connection each statement is PREPAREd once (its values as
 * `$n`) and sent as `EXECUTE name(literals…)`: the plan is kept per connection.
 * https://www.postgresql.org/docs/15/sql-prepare.html
 */
import { createHash } from 'node:crypto'
import pg from 'pg'

type Chunk = string | { literal: string }

/** SQL text whose values are kept apart from its structure (for PREPARE), nesting included. */
export class SqlText {
  constructor(readonly chunks: readonly Chunk[]) {}

  /** The statement with its values written in. */
  get text(): string {
    return this.chunks.map((c) => (typeof c === 'string' ? c : c.literal)).join('')
  }

  /** The statement with `$1…$n` for its values, and those values as literals. */
  template(): { text: string; literals: string[] } {
    const literals: string[] = []
    const text = this.chunks.map((c) => (typeof c === 'string' ? c : `$${literals.push(c.literal)}`)).join('')
    return { text, literals }
  }

  toString(): string {
    return this.text
  }
}

export type SqlValue = number | string | boolean | null | readonly number[] | SqlText

/** Tagged template: SQL whose `${value}`s are values (a nested SqlText is structure, with its own values). */
export function q(strings: TemplateStringsArray, ...values: SqlValue[]): SqlText {
  const chunks: Chunk[] = [strings[0]!]
  values.forEach((value, i) => {
    if (value instanceof SqlText) chunks.push(...value.chunks)
    else chunks.push({ literal: literal(value) })
    chunks.push(strings[i + 1]!)
  })
  return new SqlText(chunks)
}

/** Trusted SQL text (rule fragments of `data-access/sql.ts`), inserted as it is. */
export const raw = (text: string) => new SqlText([text])

function literal(value: Exclude<SqlValue, SqlText>): string {
  if (value === null) return 'null'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`)
    return value < 0 ? `(${value})` : String(value)
  }
  if (typeof value === 'string') return pg.escapeLiteral(value)
  if (Array.isArray(value)) {
    if (!value.every((v) => Number.isSafeInteger(v))) throw new Error('only arrays of integers are written into SQL')
    return `'{${value.join(',')}}'::int[]`
  }
  throw new Error(`cannot write ${typeof value} into SQL`)
}

/** One statement and how to read its result. */
export interface Statement<T> {
  sql: SqlText
  read(result: pg.QueryResult): T
}

// biome-ignore lint/suspicious/noExplicitAny: rows are read by each statement's own `read`
export type Row = Record<string, any>

export function statement<T>(sql: SqlText, read: (rows: Row[]) => T): Statement<T> {
  return { sql, read: (result) => read(result.rows) }
}

/** A statement whose result nobody reads (locks, BEGIN, COMMIT). */
export const command = (sql: SqlText): Statement<void> => statement(sql, () => undefined)

export type Results<S extends readonly Statement<unknown>[]> = { -readonly [K in keyof S]: S[K] extends Statement<infer T> ? T : never }

/** Anything that sends one text message: a pool (its own implicit transaction) or a checked-out client. */
export interface Sender {
  query(text: string): Promise<pg.QueryResult | pg.QueryResult[]>
}

/** The statements PREPAREd on each connection, by name (a prepared statement lives as long as its connection). */
const preparedOn = new WeakMap<object, Set<string>>()
/** Connections whose PREPAREs failed half-way: which exist is unknown, so they must not be reused. */
const unknownState = new WeakSet<object>()

/** True when the connection must be closed rather than given back to the pool. */
export const mustDiscard = (client: object) => unknownState.has(client)

/**
 * Sends the statements in one message and reads each result. Sent on a pool without BEGIN, the
 * statements form one implicit transaction: all of them commit, or an error rolls all back. On a
 * checked-out client, statements with values run as prepared statements (PREPAREd first, once, in a
 * message of their own, so that a failed message never leaves it unknown what exists).
 */
export async function send<S extends readonly Statement<unknown>[]>(sender: Sender, ...statements: S): Promise<Results<S>> {
  if (statements.length === 0) return [] as unknown as Results<S>
  const texts = sender instanceof pg.Client ? await executable(sender, statements) : statements.map((s) => s.sql.text)
  const reply = await sender.query(texts.join(';\n'))
  const results = Array.isArray(reply) ? reply : [reply]
  if (results.length !== statements.length) throw new Error(`sent ${statements.length} statements, got ${results.length} results`)
  return statements.map((s, i) => s.read(results[i]!)) as Results<S>
}

/** `EXECUTE name(…)` for each statement with values, PREPAREing on this connection those it lacks. */
async function executable(client: pg.Client, statements: readonly Statement<unknown>[]): Promise<string[]> {
  let prepared = preparedOn.get(client)
  if (!prepared) {
    prepared = new Set()
    preparedOn.set(client, prepared)
  }
  const missing = new Map<string, string>()
  const texts = statements.map(({ sql }) => {
    const { text, literals } = sql.template()
    if (literals.length === 0) return text
    const name = `rg_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`
    if (!prepared.has(name)) missing.set(name, `prepare ${name} as ${text}`)
    return `execute ${name}(${literals.join(', ')})`
  })
  if (missing.size > 0) {
    try {
      await client.query([...missing.values()].join(';\n'))
    } catch (err) {
      unknownState.add(client)
      throw err
    }
    for (const name of missing.keys()) prepared.add(name)
  }
  return texts
}
