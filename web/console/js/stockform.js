// The 商家券 stock form's model and the service's stock rules
// (internal/service/stockrules.go, the budget checks of stocks.go), ported so
// the console refuses what POST /admin/v1/stocks and POST
// /admin/v1/stocks/{stock_id}/budget would refuse locally, naming the same
// details.field (a dotted path: "stock_send_rule.max_coupons"), which is also
// each input's name. Lengths count characters (WeChat Pay's rule), money is
// typed in yuan and sent in fen. No DOM here: test/console/stockform.test.js
// runs it under node --test.

const MAX_AMOUNT = 10_000_000
const MAX_COUPONS = 1_000_000_000
const MAX_PER_USER = 100
const MAX_WAIT_DAYS = 30
const MAX_DAY_PERIODS = 2
const SECONDS_PER_DAY = 86400

export const STOCK_TYPES = [
  { value: 'NORMAL', label: '满减券' },
  { value: 'DISCOUNT', label: '折扣券' },
  { value: 'EXCHANGE', label: '换购券' }
]
export const USE_METHODS = [
  { value: 'OFF_LINE', label: '线下核销' },
  { value: 'MINI_PROGRAMS', label: '小程序核销' },
  { value: 'PAYMENT_CODE', label: '付款码核销' }
]
export const CODE_MODES = [
  { value: 'WECHATPAY_MODE', label: '微信支付生成券码' },
  { value: 'MERCHANT_API', label: '商户接口指定券码' },
  { value: 'MERCHANT_UPLOAD', label: '商户预先上传券码' }
]
export const STOCK_STATUSES = { UNAUDIT: '审核中', RUNNING: '进行中', STOPED: '已停止', PAUSED: '已暂停' }
const STOCK_COLORS = ['Color010', 'Color020', 'Color030', 'Color040', 'Color050', 'Color060', 'Color070', 'Color080', 'Color090', 'Color100']
const CODE_DISPLAY_MODES = ['NOT_SHOW', 'BARCODE', 'QRCODE']

const AT = 'coupon_use_rule.coupon_available_time'

/** Chinese names of the fields. */
export const STOCK_LABELS = {
  stock_name: '批次名称',
  belong_merchant: '商户号',
  comment: '备注',
  goods_name: '适用商品',
  stock_type: '券类型',
  coupon_use_rule: '核销规则',
  'coupon_use_rule.fixed_normal_coupon': '满减规则',
  'coupon_use_rule.fixed_normal_coupon.discount_amount': '减免金额',
  'coupon_use_rule.fixed_normal_coupon.transaction_minimum': '消费门槛',
  'coupon_use_rule.discount_coupon': '折扣规则',
  'coupon_use_rule.discount_coupon.discount_percent': '折扣（百分比）',
  'coupon_use_rule.discount_coupon.transaction_minimum': '消费门槛',
  'coupon_use_rule.exchange_coupon': '换购规则',
  'coupon_use_rule.exchange_coupon.exchange_price': '换购价',
  'coupon_use_rule.exchange_coupon.transaction_minimum': '消费门槛',
  'coupon_use_rule.use_method': '核销方式',
  'coupon_use_rule.mini_programs_appid': '小程序 AppID',
  'coupon_use_rule.mini_programs_path': '小程序页面',
  [AT + '.available_begin_time']: '开始时间',
  [AT + '.available_end_time']: '结束时间',
  [AT + '.available_day_after_receive']: '领取后有效天数',
  [AT + '.wait_days_after_receive']: '领取后几天生效',
  [AT + '.available_week']: '每周可用时间',
  stock_send_rule: '发放规则',
  'stock_send_rule.max_coupons': '发放总数',
  'stock_send_rule.max_coupons_per_user': '每人限领',
  'stock_send_rule.max_coupons_by_day': '每日发放上限',
  'stock_send_rule.natural_person_limit': '按自然人限领',
  'stock_send_rule.prevent_api_abuse': '防刷',
  out_request_no: '请求单号',
  coupon_code_mode: '券码模式',
  'display_pattern_info.description': '使用说明',
  'display_pattern_info.background_color': '背景颜色',
  'display_pattern_info.merchant_name': '商户名称',
  'display_pattern_info.merchant_logo_url': '商户 Logo',
  target_max_coupons: '发放总数',
  target_max_coupons_by_day: '每日发放上限'
}

