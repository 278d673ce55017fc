// The card form's model: which fields each card type's form shows, how the
// values typed into it become the body of POST /admin/v1/cards or PATCH
// /admin/v1/cards/{card_id}, and the refusals the service would answer,
// keyed by its details.field path ("base_info.title", "reduce_cost"), which
// is also each input's name. Money is typed in yuan and sent in fen; dates
// are typed as YYYY-MM-DD and sent as Unix seconds of the browser's day.
// No DOM here: test/console/cardform.test.js runs it under node --test.

import {
  CARD_TYPES, CARD_KEYS, CODE_TYPES, COLORS, DATE_RANGE, DATE_TERM, DATE_PERMANENT,
  checkCardBody, checkCardUpdate, isUpdatable, labelOf, lengthMessage, utf8Length, wholeNumber
} from './cardrules.js'

export {
  CARD_TYPES, CODE_TYPES, COLORS, DATE_RANGE, DATE_TERM, DATE_PERMANENT,
  checkCardBody, checkCardObject, checkCardUpdate, isUpdatable, labelOf, utf8Length
} from './cardrules.js'

const CODE_TYPE_LABELS = {
  CODE_TYPE_TEXT: '文本', CODE_TYPE_BARCODE: '一维码', CODE_TYPE_QRCODE: '二维码',
  CODE_TYPE_ONLY_QRCODE: '仅二维码', CODE_TYPE_ONLY_BARCODE: '仅一维码', CODE_TYPE_NONE: '不显示 Code'
}

/** typeLabel is the Chinese name of a card type. */
export function typeLabel (cardType) {
  const t = CARD_TYPES.find((x) => x.type === cardType)
  return t ? t.label : cardType
}

const f = (name, input, extra = {}) => ({ name, input, label: labelOf(name), ...extra })

const isRange = (v) => v['base_info.date_info.type'] === DATE_RANGE
const isTerm = (v) => v['base_info.date_info.type'] === DATE_TERM

// The type's own fields.
const OWN_FIELDS = {
  GENERAL_COUPON: [f('default_detail', 'textarea', { required: true, maxBytes: 3072, help: '如：全场九折' })],
  GROUPON: [f('deal_detail', 'textarea', { required: true, maxBytes: 3072, help: '如：双人套餐一份' })],
  CASH: [
    f('least_cost', 'yuan', { required: true, help: '订单满多少元可用，0 为无门槛' }),
    f('reduce_cost', 'yuan', { required: true, help: '减免多少元' })
  ],
  DISCOUNT: [f('discount', 'int', { required: true, help: '打折的百分比：30 即七折（1 … 99）' })],
  GIFT: [f('gift', 'textarea', { required: true, maxBytes: 3072, help: '如：可兑换咖啡一杯' })],
  MEMBER_CARD: [
    f('prerogative', 'textarea', { required: true, maxBytes: 3072, help: '如：会员享受全场九折' }),
    f('supply_bonus', 'bool', { required: true }),
    f('supply_balance', 'bool', { required: true }),
    f('auto_activate', 'bool', { help: '领卡即激活；与一键开卡、激活网址只能选一种' }),
    f('wx_activate', 'bool', { help: '用微信的开卡表单激活' }),
    f('activate_url', 'text', { maxBytes: 128, help: '自己的激活网页（可不填）' }),
    f('discount', 'int', { label: '会员折扣', help: '优惠的百分比：10 即九折（0 … 99，可不填）' }),
    f('bonus_rule.init_increase_bonus', 'int', { help: '激活时赠送的积分（可不填）' })
  ]
}

/**
 * cardFields lists the fields of a card type's form, in order, each
 * {name, input, label, required?, maxBytes?, options?, help?, group, when?}.
 * input: text, textarea, int, yuan, date, bool, select, color, logo.
 * when(values): whether the field applies to the values typed so far.
 */
