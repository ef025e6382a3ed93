/** The balance, and a form to charge it ("Charge", with an `Idempotency-Key` kept across retries). */
import { type Api, ApiFailure, newIdempotencyKey } from '../api.ts'
import { h, setText } from '../dom.ts'
import { formatWon } from '../format.ts'
import { words } from '../lang.ts'
import { describeFailure } from '../messages.ts'
import type { Notice } from './notice.ts'

const w = words(
  {
    balance: 'Balance',
    yours: (amount: string) => `Your balance: ${amount}`,
    loading: 'Your balance: …',
    charge: 'Charge',
    amount: 'Amount to charge (won)',
    wholeNumber: (max: string) => `Please enter a whole number of won from 1 to ${max}.`,
    charged: (charged: string, balance: string) => `Charged ${charged}. Your balance is now ${balance}.`,
    notLoaded: 'Your balance could not be loaded just now.',
  },
  {
    balance: '잔액',
    yours: (amount: string) => `내 잔액: ${amount}`,
    loading: '내 잔액: …',
    charge: '충전',
    amount: '충전할 금액(원)',
    wholeNumber: (max: string) => `1원부터 ${max}까지 정수로 입력해 주세요.`,
    charged: (charged: string, balance: string) => `${charged}을 충전했습니다. 현재 잔액은 ${balance}입니다.`,
    notLoaded: '지금은 잔액을 불러올 수 없습니다.',
  },
)

/** One charge is 1..10,000,000 won (MAX_CHARGE in packages/shared). */
const MAX_CHARGE = 10_000_000

export interface BalancePanel {
  el: HTMLElement
  refresh(): Promise<void>
  set(balance: number): void
  /** Puts a suggested amount in the form and focuses it (after a payment fell short). */
  suggest(amount: number): void
}

export function createBalancePanel(api: Api, notice: Notice): BalancePanel {
  const amount = h('input', {
    id: 'charge-amount',
    name: 'amount',
    type: 'number',
    inputmode: 'numeric',
    min: 1,
    max: MAX_CHARGE,
    step: 1,
    required: true,
    value: 100000,
  })
  const shown = h('p', { class: 'balance', 'aria-live': 'polite', 'aria-atomic': 'true' }, w.loading)
  const submit = h('button', { type: 'submit', class: 'button' }, w.charge)
  // The same charge retried after a lost answer reuses its key, so it is never counted twice.
  let pending: { amount: number; key: string } | null = null

  const set = (balance: number) => setText(shown, w.yours(formatWon(balance)))

  const form = h(
    'form',
    {
      class: 'charge',
      novalidate: true,
      onsubmit: async (ev) => {
        ev.preventDefault()
        const value = Number(amount.value)
        if (!Number.isInteger(value) || value < 1 || value > MAX_CHARGE) {
          amount.setAttribute('aria-invalid', 'true')
          notice.show(w.wholeNumber(formatWon(MAX_CHARGE)))
          amount.focus()
          return
        }
        amount.removeAttribute('aria-invalid')
        if (pending?.amount !== value) pending = { amount: value, key: newIdempotencyKey() }
        submit.disabled = true
        try {
          const result = await api.charge(value, pending.key)
          pending = null
          set(result.balance)
          notice.show(w.charged(formatWon(result.charged), formatWon(result.balance)), 'success')
        } catch (error) {
          // A final answer (4xx) is kept by the server under this key: a new attempt needs a new key.
          if (error instanceof ApiFailure && error.status >= 400 && error.status < 500) pending = null
          notice.show(describeFailure(error))
        } finally {
          submit.disabled = false
        }
      },
    },
    h('label', { for: 'charge-amount' }, w.amount),
    h('div', { class: 'row' }, amount, submit),
  )

  return {
    el: h('section', { class: 'stack', 'aria-labelledby': 'balance-title' }, h('h3', { id: 'balance-title' }, w.balance), shown, form),
    set,
    async refresh() {
      try {
        set((await api.balance()).balance)
      } catch {
        setText(shown, w.notLoaded)
      }
    },
    suggest(value) {
      amount.value = String(Math.min(MAX_CHARGE, Math.max(1, value)))
      amount.focus()
    },
  }
}