export const stockLabel = (p) => STOCK_LABELS[p] || p

class Refusal {
  constructor (field, message) {
    this.field = field
    this.message = message
  }
}

function refuse (field, message) {
  throw new Refusal(field, message)
}

function run (check) {
  try {
    check()
    return null
  } catch (e) {
    if (e instanceof Refusal) return { field: e.field, message: e.message }
    throw e
  }
}

// The shape of the create object (service.StockDefinition) for the strict
// decoding the service does first: unknown fields and values of the wrong
// JSON type are refused, naming the field. s: string, i: integer, b: bool.
const ENTRANCE = {
  mini_programs_info: { mini_programs_appid: 's', mini_programs_path: 's', entrance_words: 's', guiding_words: 's' },
  appid: 's', hall_id: 's', store_id: 's', code_display_mode: 's'
}
const AMOUNT = (name) => ({ [name]: 'i', transaction_minimum: 'i' })
const SHAPE = {
  stock_name: 's',
  belong_merchant: 's',
  comment: 's',
  goods_name: 's',
  stock_type: 's',
  coupon_use_rule: {
    coupon_available_time: {
      available_begin_time: 's',
      available_end_time: 's',
      available_day_after_receive: 'i',
      wait_days_after_receive: 'i',
      available_week: { week_day: ['i'], available_day_time: [{ begin_time: 'i', end_time: 'i' }] },
      irregulary_avaliable_time: [{ begin_time: 's', end_time: 's' }]
    },
    fixed_normal_coupon: { discount_amount: 'i', transaction_minimum: 'i' },
    discount_coupon: AMOUNT('discount_percent'),
    exchange_coupon: AMOUNT('exchange_price'),
    use_method: 's',
    mini_programs_appid: 's',
    mini_programs_path: 's'
  },
  stock_send_rule: {
    max_coupons: 'i',
    max_coupons_per_user: 'i',
    max_coupons_by_day: 'i',
    max_amount: 'i',
    max_amount_by_day: 'i',
    natural_person_limit: 'b',
    prevent_api_abuse: 'b',
    transferable: 'b',
    shareable: 'b'
  },
  out_request_no: 's',
  custom_entrance: ENTRANCE,
  display_pattern_info: {
    description: 's',
    merchant_logo_url: 's',
    merchant_name: 's',
    background_color: 's',
    coupon_image_url: 's',
    finder_info: { finder_id: 's', finder_video_id: 's', finder_video_cover_image_url: 's' }
  },
  coupon_code_mode: 's',
  notify_config: { notify_appid: 's' },
  subsidy: 'b'
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)
const typeName = { s: '文字', i: '整数', b: '是或否（true / false）' }

// checkShape walks v against shape in the order of v's keys: null is
// skipped, as encoding/json leaves the field as it is.
function checkShape (v, shape, p) {
  if (v === null || v === undefined) return
  if (Array.isArray(shape)) {
    if (!Array.isArray(v)) refuse(p, `${stockLabel(p)}应为列表`)
    for (const it of v) checkShape(it, shape[0], p)
    return
  }
  if (typeof shape === 'object') {
    if (!isObject(v)) refuse(p, `${stockLabel(p)}格式不对（应为对象）`)
    for (const k of Object.keys(v)) {
      // The service names an unknown field by its own name only.
      if (!Object.prototype.hasOwnProperty.call(shape, k)) refuse(k, `${k} 不是微信支付接受的字段`)
      checkShape(v[k], shape[k], p ? p + '.' + k : k)
    }
    return
  }
  const ok = shape === 's' ? typeof v === 'string'
    : shape === 'b' ? typeof v === 'boolean'
      : typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 53
  if (!ok) refuse(p, `${stockLabel(p)}应为${typeName[shape]}`)
}