export function cardFields (cardType) {
  const dateTypes = [{ value: DATE_RANGE, label: '固定日期' }, { value: DATE_TERM, label: '领取后若干天' }]
  if (cardType === 'MEMBER_CARD') dateTypes.push({ value: DATE_PERMANENT, label: '永久有效' })
  const groups = [
    ['基本信息', [
      f('base_info.brand_name', 'text', { required: true, maxBytes: 36 }),
      f('base_info.logo_url', 'logo', { required: true, maxBytes: 128, help: '上传 JPG/PNG（不超过 1 MB），或填写已上传图片的网址' }),
      f('base_info.title', 'text', { required: true, maxBytes: 27, help: '最多 27 字节：9 个汉字或 27 个字母' }),
      f('base_info.sub_title', 'text', { maxBytes: 54 }),
      f('base_info.color', 'color', { required: true, options: COLORS.map((c) => ({ value: c.name, label: c.name, color: c.value })) }),
      f('base_info.code_type', 'select', { required: true, options: CODE_TYPES.map((c) => ({ value: c, label: CODE_TYPE_LABELS[c] })) }),
      f('base_info.notice', 'text', { required: true, maxBytes: 48, help: '如：使用时向服务员出示此券' }),
      f('base_info.description', 'textarea', { required: true, maxBytes: 3072 })
    ]],
    [typeLabel(cardType) + '内容', OWN_FIELDS[cardType] || []],
    ['库存与有效期', [
      f('base_info.sku.quantity', 'int', { required: true, help: '1 … 100000000' }),
      f('base_info.date_info.type', 'select', { required: true, options: dateTypes }),
      f('base_info.date_info.begin_timestamp', 'date', { when: isRange }),
      f('base_info.date_info.end_timestamp', 'date', { when: (v) => isRange(v) || isTerm(v), help: '领取后若干天的券可不填（无统一截止日期）' }),
      f('base_info.date_info.fixed_term', 'int', { when: isTerm }),
      f('base_info.date_info.fixed_begin_term', 'int', { when: isTerm, help: '0 为领取当天生效' }),
      f('base_info.get_limit', 'int', { help: '可不填' }),
      f('base_info.use_limit', 'int', { help: '可不填' })
    ]],
    ['更多选项', [
      f('base_info.can_share', 'bool'),
      f('base_info.can_give_friend', 'bool'),
      f('base_info.service_phone', 'text', { maxBytes: 24 }),
      f('base_info.center_title', 'text', { maxBytes: 18 }),
      f('base_info.center_sub_title', 'text', { maxBytes: 24 }),
      f('base_info.center_url', 'text', { maxBytes: 128 }),
      f('base_info.custom_url_name', 'text', { maxBytes: 15 }),
      f('base_info.custom_url', 'text', { maxBytes: 128 }),
      f('base_info.custom_url_sub_title', 'text', { maxBytes: 18 }),
      f('base_info.promotion_url_name', 'text', { maxBytes: 15 }),
      f('base_info.promotion_url', 'text', { maxBytes: 128 }),
      f('base_info.promotion_url_sub_title', 'text', { maxBytes: 18 })
    ]]
  ]
  const out = []
  for (const [group, fields] of groups) for (const field of fields) out.push({ ...field, group })
  return out
}

/** editFields are the fields of cardFields that PATCH may change (WeChat's card/update). */
export function editFields (cardType) {
  return cardFields(cardType).filter((x) => isUpdatable(cardType, x.name)).map((x) => ({ ...x, required: false }))
}

const pad = (n) => String(n).padStart(2, '0')

/** dayOf is a Date's local day as YYYY-MM-DD. */
export function dayOf (d) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** daySeconds reads YYYY-MM-DD as the Unix seconds of its local start (or last second); undefined when not a day. */
export function daySeconds (s, endOfDay = false) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  if (!m) return undefined
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const t = endOfDay ? new Date(y, mo - 1, d, 23, 59, 59) : new Date(y, mo - 1, d, 0, 0, 0)
  if (t.getFullYear() !== y || t.getMonth() !== mo - 1 || t.getDate() !== d) return undefined
  return Math.floor(t.getTime() / 1000)
}

