// DOM helpers. Data is only ever put into the page as text nodes or
// attribute values: nothing here parses HTML.

const SAFE_HREF = /^(#|\/(?!\/))/

/**
 * h('button', {class: 'primary', onclick: fn}, '保存') builds an element.
 * attrs: class, id, type, value, name, for, placeholder, disabled, data-*,
 * aria-*, … and on<event> functions; a false/null/undefined attribute is left
 * out, true sets it empty. children: strings (text nodes), Nodes, arrays,
 * null/false (skipped).
 */
export function h (tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  let value
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue
    if (k.startsWith('on')) {
      // Only functions: an inline handler string would be script from data
      // (and CSP blocks it anyway).
      if (typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v)
      continue
    }
    if (k === 'value') { value = v; continue }
    if (k === 'checked') { el.defaultChecked = true; el.checked = true; continue }
    if (k === 'style' || k === 'srcdoc') continue
    if (k === 'href' && !SAFE_HREF.test(String(v))) continue
    if (k === 'class') { el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : String(v); continue }
    el.setAttribute(k, v === true ? '' : String(v))
  }
  append(el, children)
  // After the children: a <select>'s value needs its options.
  if (value !== undefined) el.value = String(value)
  return el
}

function append (el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false || c === true) continue
    if (Array.isArray(c)) append(el, c)
    else if (c instanceof Node) el.appendChild(c)
    else el.appendChild(document.createTextNode(String(c)))
  }
}

/** Removes every child of el. */
export function clear (el) {
  while (el.firstChild) el.removeChild(el.firstChild)
  return el
}

/**
 * Shows message beside the input named field in form (in the element
 * [data-error-for=field], made after the input when missing);
 * fieldError(form, null) clears every error of the form.
 */
export function fieldError (form, field, message) {
  if (field === null || field === undefined) {
    for (const e of form.querySelectorAll('[data-error-for]')) { e.textContent = ''; e.hidden = true }
    for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid')
    return null
  }
  const input = form.querySelector(`[name="${CSS.escape(field)}"]`)
  let slot = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`)
  if (!slot) {
    slot = h('div', { class: 'field-error', 'data-error-for': field, role: 'alert' })
    if (input) input.insertAdjacentElement('afterend', slot)
    else form.prepend(slot)
  }
  slot.textContent = message || ''
  slot.hidden = !message
  if (input) {
    if (message) input.setAttribute('aria-invalid', 'true')
    else input.removeAttribute('aria-invalid')
    if (message) input.focus()
  }
  return slot
}

/** A labelled form field: label text, the input, and its error slot. */
export function field (label, input, hint) {
  const name = input.getAttribute('name')
  if (name && !input.id) input.id = 'f-' + name.replace(/[^A-Za-z0-9_-]/g, '-') + '-' + (++ids)
  return h('div', { class: 'field' },
    h('label', { for: input.id }, label),
    input,
    hint ? h('div', { class: 'hint' }, hint) : null,
    name ? h('div', { class: 'field-error', 'data-error-for': name, role: 'alert', hidden: true }) : null)
}
let ids = 0

/** The values of a form's named inputs as strings (checkboxes: booleans). */
export function formValues (form) {
  const out = {}
  for (const el of form.elements) {
    if (!el.name) continue
    if (el.type === 'checkbox') out[el.name] = el.checked
    else if (el.type === 'radio') { if (el.checked) out[el.name] = el.value }
    else out[el.name] = el.value
  }
  return out
}

/** A table from column heads and rows of cells (strings or Nodes). */
export function table (heads, rows, attrs = {}) {
  return h('div', { class: 'table-wrap' },
    h('table', attrs,
      h('thead', {}, h('tr', {}, heads.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows)))
}