const str = (v) => (typeof v === 'string' ? v : '')
const int = (v) => (typeof v === 'number' ? v : 0)
const obj = (v) => (isObject(v) ? v : {})

// Go's strings.TrimSpace.
const blank = (s) => s.replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/, '') === ''

function checkText (p, s, required, max) {
  if (required && blank(s)) refuse(p, `请填写${stockLabel(p)}`)
  let n = 0
  for (const ch of s) {
    const cp = ch.codePointAt(0)
    if (cp > 0xffff) refuse(p, `${stockLabel(p)}含有微信支付不接受的字符（如表情符号）`)
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp === 0xfffd) refuse(p, `${stockLabel(p)}含有无效字符`)
    n++
  }
  if (max > 0 && n > max) refuse(p, `${stockLabel(p)}最多 ${max} 个字，现在是 ${n} 个`)
}

function checkRange (p, n, lo, hi) {
  if (n < lo || n > hi) refuse(p, `${stockLabel(p)}应在 ${lo} 到 ${hi} 之间`)
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/

/** parseRFC3339 reads an RFC 3339 time with its offset as ms since the epoch; undefined when it is not one. */
export function parseRFC3339 (s) {
  const m = RFC3339.exec(s)
  if (!m) return undefined
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number)
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate() || h > 23 || mi > 59 || se > 59) return undefined
  let off = 0
  if (m[8] !== 'Z') {
    const oh = Number(m[9])
    const om = Number(m[10])
    if (oh > 23 || om > 59) return undefined
    off = (oh * 60 + om) * 60000 * (m[8][0] === '-' ? -1 : 1)
  }
  const frac = m[7] ? Number('0' + m[7]) * 1000 : 0
  return Date.UTC(y, mo - 1, d, h, mi, se) + frac - off
}

function stockTime (p, s) {
  if (s === '') refuse(p, `请填写${stockLabel(p)}`)
  const t = parseRFC3339(s)
  if (t === undefined) refuse(p, `${stockLabel(p)}应为带时区的时间，如 2025-01-01T00:00:00+08:00`)
  return t
}

function checkAvailableTime (a, now) {
  const p = AT
  const begin = stockTime(p + '.available_begin_time', str(a.available_begin_time))
  const end = stockTime(p + '.available_end_time', str(a.available_end_time))
  if (!(end > begin)) refuse(p + '.available_end_time', '结束时间须晚于开始时间')
  if (end > oneYearAfter(begin)) refuse(p + '.available_end_time', '批次的可用时间不能超过一年')
  if (!(end > now)) refuse(p + '.available_end_time', '结束时间须在未来')
  const days = int(a.available_day_after_receive)
  if (days < 0 || days > 365) refuse(p + '.available_day_after_receive', '领取后有效天数应在 1 到 365 之间')
  const wait = int(a.wait_days_after_receive)
  if (wait < 0 || wait > MAX_WAIT_DAYS) refuse(p + '.wait_days_after_receive', `领取后几天生效应在 0 到 ${MAX_WAIT_DAYS} 之间`)
  if (wait > 0 && days === 0) refuse(p + '.wait_days_after_receive', '设置了领取后几天生效，须同时填写领取后有效天数')
  checkWeek(p + '.available_week', a.available_week)
  const periods = Array.isArray(a.irregulary_avaliable_time) ? a.irregulary_avaliable_time : []
  periods.forEach((period, i) => {
    const q = `${p}.irregulary_avaliable_time[${i}]`
    const b = stockTime(q + '.begin_time', str(obj(period).begin_time))
    const e = stockTime(q + '.end_time', str(obj(period).end_time))
    if (!(e > b)) refuse(q + '.end_time', '时段的结束须晚于开始')
    if (b < begin || e > end) refuse(q, '时段须在批次的可用时间之内')
  })
}