/** yuanToFen reads "12.3" or "12.34" yuan as integer fen (no floating point); undefined otherwise. */
export function yuanToFen (s) {
  const m = /^\s*(-?)(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(s)
  if (!m) return undefined
  const fen = Number(m[2]) * 100 + Number((m[3] || '').padEnd(2, '0'))
  return m[1] ? -fen : fen
}

/** fenToYuan writes integer fen as a yuan amount for an input: 1230 → "12.30". */
export function fenToYuan (fen) {
  const n = Math.abs(fen)
  return `${fen < 0 ? '-' : ''}${Math.floor(n / 100)}.${pad(n % 100)}`
}

/** defaultValues are a new form's values for a card type at now (a Date). */
export function defaultValues (cardType, now = new Date()) {
  const end = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 30)
  const v = {
    'base_info.code_type': 'CODE_TYPE_QRCODE',
    'base_info.color': 'Color010',
    'base_info.sku.quantity': '100',
    'base_info.date_info.type': cardType === 'MEMBER_CARD' ? DATE_PERMANENT : DATE_RANGE,
    'base_info.date_info.begin_timestamp': dayOf(now),
    'base_info.date_info.end_timestamp': dayOf(end),
    'base_info.date_info.fixed_term': '30',
    'base_info.date_info.fixed_begin_term': '0',
    'base_info.get_limit': '1',
    'base_info.can_share': true,
    'base_info.can_give_friend': true
  }
  if (cardType === 'MEMBER_CARD') {
    Object.assign(v, { supply_bonus: true, supply_balance: true, auto_activate: true })
  }
  return v
}

const applies = (field, values) => !field.when || field.when(values)

function setPath (obj, dotted, value) {
  const parts = dotted.split('.')
  let cur = obj
  for (const p of parts.slice(0, -1)) {
    if (typeof cur[p] !== 'object' || cur[p] === null) cur[p] = {}
    cur = cur[p]
  }
  cur[parts[parts.length - 1]] = value
}

// convert reads one field's typed value: {skip} when it is left out,
// {value} for the API, or {error}. Integers that do not parse go on as text,
// so that the rules refuse them with the service's own field.
function convert (field, raw) {
  const v = raw === undefined || raw === null ? '' : raw
  switch (field.input) {
    case 'bool':
      return { value: v === true || v === 'true' || v === 'on' }
    case 'int': {
      const s = String(v).trim()
      if (s === '') return { skip: true }
      const n = wholeNumber(s)
      return { value: n === undefined ? s : n }
    }
    case 'yuan': {
      const s = String(v).trim()
      if (s === '') return { skip: true }
      const fen = yuanToFen(s)
      if (fen === undefined) return { error: `${field.label}应为金额（元），最多两位小数` }
      return { value: fen }
    }
    case 'date': {
      const s = String(v).trim()
      if (s === '') return { skip: true }
      const sec = daySeconds(s, field.name.endsWith('end_timestamp'))
      if (sec === undefined) return { error: `${field.label}应为日期` }
      return { value: sec }
    }
    default: {
      const s = String(v)
      if (s === '') return { skip: true }
      return { value: s }
    }
  }
}

// fieldChecks are the refusals of single fields that the service would
// also answer (it answers only the first): a required field left empty, a
// text longer than its byte limit.
function fieldChecks (fields, values, errors) {
  for (const field of fields) {
    if (!applies(field, values) || errors[field.name]) continue
    const raw = values[field.name]
    const empty = raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')
    if (field.required && field.input !== 'bool' && empty) {
      errors[field.name] = `请填写${field.label}`
    } else if (field.maxBytes && typeof raw === 'string' && utf8Length(raw) > field.maxBytes) {
      errors[field.name] = lengthMessage(field.name, field.maxBytes, utf8Length(raw))
    }
  }
}

/**
 * buildCard turns a form's values (input name → text, or boolean for
 * checkboxes) into the body of POST /admin/v1/cards and the refusals the
 * service would answer, keyed by field: {body, errors}. errors is empty when
 * the service's local checks pass; it holds every single-field refusal and
 * the service's first refusal.
 */
