/**
 * The page's language, Korean or English: chosen from navigator.languages, switchable, remembered
 * in localStorage. A switch reloads the page, so every table of words is picked once, at load.
 */
export type Lang = 'ko' | 'en'
const LANG_KEY = 'rushgate.lang'

function chooseLang(): Lang {
  try {
    const saved = localStorage.getItem(LANG_KEY)
    if (saved === 'ko' || saved === 'en') return saved
  } catch {}
  for (const l of navigator.languages ?? [navigator.language]) {
    if (/^ko\b/i.test(l)) return 'ko'
    if (/^en\b/i.test(l)) return 'en'
  }
  return 'en'
}

export let lang: Lang = chooseLang()

/** Remembers the choice; the caller reloads the page to redraw in it. */
export function setLang(next: Lang): void {
  try {
    localStorage.setItem(LANG_KEY, next)
  } catch {}
  lang = next
}

/**
 * A view's words in both languages, as one table per language with the same keys and the same
 * signatures (the compiler refuses a Korean table that misses a sentence), picked for the page.
 */
export function words<T extends object>(en: T, ko: NoInfer<T>): T {
  return lang === 'ko' ? ko : en
}

/**
 * A page's fixed words in its language — `<html lang>`, the title, the header's tagline and any
 * other text of its HTML, by selector — and the language switch in its header.
 */
export function dressPage(words: { title: string; tagline: string; language: string }, texts: Record<string, string> = {}): void {
  document.documentElement.lang = lang
  document.title = words.title
  for (const [selector, text] of Object.entries({ '.tagline': words.tagline, ...texts })) {
    const el = document.querySelector(selector)
    if (el) el.textContent = text
  }
  document.querySelector('.top')?.append(languageSwitch(words.language))
}

/** The language switch of the page's header: 한국어 / English, remembered, then the page redrawn. */
function languageSwitch(label: string): HTMLSelectElement {
  const select = document.createElement('select')
  select.id = 'lang'
  select.setAttribute('aria-label', label)
  for (const [value, name] of [
    ['ko', '한국어'],
    ['en', 'English'],
  ] as const) {
    select.append(new Option(name, value, false, lang === value))
  }
  select.addEventListener('change', () => {
    setLang(select.value === 'ko' ? 'ko' : 'en')
    location.reload()
  })
  return select
}