function checkWeek (p, w) {
  if (!isObject(w)) return
  const days = Array.isArray(w.week_day) ? w.week_day : []
  const times = Array.isArray(w.available_day_time) ? w.available_day_time : []
  if (times.length > 0 && days.length === 0) refuse(p + '.week_day', '设置了每日时段，须同时选择星期')
  days.forEach((d, i) => {
    if (d < 0 || d > 6) refuse(`${p}.week_day[${i}]`, '星期为 0（周日）到 6')
  })
  if (times.length > MAX_DAY_PERIODS) refuse(p + '.available_day_time', `每日最多 ${MAX_DAY_PERIODS} 个时段`)
  times.forEach((t, i) => {
    const q = `${p}.available_day_time[${i}]`
    const b = int(obj(t).begin_time)
    const e = int(obj(t).end_time)
    if (b < 0 || b >= SECONDS_PER_DAY) refuse(q + '.begin_time', '时段开始为一天中的第几秒，0 到 86399')
    if (e < 1 || e >= SECONDS_PER_DAY) refuse(q + '.end_time', '时段结束为一天中的第几秒，1 到 86399')
    if (e <= b) refuse(q + '.end_time', '时段的结束须晚于开始')
  })
}

function checkUseMethod (p, method, appID, path, required) {
  if (method === '' && required) refuse(p + '.use_method', '请选择核销方式')
  if (method === 'SELF_CONSUME') refuse(p + '.use_method', '微信支付不支持 SELF_CONSUME')
  if (method !== '' && !USE_METHODS.some((m) => m.value === method)) refuse(p + '.use_method', '核销方式须为线下、小程序或付款码')
  const mini = method === 'MINI_PROGRAMS'
  checkText(p + '.mini_programs_appid', appID, mini, 32)
  checkText(p + '.mini_programs_path', path, mini, 128)
}

function checkAmountRule (t, r) {
  const p = 'coupon_use_rule'
  for (const [name, typ] of [['fixed_normal_coupon', 'NORMAL'], ['discount_coupon', 'DISCOUNT'], ['exchange_coupon', 'EXCHANGE']]) {
    const set = isObject(r[name])
    if (typ === t && !set) refuse(`${p}.${name}`, `${typeLabel(t)}须填写${stockLabel(p + '.' + name)}`)
    if (typ !== t && set) refuse(`${p}.${name}`, `${stockLabel(p + '.' + name)}只用于${typeLabel(typ)}`)
  }
  if (t === 'NORMAL') {
    const c = r.fixed_normal_coupon
    const q = p + '.fixed_normal_coupon'
    checkRange(q + '.discount_amount', int(c.discount_amount), 1, MAX_AMOUNT)
    checkRange(q + '.transaction_minimum', int(c.transaction_minimum), 1, MAX_AMOUNT)
    if (int(c.discount_amount) > int(c.transaction_minimum)) refuse(q + '.transaction_minimum', '消费门槛不能低于减免金额')
  } else if (t === 'DISCOUNT') {
    const c = r.discount_coupon
    const q = p + '.discount_coupon'
    checkRange(q + '.discount_percent', int(c.discount_percent), 1, 99)
    checkRange(q + '.transaction_minimum', int(c.transaction_minimum), 1, MAX_AMOUNT)
  } else if (t === 'EXCHANGE') {
    const c = r.exchange_coupon
    const q = p + '.exchange_coupon'
    checkRange(q + '.exchange_price', int(c.exchange_price), 0, MAX_AMOUNT)
    checkRange(q + '.transaction_minimum', int(c.transaction_minimum), 1, MAX_AMOUNT)
  }
}

