// Form pieces shared by the 卡券 and 商家券批次 pages: inputs built from the
// field descriptions of cardform.js and stockform.js (each input named by its
// API field path), refusals shown beside their field, and an in-page
// confirmation. Text only: everything goes through h().
import { h, field, fieldError } from './dom.js'

/**
 * input builds the input of a field description {name, input, options?}
 * holding value: text, textarea, int, yuan, date, datetime, bool, select,
 * color (a select with a swatch), logo (a URL with an upload button;
 * onUpload(file) answers the URL).
 */
export function input (desc, value, { onUpload } = {}) {
  const name = desc.name
  const v = value === undefined || value === null ? '' : value
  switch (desc.input) {
    case 'textarea':
      return h('textarea', { name, rows: 3, value: v })
    case 'int':
      return h('input', { name, inputmode: 'numeric', autocomplete: 'off', value: v })
    case 'yuan':
      return h('input', { name, inputmode: 'decimal', autocomplete: 'off', placeholder: '元', value: v })
    case 'date':
      return h('input', { name, type: 'date', value: v })
    case 'datetime':
      return h('input', { name, type: 'datetime-local', value: v })
    case 'bool':
      return h('input', { name, type: 'checkbox', checked: v === true })
    case 'select':
    case 'color': {
      const sel = h('select', { name, value: v },
        desc.options.map((o) => h('option', { value: o.value }, o.color ? `${o.label}（${o.color}）` : o.label)))
      return sel
    }
    default:
      return h('input', { name, autocomplete: 'off', value: v })
  }
}

/** row is a field's labelled row: the input, its hint and its error slot. */
export function row (desc, value, opts = {}) {
  const el = input(desc, value, opts)
  let wrap
  if (desc.input === 'bool') {
    if (!el.id) el.id = 'f-' + desc.name.replace(/[^A-Za-z0-9_-]/g, '-')
    wrap = h('div', { class: 'field field-bool' },
      h('label', { for: el.id }, el, ' ', desc.label),
      desc.help ? h('div', { class: 'hint' }, desc.help) : null,
      h('div', { class: 'field-error', 'data-error-for': desc.name, role: 'alert', hidden: true }))
  } else {
    wrap = field(desc.label + (desc.required ? ' *' : ''), el, desc.help)
  }
  wrap.dataset.field = desc.name
  if (desc.input === 'color') {
    const swatch = h('span', { class: 'swatch swatch-' + el.value, 'aria-hidden': 'true' })
    el.addEventListener('change', () => { swatch.className = 'swatch swatch-' + el.value })
    el.insertAdjacentElement('afterend', swatch)
  }
  if (desc.input === 'logo' && opts.onUpload) {
    const status = h('span', { class: 'hint', 'data-testid': 'logo-status' })
    const fileId = el.id + '-file'
    const file = h('input', { type: 'file', id: fileId, class: 'visually-hidden', accept: 'image/png,image/jpeg', 'data-testid': 'logo-file' })
    file.addEventListener('change', async () => {
      if (!file.files || !file.files[0]) return
      status.textContent = '正在上传…'
      try {
        el.value = await opts.onUpload(file.files[0])
        status.textContent = '已上传'
      } catch (err) {
        status.textContent = ''
        fieldError(wrap.closest('form'), desc.name, '上传失败：' + (err.userMessage || err.message))
      }
      file.value = ''
    })
    el.insertAdjacentElement('afterend', h('div', { class: 'upload' }, file, h('label', { for: fileId, class: 'button' }, '上传图片'), status))
  }
  return wrap
}

/** applyWhen shows the rows of form whose field applies to values, hides the others. */
export function applyWhen (form, fields, values) {
  for (const desc of fields) {
    if (!desc.when) continue
    const wrap = form.querySelector(`[data-field="${CSS.escape(desc.name)}"]`)
    if (wrap) wrap.hidden = !desc.when(values)
  }
}

/**
 * showErrors shows refusals ({field: message}) beside their inputs, the
 * first one focused; a refusal whose field has no visible input goes to
 * status. Returns whether there was any.
 */
export function showErrors (form, errors, status, labelOf = (x) => x) {
  fieldError(form, null)
  if (status) { status.textContent = ''; status.hidden = true }
  const entries = Object.entries(errors)
  const orphans = []
  // In reverse, so the first field shown is the one left focused.
  for (const [name, message] of entries.slice().reverse()) {
    const el = form.querySelector(`[name="${CSS.escape(name)}"]`)
    const wrap = el && el.closest('[data-field]')
    if (el && !(wrap && wrap.hidden)) {
      const more = el.closest('details')
      if (more) more.open = true
      fieldError(form, name, message)
    }
    else orphans.unshift(`${labelOf(name)}：${message}`)
  }
  if (orphans.length && status) {
    status.textContent = orphans.join('；')
    status.hidden = false
  }
  return entries.length > 0
}

/**
 * serverRefusal shows an API error on the form: an invalid_argument naming
 * a field beside that field (with the local rules' Chinese message when
 * they refuse the same field, else the service's), anything else in status.
 */
export function serverRefusal (form, err, status, labelOf, localMessage) {
  const f = err && err.details && err.details.field
  if (err && err.code === 'invalid_argument' && typeof f === 'string' && f) {
    // The service's own words (English) only as the slot's tooltip: the page speaks Chinese.
    const msg = (localMessage && localMessage(f, err)) || `${labelOf(f)}不符合要求，请检查后重试`
    showErrors(form, { [f]: msg }, status, labelOf)
    const slot = form.querySelector(`[data-error-for="${CSS.escape(f)}"]`)
    if (slot && err.message) slot.title = err.message
    return
  }
  fieldError(form, null)
  const d = (err && err.details) || {}
  const why = d.wechat_errcode ? `（微信错误码 ${d.wechat_errcode}）`
    : d.wechatpay_code ? `（微信支付：${d.wechatpay_message || d.wechatpay_code}）` : ''
  status.textContent = ((err && err.userMessage) || '操作失败') + why
  status.hidden = false
}

/**
 * confirmBox shows an in-page confirmation in place (not window.confirm):
 * message, a danger button that runs onConfirm, and 取消. Answers the box.
 */
export function confirmBox (message, confirmText, onConfirm, testid = 'confirm') {
  const yes = h('button', { type: 'button', class: 'danger', 'data-testid': testid + '-yes' }, confirmText)
  const no = h('button', { type: 'button', 'data-testid': testid + '-no' }, '取消')
  const box = h('div', { class: 'confirm-box', role: 'alertdialog', 'data-testid': testid },
    h('p', {}, message), h('div', { class: 'actions' }, yes, no))
  yes.addEventListener('click', async () => {
    yes.disabled = no.disabled = true
    try { await onConfirm() } finally { box.remove() }
  })
  no.addEventListener('click', () => box.remove())
  return box
}

/**
 * onceKey keeps one key per intended request: the same body again (a double
 * click, a retry after a network error) gets the same key; another body a
 * fresh one. reset() after success.
 */
export function onceKey (fresh) {
  let last = null
  let key = null
  return {
    for (body) {
      const s = JSON.stringify(body)
      if (s !== last) { last = s; key = fresh() }
      return key
    },
    reset () { last = null; key = null }
  }
}
