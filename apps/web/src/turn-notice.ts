/**
 * A fan whose turn comes while the page is in a background tab must notice it: the tab's title
 * says so until the tab is looked at again, and, when the fan has allowed it, a system notification
 * (the Notification API) says so too. Permission is asked only when the fan presses the button the
 * waiting room offers for it, never on its own.
 */
import { words } from './lang.ts'

const w = words(
  {
    title: (concert: string) => `▶ Your turn: ${concert}`,
    body: 'It is your turn to choose seats. Come back to the page to buy your tickets.',
  },
  {
    title: (concert: string) => `▶ 차례가 되었습니다: ${concert}`,
    body: '좌석을 고를 차례입니다. 페이지로 돌아와 티켓을 구매하세요.',
  },
)

const supported = () => typeof Notification !== 'undefined'

/** The fan has not yet said whether the page may notify them. */
export function mayAskToNotify(): boolean {
  return supported() && Notification.permission === 'default'
}

/** Asks the browser's permission (from a click); true when notifications are allowed. */
export async function askToNotify(): Promise<boolean> {
  if (!supported()) return false
  return (await Notification.requestPermission()) === 'granted'
}

export function notifying(): boolean {
  return supported() && Notification.permission === 'granted'
}

/** The turn has come: if the tab is hidden, its title and (when allowed) a notification say so. */
export function announceTurn(concert: string): void {
  if (!document.hidden) return
  const title = document.title
  document.title = w.title(concert)
  const restore = () => {
    if (document.hidden) return
    document.title = title
    document.removeEventListener('visibilitychange', restore)
  }
  document.addEventListener('visibilitychange', restore)
  if (notifying()) {
    const note = new Notification(w.title(concert), { body: w.body, tag: 'rushgate-turn' })
    note.onclick = () => {
      window.focus()
      note.close()
    }
  }
}