function checkSendRule (r) {
  const p = 'stock_send_rule'
  checkRange(p + '.max_coupons', int(r.max_coupons), 1, MAX_COUPONS)
  checkRange(p + '.max_coupons_per_user', int(r.max_coupons_per_user), 1, MAX_PER_USER)
  if (int(r.max_coupons_per_user) > int(r.max_coupons)) refuse(p + '.max_coupons_per_user', '每人限领不能多于发放总数')
  if (int(r.max_coupons_by_day) !== 0) {
    checkRange(p + '.max_coupons_by_day', int(r.max_coupons_by_day), 1, MAX_COUPONS)
    if (int(r.max_coupons_by_day) > int(r.max_coupons)) refuse(p + '.max_coupons_by_day', '每日发放上限不能多于发放总数')
  }
  if (int(r.max_amount) !== 0) refuse(p + '.max_amount', '微信支付尚未开放按金额设预算，请用发放总数')
  if (int(r.max_amount_by_day) !== 0) refuse(p + '.max_amount_by_day', '微信支付尚未开放按金额设每日预算，请用每日发放上限')
  if (r.transferable === true) refuse(p + '.transferable', '微信支付尚未开放转赠')
  if (r.shareable === true) refuse(p + '.shareable', '微信支付尚未开放分享')
}

function checkRequestNo (p, n) {
  if (n === '') refuse(p, `请填写${stockLabel(p)}`)
  if (n.length > 128 || !/^[0-9A-Za-z|_*-]+$/.test(n)) refuse(p, '请求单号为 1 到 128 位数字、字母或 | _ * -')
}

function checkEntrance (e, create) {
  const p = 'custom_entrance'
  if (!isObject(e)) return
  if (isObject(e.mini_programs_info)) {
    const m = e.mini_programs_info
    const q = p + '.mini_programs_info'
    checkText(q + '.mini_programs_appid', str(m.mini_programs_appid), true, 32)
    checkText(q + '.mini_programs_path', str(m.mini_programs_path), true, 128)
    checkText(q + '.entrance_words', str(m.entrance_words), true, 5)
    checkText(q + '.guiding_words', str(m.guiding_words), false, 6)
  }
  checkText(p + '.appid', str(e.appid), false, 32)
  checkText(p + '.hall_id', str(e.hall_id), false, 64)
  if (!create && str(e.store_id) !== '') refuse(p + '.store_id', '门店创建后不能修改')
  checkText(p + '.store_id', str(e.store_id), false, 64)
  const mode = str(e.code_display_mode)
  if (mode !== '' && !CODE_DISPLAY_MODES.includes(mode)) refuse(p + '.code_display_mode', '券码展示方式须为不展示、条码或二维码')
}

function checkDisplay (d) {
  const p = 'display_pattern_info'
  if (!isObject(d)) return
  for (const [name, max] of [['description', 1000], ['merchant_logo_url', 128], ['merchant_name', 16], ['coupon_image_url', 128]]) {
    checkText(`${p}.${name}`, str(d[name]), false, max)
  }
  const color = str(d.background_color)
  if (color !== '' && !STOCK_COLORS.includes(color)) refuse(p + '.background_color', '背景颜色须为 Color010、Color020 … Color100（区分大小写）')
  if (isObject(d.finder_info)) {
    for (const name of ['finder_id', 'finder_video_id', 'finder_video_cover_image_url']) {
      checkText(`${p}.finder_info.${name}`, str(d.finder_info[name]), true, 128)
    }
  }
}

/** typeLabel is the Chinese name of a stock type. */
export function typeLabel (t) {
  const x = STOCK_TYPES.find((s) => s.value === t)
  return x ? x.label : t
}

/**
 * checkStock checks a create-stock body as the service does at now (a Date
 * or ms; default: the clock): null, or {field, message} for the first
 * refusal. belong_merchant, notify_config and out_request_no may be absent
 * (the service fills them in).
 */
