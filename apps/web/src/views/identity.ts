/** Asks for the user id (the default identity mode sends it as `X-User-Id`). */
import { h } from '../dom.ts'
import { words } from '../lang.ts'

/** The contract's user id: 1–64 characters of `[A-Za-z0-9_-]` (USER_ID_PATTERN in packages/shared). */
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/

const w = words(
  {
    who: 'Who are you?',
    label: 'Your user id',
    hint: 'Letters, digits, "-" and "_", up to 64. It is kept in this browser.',
    invalid: 'A user id is 1 to 64 letters, digits, "-" or "_".',
    go: 'Continue',
  },
  {
    who: '누구신가요?',
    label: '사용자 ID',
    hint: '영문자, 숫자, "-", "_"로 64자까지. 이 브라우저에 저장됩니다.',
    invalid: '사용자 ID는 영문자, 숫자, "-", "_"로 된 1~64자입니다.',
    go: '계속',
  },
)

export function identityView(current: string | null, onDone: (userId: string) => void): HTMLElement {
  const input = h('input', {
    id: 'user-id',
    name: 'userId',
    autocomplete: 'username',
    required: true,
    maxlength: 64,
    pattern: '[A-Za-z0-9_\\-]{1,64}',
    'aria-describedby': 'user-id-hint',
    value: current ?? '',
  })
  const error = h('p', { id: 'user-id-error', class: 'field-error', 'aria-live': 'polite' })
  const form = h(
    'form',
    {
      class: 'card stack',
      novalidate: true,
      onsubmit: (ev) => {
        ev.preventDefault()
        const value = input.value.trim()
        if (!USER_ID.test(value)) {
          error.textContent = w.invalid
          input.setAttribute('aria-invalid', 'true')
          input.focus()
          return
        }
        onDone(value)
      },
    },
    h('h2', {}, w.who),
    h('label', { for: 'user-id' }, w.label),
    input,
    h('p', { id: 'user-id-hint', class: 'hint' }, w.hint),
    error,
    h('button', { type: 'submit', class: 'button primary' }, w.go),
  )
  queueMicrotask(() => input.focus())
  return form
}
