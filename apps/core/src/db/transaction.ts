/**
 * A transaction over several messages that costs no round trip of its own: BEGIN travels in front
 * of the first message and COMMIT behind the use case's last one (`finish`). Whoever opens it may
 * put statements in front of the first message and check their results (the idempotency key claim
 * does), and may keep the COMMIT for itself (to store the answer first).
 */
import type pg from 'pg'
import { isDbUnavailable } from './client.ts'
import { command, mustDiscard, q, type Results, type Sender, type Statement, send } from './statements.ts'

const BEGIN = command(q`begin`)
const COMMIT = command(q`commit`)
const ROLLBACK = command(q`rollback`)

export interface Tx {
  /** Sends statements in one message, inside the transaction (or after it, once it has committed). */
  run<S extends readonly Statement<unknown>[]>(...statements: S): Promise<Results<S>>
  /** Sends the use case's last statements; COMMIT goes with them unless the opener keeps it. */
  finish<S extends readonly Statement<unknown>[]>(...statements: S): Promise<Results<S>>
}

type State = 'new' | 'open' | 'committed'

export class Transaction implements Tx {
  private state: State = 'new'
  private readonly opening: Statement<unknown>[] = [BEGIN]
  private checkOpening: (results: unknown[]) => void = () => {}

  constructor(
    private readonly client: Sender,
    /** false: `finish` leaves the transaction open for the opener to end. */
    private readonly commitOnFinish = true,
  ) {}

  get isOpen(): boolean {
    return this.state === 'open'
  }

  /** Statements sent in front of the first message (after BEGIN), and a check of their results, which may throw. */
  openWith(statements: Statement<unknown>[], check: (results: unknown[]) => void): void {
    if (this.state !== 'new') throw new Error('the transaction has already begun')
    this.opening.push(...statements)
    this.checkOpening = check
  }

  run<S extends readonly Statement<unknown>[]>(...statements: S): Promise<Results<S>> {
    return this.message(statements, false)
  }

  finish<S extends readonly Statement<unknown>[]>(...statements: S): Promise<Results<S>> {
    return this.message(statements, this.commitOnFinish)
  }

  /** Makes sure BEGIN and the opening statements have been sent (for a use case that sent nothing). */
  async begin(): Promise<void> {
    if (this.state === 'new') await this.message([], false)
  }

  /** Ends the transaction with these statements and COMMIT, in one message. */
  async commitWith(...statements: Statement<unknown>[]): Promise<void> {
    await this.message(statements, true)
  }

  async rollback(): Promise<void> {
    if (this.state !== 'open') return
    this.state = 'committed'
    await send(this.client, ROLLBACK)
  }

  private async message<S extends readonly Statement<unknown>[]>(statements: S, commit: boolean): Promise<Results<S>> {
    const head = this.state === 'new' ? this.opening : []
    const tail = commit && this.state !== 'committed' ? [COMMIT] : []
    if (this.state === 'new') this.state = 'open'
    const results = (await send(this.client, ...head, ...statements, ...tail)) as unknown[]
    if (tail.length > 0) this.state = 'committed'
    // The opener's own statements' results, without BEGIN's.
    if (head.length > 0) this.checkOpening(results.slice(1, head.length))
    return results.slice(head.length, head.length + statements.length) as Results<S>
  }
}

/**
 * Runs `work` in a transaction on a connection of its own. A thrown error rolls back (unless the
 * work had committed); when the connection itself failed it is thrown away instead of reused.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (tx: Transaction) => Promise<T>,
  opts: { commitOnFinish?: boolean } = {},
): Promise<T> {
  const client = await pool.connect()
  const tx = new Transaction(client, opts.commitOnFinish ?? true)
  let broken: Error | undefined
  try {
    const result = await work(tx)
    if (tx.isOpen) await tx.commitWith()
    return result
  } catch (err) {
    if (isDbUnavailable(err)) broken = err as Error
    else await tx.rollback().catch((rollbackErr: Error) => (broken = rollbackErr))
    throw err
  } finally {
    // release(err) closes the connection: Postgres rolls back whatever it had open.
    client.release(broken ?? (mustDiscard(client) ? new Error('prepared statements in an unknown state') : undefined))
  }
}

/**
 * Sends the statements as one message on a connection of its own (so that they run as prepared
 * statements): one implicit transaction, all or nothing, one round trip.
 */
export async function inOneMessage<S extends readonly Statement<unknown>[]>(pool: pg.Pool, ...statements: S): Promise<Results<S>> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    return await send(client, ...statements)
  } catch (err) {
    // A SQL error rolled the implicit transaction back; a lost connection must not be reused.
    if (isDbUnavailable(err)) broken = err as Error
    throw err
  } finally {
    client.release(broken ?? (mustDiscard(client) ? new Error('prepared statements in an unknown state') : undefined))
  }
}