export function checkStock (body, now) {
  const at = now instanceof Date ? now.getTime() : now ?? Date.now()
  return run(() => {
    if (!isObject(body)) refuse('body', '批次内容应为 JSON 对象')
    checkShape(body, SHAPE, '')
    const d = body
    checkText('stock_name', str(d.stock_name), true, 21)
    const bm = str(d.belong_merchant)
    if (bm !== '' && !/^[0-9]{8,15}$/.test(bm)) refuse('belong_merchant', '商户号为 8 到 15 位数字')
    checkText('comment', str(d.comment), false, 20)
    checkText('goods_name', str(d.goods_name), true, 15)
    const t = str(d.stock_type)
    if (t === '') refuse('stock_type', '请选择券类型')
    if (!STOCK_TYPES.some((x) => x.value === t)) refuse('stock_type', '券类型须为满减券、折扣券或换购券')
    const rule = obj(d.coupon_use_rule)
    checkAvailableTime(obj(rule.coupon_available_time), at)
    checkAmountRule(t, rule)
    checkUseMethod('coupon_use_rule', str(rule.use_method), str(rule.mini_programs_appid), str(rule.mini_programs_path), true)
    checkSendRule(obj(d.stock_send_rule))
    if (d.out_request_no !== undefined && d.out_request_no !== null) checkRequestNo('out_request_no', str(d.out_request_no))
    checkEntrance(d.custom_entrance, true)
    checkDisplay(d.display_pattern_info)
    const mode = str(d.coupon_code_mode)
    if (mode === '') refuse('coupon_code_mode', '请选择券码模式')
    if (!CODE_MODES.some((x) => x.value === mode)) refuse('coupon_code_mode', '券码模式须为微信支付生成、商户接口或商户上传')
    if (isObject(d.notify_config)) checkText('notify_config.notify_appid', str(d.notify_config.notify_appid), false, 32)
  })
}

/**
 * checkBudget checks a budget change ({target_max_coupons} or
 * {target_max_coupons_by_day}) of a stock whose figures are stock
 * ({max_coupons, sent}), as the service does; the service reads the figures
 * from WeChat Pay, which may be newer.
 */
export function checkBudget (body, stock = {}) {
  return run(() => {
    const total = body.target_max_coupons
    const daily = body.target_max_coupons_by_day
    const given = (v) => v !== undefined && v !== null
    for (const [k, v] of [['target_max_coupons', total], ['target_max_coupons_by_day', daily]]) {
      if (given(v) && !(typeof v === 'number' && Number.isInteger(v))) refuse(k, `${stockLabel(k)}应为整数`)
    }
    if (!given(total) && !given(daily)) refuse('target_max_coupons', '请填写新的发放总数或每日发放上限')
    if (given(total) && given(daily)) refuse('target_max_coupons_by_day', '一次只改一项：发放总数或每日发放上限')
    if (given(total)) {
      checkRange('target_max_coupons', total, 1, MAX_COUPONS)
      if (total < (stock.sent || 0)) refuse('target_max_coupons', `已发放 ${stock.sent} 张，总数不能低于此数`)
    } else {
      checkRange('target_max_coupons_by_day', daily, 1, MAX_COUPONS)
      if (stock.max_coupons !== undefined && daily > stock.max_coupons) refuse('target_max_coupons_by_day', `每日发放上限不能多于发放总数（${stock.max_coupons}）`)
    }
  })
}

// The form.

const fld = (name, input, extra = {}) => ({ name, input, label: stockLabel(name), ...extra })
const ofType = (t) => (v) => v.stock_type === t
const FNC = 'coupon_use_rule.fixed_normal_coupon'
const DC = 'coupon_use_rule.discount_coupon'
const EC = 'coupon_use_rule.exchange_coupon'

/**
 * stockFields lists the create form's fields, each {name, input, label,
 * required?, max?, options?, help?, when?}; input: text, textarea, int,
 * yuan, datetime, bool, select.
 */