export function buildCard (cardType, values, now = new Date()) {
  const errors = {}
  const key = CARD_KEYS[cardType]
  if (!key) return { body: null, errors: { card_type: '请选择卡券类型' } }
  const obj = {}
  const fields = cardFields(cardType)
  for (const field of fields) {
    if (!applies(field, values)) continue
    const c = convert(field, values[field.name])
    if (c.error) errors[field.name] = c.error
    else if (!c.skip) setPath(obj, field.name, c.value)
  }
  const body = { card: { card_type: cardType, [key]: obj } }
  fieldChecks(fields, values, errors)
  if (Object.keys(errors).length === 0) {
    const first = checkCardBody(body, now)
    if (first) errors[first.field] = first.message
  }
  return { body, errors }
}

/** typeObject is the type object ({base_info, …}) of a card as GET /admin/v1/cards/{card_id} answers it in `card`. */
export function typeObject (cardType, card) {
  const key = CARD_KEYS[cardType]
  const inner = card && typeof card === 'object' && card.card ? card.card : card
  return (inner && inner[key]) || {}
}

function getPath (obj, dotted) {
  let cur = obj
  for (const p of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = cur[p]
  }
  return cur
}

/** valuesFromCard are the edit form's values of a card's type object. */
export function valuesFromCard (cardType, obj) {
  const v = {}
  for (const field of cardFields(cardType)) {
    let x = getPath(obj, field.name)
    if (field.name.startsWith('base_info.date_info.') && field.name !== 'base_info.date_info.type') {
      x = wholeNumber(x ?? '')
      if (x === undefined || (x === 0 && field.input === 'date')) continue
    }
    if (x === undefined || x === null) continue
    switch (field.input) {
      case 'bool': v[field.name] = x === true; break
      case 'yuan': v[field.name] = fenToYuan(Number(x)); break
      case 'date': v[field.name] = dayOf(new Date(Number(x) * 1000)); break
      case 'select':
        v[field.name] = field.name === 'base_info.date_info.type' ? (dateTypeName(x) || String(x)) : String(x)
        break
      default: v[field.name] = String(x)
    }
  }
  return v
}

function dateTypeName (x) {
  if (x === 1 || x === '1') return DATE_RANGE
  if (x === 2 || x === '2') return DATE_TERM
  return typeof x === 'string' ? x : ''
}

/**
 * buildUpdate turns an edit form's values into the PATCH body holding only
 * what changed from before (the values the form started with), with the
 * refusals the service would answer for a card whose validity is current
 * (the catalogue's date_info): {patch, errors}.
 */
export function buildUpdate (cardType, values, before, current, now = new Date()) {
  const errors = {}
  const patch = {}
  const fields = editFields(cardType)
  let dateChanged = false
  for (const field of fields) {
    if (!applies(field, values)) continue
    const a = values[field.name] ?? (field.input === 'bool' ? false : '')
    const b = before[field.name] ?? (field.input === 'bool' ? false : '')
    if (String(a).trim() === String(b).trim()) continue
    if (field.name.startsWith('base_info.date_info.')) {
      dateChanged = true
      continue
    }
    const c = convert(field, a)
    if (c.error) errors[field.name] = c.error
    else if (c.skip && field.input !== 'int' && field.input !== 'yuan') setPath(patch, field.name, '')
    else if (!c.skip) setPath(patch, field.name, c.value)
  }
  if (dateChanged) {
    // date_info goes whole: the type and what it needs.
    const di = {}
    for (const field of fields) {
      if (!field.name.startsWith('base_info.date_info.') || !applies(field, values)) continue
      const c = convert(field, values[field.name])
      if (c.error) errors[field.name] = c.error
      else if (!c.skip) di[field.name.slice('base_info.date_info.'.length)] = c.value
    }
    setPath(patch, 'base_info.date_info', di)
  }
  fieldChecks(fields, values, errors)
  if (Object.keys(errors).length === 0) {
    const first = checkCardUpdate(cardType, patch, current || {}, now)
    if (first) errors[first.field] = first.message
  }
  return { patch, errors }
}

/** newIdempotencyKey is a fresh Idempotency-Key for one intended creation. */
export function newIdempotencyKey () {
  return 'console-' + globalThis.crypto.randomUUID()
}
