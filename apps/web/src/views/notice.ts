/**
 * The page's one alert region. It exists (empty, so hidden by CSS) from the first paint, so that
 * screen readers announce what is put into it; a notice may carry one action, such as "Line up again".
 */
import { h } from '../dom.ts'

export interface NoticeAction {
  label: string
  run: () => void
}

export interface Notice {
  show(message: string, kind?: 'error' | 'info' | 'success', action?: NoticeAction): void
  clear(): void
}

export function createNotice(region: HTMLElement): Notice {
  return {
    show(message, kind = 'error', action) {
      region.className = `notice notice-${kind}`
      const children: Node[] = [h('p', {}, message)]
      if (action) {
        children.push(
          h('button', { type: 'button', class: 'button', onclick: () => action.run() }, action.label),
        )
      }
      region.replaceChildren(...children)
    },
    clear() {
      region.className = 'notice'
      region.replaceChildren()
    },
  }
}