export function stockFields () {
  return [
    fld('stock_name', 'text', { required: true, max: 21 }),
    fld('goods_name', 'text', { required: true, max: 15, help: '如：全场通用' }),
    fld('comment', 'text', { max: 20 }),
    fld('stock_type', 'select', { required: true, options: STOCK_TYPES }),
    fld(FNC + '.discount_amount', 'yuan', { required: true, when: ofType('NORMAL') }),
    fld(FNC + '.transaction_minimum', 'yuan', { required: true, when: ofType('NORMAL'), help: '订单满多少元可用' }),
    fld(DC + '.discount_percent', 'int', { required: true, when: ofType('DISCOUNT'), help: '用户支付的百分比：88 即 8.8 折' }),
    fld(DC + '.transaction_minimum', 'yuan', { required: true, when: ofType('DISCOUNT') }),
    fld(EC + '.exchange_price', 'yuan', { required: true, when: ofType('EXCHANGE') }),
    fld(EC + '.transaction_minimum', 'yuan', { required: true, when: ofType('EXCHANGE') }),
    fld(AT + '.available_begin_time', 'datetime', { required: true }),
    fld(AT + '.available_end_time', 'datetime', { required: true, help: '最长一年' }),
    fld(AT + '.available_day_after_receive', 'int', { help: '可不填：不填则在批次时间内有效' }),
    fld(AT + '.wait_days_after_receive', 'int', { help: '可不填' }),
    fld('coupon_use_rule.use_method', 'select', { required: true, options: USE_METHODS }),
    fld('coupon_use_rule.mini_programs_appid', 'text', { max: 32, when: (v) => v['coupon_use_rule.use_method'] === 'MINI_PROGRAMS' }),
    fld('coupon_use_rule.mini_programs_path', 'text', { max: 128, when: (v) => v['coupon_use_rule.use_method'] === 'MINI_PROGRAMS' }),
    fld('stock_send_rule.max_coupons', 'int', { required: true }),
    fld('stock_send_rule.max_coupons_per_user', 'int', { required: true, help: '1 … 100' }),
    fld('stock_send_rule.max_coupons_by_day', 'int', { help: '可不填' }),
    fld('stock_send_rule.natural_person_limit', 'bool'),
    fld('stock_send_rule.prevent_api_abuse', 'bool'),
    fld('coupon_code_mode', 'select', { required: true, options: CODE_MODES }),
    fld('display_pattern_info.description', 'textarea', { max: 1000 }),
    fld('display_pattern_info.background_color', 'select', { options: [{ value: '', label: '默认' }, ...STOCK_COLORS.map((c) => ({ value: c, label: c }))] })
  ]
}

const pad = (n) => String(n).padStart(2, '0')

