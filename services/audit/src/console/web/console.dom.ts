/// <reference lib="dom" />

type Child = Node | string | number | null | undefined | false;

/**
 * Builds an element. Children that are strings become text nodes and attributes are set one by one, so no
 * value from the store is ever parsed as HTML (a subject named `<img src=x onerror=…>` shows as that text).
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined) el.setAttribute(name, value);
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return el;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from the page`);
  return el as T;
}

export function clear(el: Element): void {
  el.replaceChildren();
}

export function show(el: HTMLElement, visible: boolean): void {
  el.hidden = !visible;
}
