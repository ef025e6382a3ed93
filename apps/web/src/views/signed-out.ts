/** JWT mode without a usable token: the host site signs the user in, so the page can only say so. */
import { h } from '../dom.ts'
import { words } from '../lang.ts'

const w = words(
  {
    again: 'Please sign in again',
    first: 'Sign in first',
    expired:
      'Your sign-in has run out. Go back to the site where you signed in and open the waiting room again: your place in line is kept for a while.',
    none: 'This waiting room is opened from the site where you signed in, which passes your sign-in on to it. Please go back there and open it again.',
  },
  {
    again: '다시 로그인해 주세요',
    first: '먼저 로그인해 주세요',
    expired: '로그인이 만료되었습니다. 로그인한 사이트로 돌아가 대기실을 다시 열어 주세요. 대기 순서는 한동안 유지됩니다.',
    none: '이 대기실은 로그인한 사이트에서 열리며, 그 사이트가 로그인 정보를 넘겨줍니다. 그곳으로 돌아가 다시 열어 주세요.',
  },
)

export function signedOutView(reason: 'none' | 'expired'): HTMLElement {
  return h(
    'section',
    { class: 'card stack', 'data-signed-out': reason },
    h('h2', {}, reason === 'expired' ? w.again : w.first),
    h(
      'p',
      {},
      reason === 'expired' ? w.expired : w.none,
    ),
  )
}