/** localInput writes a Date as a datetime-local input's value: 2026-12-01T08:00. */
export function localInput (d) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** rfc3339Local reads a datetime-local value as RFC 3339 with the browser's offset there; undefined when it is not one. */
export function rfc3339Local (s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(s)
  if (!m) return undefined
  const [y, mo, d, h, mi] = m.slice(1, 6).map(Number)
  const se = Number(m[6] || 0)
  const t = new Date(y, mo - 1, d, h, mi, se)
  if (t.getFullYear() !== y || t.getMonth() !== mo - 1 || t.getDate() !== d || t.getHours() !== h) return undefined
  const off = -t.getTimezoneOffset()
  const sign = off < 0 ? '-' : '+'
  const a = Math.abs(off)
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${pad(se)}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`
}

/** yuanToFen reads "12.34" yuan as integer fen; undefined otherwise. */
export function yuanToFen (s) {
  const m = /^\s*(-?)(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(s)
  if (!m) return undefined
  const fen = Number(m[2]) * 100 + Number((m[3] || '').padEnd(2, '0'))
  return m[1] ? -fen : fen
}

/** defaultStockValues are a new stock form's values at now. */
export function defaultStockValues (now = new Date()) {
  const begin = new Date(now.getFullYear(), now.getMonth(), now.getDate())
  const end = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 29, 23, 59)
  return {
    stock_type: 'NORMAL',
    [AT + '.available_begin_time']: localInput(begin),
    [AT + '.available_end_time']: localInput(end),
    'coupon_use_rule.use_method': 'OFF_LINE',
    'stock_send_rule.max_coupons': '1000',
    'stock_send_rule.max_coupons_per_user': '1',
    coupon_code_mode: 'WECHATPAY_MODE'
  }
}

function setPath (o, dotted, value) {
  const parts = dotted.split('.')
  let cur = o
  for (const p of parts.slice(0, -1)) {
    if (!isObject(cur[p])) cur[p] = {}
    cur = cur[p]
  }
  cur[parts[parts.length - 1]] = value
}

/**
 * buildStock turns the form's values into the body of POST
 * /admin/v1/stocks, with out_request_no (one per intended creation, so a
 * retry makes no second stock), and the refusals the service would answer:
 * {body, errors}.
 */
export function buildStock (values, outRequestNo, now = new Date()) {
  const errors = {}
  const body = {}
  const fields = stockFields()
  for (const field of fields) {
    if (field.when && !field.when(values)) continue
    const raw = values[field.name]
    const s = raw === undefined || raw === null ? '' : String(raw).trim()
    if (field.input === 'bool') {
      if (raw === true || raw === 'true' || raw === 'on') setPath(body, field.name, true)
      continue
    }
    if (s === '') {
      if (field.required) errors[field.name] = `请填写${field.label}`
      continue
    }
    if (field.max && [...String(raw)].length > field.max) {
      errors[field.name] = `${field.label}最多 ${field.max} 个字，现在是 ${[...String(raw)].length} 个`
    }
    switch (field.input) {
      case 'int': {
        const n = /^[+-]?\d+$/.test(s) ? Number(s) : undefined
        if (n === undefined || !Number.isSafeInteger(n)) errors[field.name] = `${field.label}应为整数`
        else setPath(body, field.name, n)
        break
      }
      case 'yuan': {
        const fen = yuanToFen(s)
        if (fen === undefined) errors[field.name] = `${field.label}应为金额（元），最多两位小数`
        else setPath(body, field.name, fen)
        break
      }
      case 'datetime': {
        const t = rfc3339Local(s)
        if (t === undefined) errors[field.name] = `${field.label}应为日期和时间`
        else setPath(body, field.name, t)
        break
      }
      default:
        setPath(body, field.name, String(raw))
    }
  }
  // The type's rule object exists even when its amounts are missing, so the
  // rules name the amount rather than the rule.
  const ruleKey = { NORMAL: 'fixed_normal_coupon', DISCOUNT: 'discount_coupon', EXCHANGE: 'exchange_coupon' }[values.stock_type]
  if (ruleKey) setPath(body, `coupon_use_rule.${ruleKey}`, { ...(body.coupon_use_rule?.[ruleKey] || {}) })
  if (outRequestNo) body.out_request_no = outRequestNo
  if (Object.keys(errors).length === 0) {
    const first = checkStock(body, now)
    if (first) errors[first.field] = first.message
  }
  return { body, errors }
}

/** newRequestNo is a fresh out_request_no: 1–128 of 0-9 A-Z a-z | _ * -. */
export function newRequestNo () {
  return 'console-' + globalThis.crypto.randomUUID().replaceAll('-', '')
}

/**
 * buildBudget reads the budget form's one value (name: target_max_coupons or
 * target_max_coupons_by_day) for a stock ({max_coupons, sent}): {body, errors}.
 */
export function buildBudget (name, raw, stock) {
  const s = String(raw ?? '').trim()
  if (s === '') return { body: null, errors: { [name]: `请填写${stockLabel(name)}` } }
  if (!/^\d+$/.test(s)) return { body: null, errors: { [name]: `${stockLabel(name)}应为整数` } }
  const body = { [name]: Number(s) }
  const first = checkBudget(body, stock)
  return { body, errors: first ? { [first.field]: first.message } : {} }
}

// oneYearAfter is the same date and time a year on, in China time: WeChat Pay's
// "at most 1 year" (366 days only across a 29 February), as the service checks it.
function oneYearAfter (ms) {
  const china = new Date(ms + 8 * 3600 * 1000)
  china.setUTCFullYear(china.getUTCFullYear() + 1)
  return china.getTime() - 8 * 3600 * 1000
}
