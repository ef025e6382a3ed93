/** A tiny element builder: enough to keep the views readable without a framework. */
type Attrs = Record<string, string | number | boolean | null | undefined | ((ev: Event) => void)>
type Child = Node | string | null | undefined | false

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value)
    else if (value === true) el.setAttribute(name, '')
    else el.setAttribute(name, String(value))
  }
  append(el, children)
  return el
}

export function append(el: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    el.append(child)
  }
}

/** Sets text only when it changed, so screen readers are not told the same thing twice. */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text
}
