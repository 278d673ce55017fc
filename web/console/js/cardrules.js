// The service's card rules (internal/service/cardrules*.go), ported so the
// console refuses in the browser exactly what POST /admin/v1/cards and
// PATCH /admin/v1/cards/{card_id} would refuse locally: the same checks in the
// same order, the first refusal naming the same details.field path, relative
// to the card's type object ("base_info.title", "reduce_cost",
// "advanced_info.time_limit[0].type"). Messages are Chinese. No DOM here.
//
// Kept in step with the Go rules by test/console/cardform.test.js, whose
// cases are those of internal/service/cardrules_test.go.

/** Card types: their object key and Chinese name. */
export const CARD_TYPES = [
  { type: 'GENERAL_COUPON', key: 'general_coupon', label: '优惠券' },
  { type: 'GROUPON', key: 'groupon', label: '团购券' },
  { type: 'CASH', key: 'cash', label: '代金券' },
  { type: 'DISCOUNT', key: 'discount', label: '折扣券' },
  { type: 'GIFT', key: 'gift', label: '兑换券' },
  { type: 'MEMBER_CARD', key: 'member_card', label: '会员卡' }
]

export const CARD_KEYS = Object.fromEntries(CARD_TYPES.map((t) => [t.type, t.key]))

export const DATE_RANGE = 'DATE_TYPE_FIX_TIME_RANGE'
export const DATE_TERM = 'DATE_TYPE_FIX_TERM'
export const DATE_PERMANENT = 'DATE_TYPE_PERMANENT'

const MAX_SKU_QUANTITY = 100_000_000
const MAX_TERM_DAYS = 2 ** 31 - 1
const DEPOSIT = 'GET_CUSTOM_CODE_MODE_DEPOSIT'
const MEMBER = 'MEMBER_CARD'

// Field kinds, as in fieldRule.kind.
const S = 'string'
const B = 'bool'
const I = 'int'
const IL = 'intlist'
const O = 'object'

// [name, kind, max UTF-8 bytes (0: none), required at creation, updatable]
const rule = ([name, kind, max, required, updatable]) => ({ name, kind, max, required, updatable })

/** base_info's fields (wechat-card-api.md §4.1.1), in the Go order. */
export const BASE_INFO_RULES = [
  ['logo_url', S, 128, true, true],
  ['code_type', S, 0, true, true],
  ['brand_name', S, 36, true, false],
  ['title', S, 27, true, true],
  ['color', S, 16, true, true],
  ['notice', S, 48, true, true],
  ['description', S, 3072, true, true],
  ['sku', O, 0, true, false],
  ['date_info', O, 0, true, true],
  ['sub_title', S, 54, false, true],
  ['use_custom_code', B, 0, false, false],
  ['get_custom_code_mode', S, 32, false, false],
  ['bind_openid', B, 0, false, false],
  ['service_phone', S, 24, false, true],
  ['location_id_list', IL, 0, false, true],
  ['use_all_locations', B, 0, false, true],
  ['source', S, 36, false, false],
  ['center_title', S, 18, false, true],
  ['center_sub_title', S, 24, false, true],
  ['center_url', S, 128, false, true],
  ['center_app_brand_user_name', S, 0, false, true],
  ['center_app_brand_pass', S, 0, false, true],
  ['custom_url_name', S, 15, false, true],
  ['custom_url', S, 128, false, true],
  ['custom_url_sub_title', S, 18, false, true],
  ['custom_app_brand_user_name', S, 0, false, true],
  ['custom_app_brand_pass', S, 0, false, true],
  ['promotion_url_name', S, 15, false, true],
  ['promotion_url', S, 128, false, true],
  ['promotion_url_sub_title', S, 18, false, true],
  ['promotion_app_brand_user_name', S, 0, false, true],
  ['promotion_app_brand_pass', S, 0, false, true],
  ['get_limit', I, 0, false, true],
  ['use_limit', I, 0, false, true],
  ['can_share', B, 0, false, true],
  ['can_give_friend', B, 0, false, true],
  ['need_push_on_view', B, 0, false, false]
].map(rule)

const MEMBER_CARD_RULES = [
  ['prerogative', S, 3072, true, true],
  ['supply_bonus', B, 0, true, false],
  ['supply_balance', B, 0, true, false],
  ['background_pic_url', S, 128, false, false],
  ['bonus_url', S, 128, false, false],
  ['balance_url', S, 128, false, false],
  ['bonus_cleared', S, 128, false, false],
  ['bonus_rules', S, 128, false, false],
  ['balance_rules', S, 128, false, false],
  ['bonus_rule', O, 0, false, false],
  ['custom_field1', O, 0, false, false],
  ['custom_field2', O, 0, false, false],
  ['custom_field3', O, 0, false, false],
  ['custom_cell1', O, 0, false, false],
  ['discount', I, 0, false, false],
  ['auto_activate', B, 0, false, false],
  ['wx_activate', B, 0, false, false],
  ['wx_activate_after_submit', B, 0, false, false],
  ['wx_activate_after_submit_url', S, 128, false, false],
  ['activate_url', S, 128, false, false]
].map(rule)

/** The fields beside base_info of each type (§4.1.2). */
export const TYPE_RULES = {
  GROUPON: [rule(['deal_detail', S, 3072, true, true])],
  CASH: [rule(['least_cost', I, 0, true, false]), rule(['reduce_cost', I, 0, true, false])],
  DISCOUNT: [rule(['discount', I, 0, true, false])],
  GIFT: [rule(['gift', S, 3072, true, true])],
  GENERAL_COUPON: [rule(['default_detail', S, 3072, true, true])],
  MEMBER_CARD: MEMBER_CARD_RULES
}

export const CODE_TYPES = ['CODE_TYPE_TEXT', 'CODE_TYPE_BARCODE', 'CODE_TYPE_QRCODE',
  'CODE_TYPE_ONLY_QRCODE', 'CODE_TYPE_ONLY_BARCODE', 'CODE_TYPE_NONE']

/** card/getcolors' fourteen names, with the values the emulator answers. */
export const COLORS = [
  ['Color010', '#63b359'], ['Color020', '#2c9f67'], ['Color030', '#509fc9'], ['Color040', '#5885cf'],
  ['Color050', '#9062c0'], ['Color060', '#d09a45'], ['Color070', '#e4b138'], ['Color080', '#ee903c'],
  ['Color081', '#f08500'], ['Color082', '#a9d92d'], ['Color090', '#dd6549'], ['Color100', '#cc463d'],
  ['Color101', '#cf3e36'], ['Color102', '#5E6671']
].map(([name, value]) => ({ name, value }))

const COLOR_NAMES = new Set(COLORS.map((c) => c.name))
const TIME_LIMIT_TYPES = new Set(['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY', 'HOLIDAY'])
const BUSINESS_SERVICES = new Set(['BIZ_SERVICE_DELIVER', 'BIZ_SERVICE_FREE_PARK', 'BIZ_SERVICE_WITH_PET', 'BIZ_SERVICE_FREE_WIFI'])
const CUSTOM_FIELD_NAME_TYPES = new Set(['FIELD_NAME_TYPE_LEVEL', 'FIELD_NAME_TYPE_COUPON', 'FIELD_NAME_TYPE_STAMP',
  'FIELD_NAME_TYPE_DISCOUNT', 'FIELD_NAME_TYPE_ACHIEVEMEN', 'FIELD_NAME_TYPE_MILEAGE', 'FIELD_NAME_TYPE_SET_POINTS',
  'FIELD_NAME_TYPE_TIMS'])
const BONUS_RULE_FIELDS = new Set(['cost_money_unit', 'increase_bonus', 'max_increase_bonus', 'init_increase_bonus',
  'cost_bonus_unit', 'reduce_money', 'least_money_to_use_bonus', 'max_reduce_bonus'])
const APP_BRAND_PREFIXES = ['center', 'custom', 'promotion', 'activate']
const APP_BRAND_USER_NAME = /^gh_[0-9A-Za-z]+@app$/
// eslint-disable-next-line no-control-regex
const APP_BRAND_PASS = /^[^/?#:\\\s\x00-\x1f]+(\/[^/?#:\\\s\x00-\x1f]+)*(\?[^#\s\x00-\x1f]*)?$/

/** Chinese names of the fields, for messages and labels. */
export const LABELS = {
  'base_info.logo_url': '商户 Logo',
  'base_info.code_type': '码型',
  'base_info.brand_name': '商户名称',
  'base_info.title': '卡券名称',
  'base_info.color': '券颜色',
  'base_info.notice': '使用提醒',
  'base_info.description': '使用说明',
  'base_info.sku': '库存',
  'base_info.sku.quantity': '库存数量',
  'base_info.date_info': '有效期',
  'base_info.date_info.type': '有效期类型',
  'base_info.date_info.begin_timestamp': '起用日期',
  'base_info.date_info.end_timestamp': '截止日期',
  'base_info.date_info.fixed_term': '领取后有效天数',
  'base_info.date_info.fixed_begin_term': '领取后几天生效',
  'base_info.sub_title': '副标题',
  'base_info.use_custom_code': '自定义 Code',
  'base_info.get_custom_code_mode': '自定义 Code 模式',
  'base_info.bind_openid': '指定用户领取',
  'base_info.service_phone': '客服电话',
  'base_info.location_id_list': '门店',
  'base_info.use_all_locations': '全部门店可用',
  'base_info.source': '第三方来源名',
  'base_info.center_title': '顶部按钮文字',
  'base_info.center_sub_title': '顶部按钮提示',
  'base_info.center_url': '顶部按钮链接',
  'base_info.custom_url_name': '自定义入口名称',
  'base_info.custom_url': '自定义入口链接',
  'base_info.custom_url_sub_title': '自定义入口提示',
  'base_info.promotion_url_name': '营销入口名称',
  'base_info.promotion_url': '营销入口链接',
  'base_info.promotion_url_sub_title': '营销入口提示',
  'base_info.get_limit': '每人可领数量',
  'base_info.use_limit': '每人可核销数量',
  'base_info.can_share': '可分享',
  'base_info.can_give_friend': '可转赠',
  'base_info.need_push_on_view': '查看时推送事件',
  deal_detail: '团购详情',
  least_cost: '起用金额',
  reduce_cost: '减免金额',
  discount: '折扣',
  gift: '兑换内容',
  default_detail: '优惠详情',
  prerogative: '会员特权说明',
  supply_bonus: '显示积分',
  supply_balance: '显示储值',
  auto_activate: '自动激活',
  wx_activate: '一键开卡',
  activate_url: '激活网址',
  background_pic_url: '卡面背景图',
  'bonus_rule.init_increase_bonus': '开卡赠送积分',
  'bonus_rule.cost_money_unit': '每消费金额',
  'bonus_rule.increase_bonus': '赠送积分',
  advanced_info: '高级信息',
  card_type: '卡券类型',
  card: '卡券'
}

/** The Chinese name of a field path (its own path when none is known). */
export function labelOf (path) {
  if (LABELS[path]) return LABELS[path]
  for (const [pfx, name] of [['center_app_brand', '顶部按钮小程序'], ['custom_app_brand', '自定义入口小程序'],
    ['promotion_app_brand', '营销入口小程序'], ['activate_app_brand', '激活小程序']]) {
    if (path.includes(pfx)) return name + (path.endsWith('_pass') ? '页面' : '原始 ID')
  }
  return path
}

/** A refusal: the API's details.field and a Chinese message. */
class Refusal {
  constructor (field, message) {
    this.field = field
    this.message = message
  }
}

function refuse (field, message) {
  throw new Refusal(field, message)
}

// run calls check and returns its refusal as {field, message}, or null.
function run (check) {
  try {
    check()
    return null
  } catch (e) {
    if (e instanceof Refusal) return { field: e.field, message: e.message }
    throw e
  }
}

/** utf8Length is the length of s in UTF-8 bytes, as WeChat counts it. */
export function utf8Length (s) {
  return new TextEncoder().encode(s).length
}

function kindOf (v) {
  if (v === undefined || v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  switch (typeof v) {
    case 'string': return 'string'
    case 'number': return 'number'
    case 'boolean': return 'bool'
    case 'object': return 'object'
  }
  return 'other'
}

const isNull = (v) => v === undefined || v === null
const isObject = (v) => kindOf(v) === 'object'
const get = (obj, key) => (isObject(obj) && Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined)
const has = (obj, key) => isObject(obj) && Object.prototype.hasOwnProperty.call(obj, key)
const path = (prefix, name) => (prefix ? prefix + '.' + name : name)

// Go's strings.TrimSpace: Unicode White_Space.
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g
const isBlank = (s) => s.replace(GO_SPACE, '') === ''

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/**
 * wholeNumber reads a whole number sent as a JSON number or a numeric string,
 * as the service's normalizeInt does; undefined when it is not one.
 */
export function wholeNumber (v) {
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? v : undefined
  if (typeof v === 'string' && /^[+-]?[0-9]+$/.test(v)) {
    const n = BigInt(v)
    if (n < INT64_MIN || n > INT64_MAX) return undefined
    return Number(n)
  }
  return undefined
}

function needInt (v, p) {
  if (isNull(v)) refuse(p, `请填写${labelOf(p)}`)
  const n = wholeNumber(v)
  if (n === undefined) refuse(p, `${labelOf(p)}应为整数`)
  return n
}

// normalizedInt is the value of an int field already checked by checkValues.
const normalizedInt = (v) => (isNull(v) ? undefined : wholeNumber(v))

/** lengthMessage is the refusal of a text of n bytes where max are allowed. */
export function lengthMessage (p, max, n) {
  return `${labelOf(p)}最多 ${max} 字节（${Math.floor(max / 3)} 个汉字），现在是 ${n} 字节`
}

function checkLength (s, p, max) {
  const n = utf8Length(s)
  if (max > 0 && n > max) refuse(p, lengthMessage(p, max, n))
}

function checkNotBlank (v, p, r) {
  if (r.kind === S) {
    if (typeof v !== 'string') refuse(p, `${labelOf(p)}应为文字`)
    if (isBlank(v)) refuse(p, `请填写${labelOf(p)}`)
  } else if (r.kind === O && !isObject(v)) {
    refuse(p, `${labelOf(p)}格式不对（应为对象）`)
  }
}

function checkRequired (obj, prefix, rules) {
  for (const r of rules) {
    if (!r.required) continue
    const p = path(prefix, r.name)
    const v = get(obj, r.name)
    if (isNull(v)) refuse(p, `请填写${labelOf(p)}`)
    checkNotBlank(v, p, r)
  }
}

function checkValues (obj, prefix, rules) {
  for (const r of rules) {
    const v = get(obj, r.name)
    if (isNull(v)) continue
    const p = path(prefix, r.name)
    switch (r.kind) {
      case S:
        if (typeof v !== 'string') refuse(p, `${labelOf(p)}应为文字`)
        checkLength(v, p, r.max)
        break
      case B:
        if (typeof v !== 'boolean') refuse(p, `${labelOf(p)}应为是或否（true / false）`)
        break
      case I:
        needInt(v, p)
        break
      case IL:
        if (!Array.isArray(v)) refuse(p, `${labelOf(p)}应为整数列表`)
        v.forEach((it, i) => needInt(it, `${p}[${i}]`))
        break
      case O:
        if (!isObject(v)) refuse(p, `${labelOf(p)}格式不对（应为对象）`)
        break
    }
  }
}

function checkEnums (bi) {
  const code = get(bi, 'code_type')
  if (!isNull(code) && !CODE_TYPES.includes(code)) refuse('base_info.code_type', '码型须为微信支持的一种（文本、条码、二维码等）')
  const color = get(bi, 'color')
  if (!isNull(color) && !COLOR_NAMES.has(color)) refuse('base_info.color', '券颜色须为微信色板中的一种（Color010 … Color102）')
}

/** dateType reads date_info.type: a name, or the old 1 (range) / 2 (term). */
export function dateType (v) {
  if (typeof v === 'string') {
    if (v === DATE_RANGE || v === DATE_TERM || v === DATE_PERMANENT) return v
    if (v === '1') return DATE_RANGE
    if (v === '2') return DATE_TERM
  } else if (typeof v === 'number') {
    if (v === 1) return DATE_RANGE
    if (v === 2) return DATE_TERM
  }
  return ''
}

function checkDateRequired (di) {
  const p = 'base_info.date_info'
  if (isNull(get(di, 'type'))) refuse(p + '.type', '请选择有效期类型')
  const typ = dateType(get(di, 'type'))
  const need = typ === DATE_RANGE ? ['begin_timestamp', 'end_timestamp'] : typ === DATE_TERM ? ['fixed_term'] : []
  for (const name of need) {
    if (isNull(get(di, name))) refuse(`${p}.${name}`, `请填写${labelOf(`${p}.${name}`)}`)
  }
}

const fmtDate = (sec) => new Date(sec * 1000).toISOString().slice(0, 10)

/**
 * checkDateInfo checks base_info.date_info of a card of cardType at now
 * (seconds) and returns what it says: {type, begin_timestamp, end_timestamp,
 * fixed_term, fixed_begin_term} (0 when absent).
 */
function checkDateInfo (cardType, di, now) {
  const p = 'base_info.date_info'
  if (!isObject(di)) refuse(p, '有效期格式不对')
  if (isNull(get(di, 'type'))) refuse(p + '.type', '请选择有效期类型')
  const typ = dateType(get(di, 'type'))
  if (!typ) refuse(p + '.type', '有效期类型须为固定日期、领取后若干天或永久有效')
  const out = { type: typ, begin_timestamp: 0, end_timestamp: 0, fixed_term: 0, fixed_begin_term: 0 }
  const seen = {}
  for (const name of ['begin_timestamp', 'end_timestamp', 'fixed_term', 'fixed_begin_term']) {
    const v = get(di, name)
    if (isNull(v)) continue
    const fp = `${p}.${name}`
    const n = needInt(v, fp)
    if (n < 0) refuse(fp, `${labelOf(fp)}不能为负数`)
    if ((name === 'fixed_term' || name === 'fixed_begin_term') && n > MAX_TERM_DAYS) refuse(fp, `${labelOf(fp)}天数过大`)
    seen[name] = true
    out[name] = n
  }
  if (typ === DATE_RANGE) {
    for (const name of ['begin_timestamp', 'end_timestamp']) {
      if (!seen[name]) refuse(`${p}.${name}`, `请填写${labelOf(`${p}.${name}`)}`)
    }
    if (out.begin_timestamp >= out.end_timestamp) refuse(p + '.begin_timestamp', '起用日期须早于截止日期')
    if (out.end_timestamp <= now) refuse(p + '.end_timestamp', `截止日期（${fmtDate(out.end_timestamp)}）须在未来`)
  } else if (typ === DATE_TERM) {
    if (!seen.fixed_term) refuse(p + '.fixed_term', '请填写领取后有效天数')
    if (out.end_timestamp > 0 && out.end_timestamp <= now) refuse(p + '.end_timestamp', `统一截止日期（${fmtDate(out.end_timestamp)}）须在未来`)
  } else if (typ === DATE_PERMANENT && cardType !== MEMBER) {
    refuse(p + '.type', '永久有效只适用于会员卡')
  }
  return out
}

function checkQuantity (bi) {
  const p = 'base_info.sku.quantity'
  const q = needInt(get(get(bi, 'sku'), 'quantity'), p)
  const deposit = get(bi, 'get_custom_code_mode') === DEPOSIT
  if (q > MAX_SKU_QUANTITY) refuse(p, `库存数量最多 ${MAX_SKU_QUANTITY}`)
  if (deposit && q !== 0) refuse(p, '预存 Code 模式下库存须为 0，导入 Code 后再增加库存')
  if (!deposit && q < 1) refuse(p, '库存数量至少为 1')
}

function checkLimits (bi) {
  for (const name of ['get_limit', 'use_limit']) {
    const n = normalizedInt(get(bi, name))
    if (n !== undefined && n < 1) refuse('base_info.' + name, `${labelOf('base_info.' + name)}至少为 1`)
  }
}

function checkLocations (bi) {
  const all = get(bi, 'use_all_locations')
  const list = get(bi, 'location_id_list')
  if (all === true && Array.isArray(list) && list.length > 0) {
    refuse('base_info.use_all_locations', '“全部门店可用”与门店列表只能选一个')
  }
}

function validPagePath (s) {
  if (!APP_BRAND_PASS.test(s)) return false
  return !s.split('?')[0].split('/').some((seg) => seg === '.' || seg === '..')
}

function checkAppBrand (obj, prefix, needPair) {
  for (const entry of APP_BRAND_PREFIXES) {
    const up = path(prefix, entry + '_app_brand_user_name')
    const pp = path(prefix, entry + '_app_brand_pass')
    const user = get(obj, entry + '_app_brand_user_name')
    const pass = get(obj, entry + '_app_brand_pass')
    let name = ''
    if (!isNull(user)) {
      if (typeof user !== 'string') refuse(up, `${labelOf(up)}应为文字`)
      name = user
      if (name !== '' && !APP_BRAND_USER_NAME.test(name)) refuse(up, `${labelOf(up)}应为小程序原始 ID 加 @app，如 gh_86a091e50ad4@app`)
    }
    if (isNull(pass)) continue
    if (typeof pass !== 'string') refuse(pp, `${labelOf(pp)}应为文字`)
    if (pass === '') continue
    if (needPair && name === '') refuse(up, `填写${labelOf(pp)}时须同时填写${labelOf(up)}`)
    if (!validPagePath(pass)) refuse(pp, `${labelOf(pp)}应为小程序内的页面路径，不以 / 开头，如 pages/card/index`)
  }
}

function checkTypeValues (cardType, obj) {
  if (cardType === 'CASH') {
    if ((normalizedInt(get(obj, 'least_cost')) ?? 0) < 0) refuse('least_cost', '起用金额不能为负数')
    if ((normalizedInt(get(obj, 'reduce_cost')) ?? 0) < 1) refuse('reduce_cost', '减免金额至少 0.01 元')
  } else if (cardType === 'DISCOUNT') {
    const n = normalizedInt(get(obj, 'discount')) ?? 0
    if (n < 1 || n > 99) refuse('discount', '折扣为打折的百分比，1 … 99（30 即七折）')
  } else if (cardType === MEMBER) {
    checkMemberCard(obj)
  }
}

function checkMemberCard (obj) {
  let cells = 0
  for (const k of ['supply_bonus', 'supply_balance']) if (get(obj, k) === true) cells++
  for (let i = 1; i <= 3; i++) {
    const name = `custom_field${i}`
    const f = get(obj, name)
    if (isNull(f)) continue
    cells++
    if (cells > 3) refuse(name, '卡面最多 3 个栏位：积分、储值和自定义栏位合计')
    checkCustomField(f, name)
  }
  const cell = get(obj, 'custom_cell1')
  if (!isNull(cell)) {
    const rules = [rule(['name', S, 15, true, false]), rule(['tips', S, 18, true, false]), rule(['url', S, 128, true, false])]
    checkValues(cell, 'custom_cell1', rules)
    checkRequired(cell, 'custom_cell1', rules)
  }
  const d = normalizedInt(get(obj, 'discount'))
  if (d !== undefined && (d < 0 || d > 99)) refuse('discount', '会员折扣为优惠的百分比，0 … 99（10 即九折）')
  const br = get(obj, 'bonus_rule')
  if (!isNull(br)) {
    for (const k of Object.keys(br)) {
      const p = 'bonus_rule.' + k
      if (!BONUS_RULE_FIELDS.has(k)) refuse(p, `${k} 不是积分规则的字段`)
      const v = br[k]
      // Not normalised by checkValues: only a JSON number passes.
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) refuse(p, `${labelOf(p)}应为不小于 0 的整数`)
    }
  }
  checkActivationModes(obj)
}

function checkCustomField (f, p) {
  checkValues(f, p, [rule(['name_type', S, 0, false, false]), rule(['name', S, 24, false, false]),
    rule(['url', S, 128, false, false]), rule(['app_brand_user_name', S, 0, false, false]),
    rule(['app_brand_pass', S, 0, false, false])])
  const nt = get(f, 'name_type')
  const name = get(f, 'name')
  if (!isNull(nt) && !isNull(name)) refuse(p + '.name', '栏位名称类型与名称只能填一个')
  if (!isNull(nt) && !CUSTOM_FIELD_NAME_TYPES.has(nt)) refuse(p + '.name_type', '栏位名称类型不是微信支持的值')
}

function checkActivationModes (obj) {
  const auto = get(obj, 'auto_activate') === true
  const url = typeof get(obj, 'activate_url') === 'string' && get(obj, 'activate_url') !== ''
  const wx = get(obj, 'wx_activate') === true
  if (auto && url) refuse('activate_url', '自动激活时不用激活网址：激活方式只能选一种')
  if (auto && wx) refuse('wx_activate', '自动激活时不用一键开卡：激活方式只能选一种')
  if (url && wx) refuse('wx_activate', '有激活网址时不用一键开卡：激活方式只能选一种')
  const submitURL = get(obj, 'wx_activate_after_submit_url')
  if ((get(obj, 'wx_activate_after_submit') === true || (typeof submitURL === 'string' && submitURL !== '')) && !wx) {
    refuse('wx_activate_after_submit', '跳转型一键开卡需要开启一键开卡')
  }
}

function checkAdvancedInfo (ai) {
  const p = 'advanced_info'
  if (isNull(ai)) return
  if (!isObject(ai)) refuse(p, '高级信息格式不对')
  checkValues(ai, p, [rule(['use_condition', O, 0, false, false]), rule(['abstract', O, 0, false, false]),
    rule(['share_friends', B, 0, false, false])])
  const uc = get(ai, 'use_condition')
  checkValues(uc, p + '.use_condition', [rule(['accept_category', S, 0, false, false]),
    rule(['reject_category', S, 0, false, false]), rule(['least_cost', I, 0, false, false]),
    rule(['object_use_for', S, 0, false, false]), rule(['can_use_with_other_discount', B, 0, false, false])])
  const lc = normalizedInt(get(uc, 'least_cost'))
  if (lc !== undefined && lc < 0) refuse(p + '.use_condition.least_cost', '起用金额不能为负数')
  checkAbstract(get(ai, 'abstract'))
  eachObject(get(ai, 'text_image_list'), p + '.text_image_list', (it, ip) =>
    checkRequired(it, ip, [rule(['image_url', S, 0, true, false]), rule(['text', S, 0, true, false])]))
  eachObject(get(ai, 'time_limit'), p + '.time_limit', checkTimeLimit)
  const bs = get(ai, 'business_service')
  if (!isNull(bs)) {
    const bp = p + '.business_service'
    if (!Array.isArray(bs)) refuse(bp, '商家服务应为列表')
    bs.forEach((it, i) => {
      if (typeof it !== 'string' || !BUSINESS_SERVICES.has(it)) refuse(`${bp}[${i}]`, '商家服务须为外卖、停车、宠物、WiFi 之一')
    })
  }
}

function checkAbstract (ab) {
  const p = 'advanced_info.abstract'
  checkValues(ab, p, [rule(['abstract', S, 0, false, false])])
  const icons = get(ab, 'icon_url_list')
  if (isNull(icons)) return
  const ip = p + '.icon_url_list'
  if (!Array.isArray(icons)) refuse(ip, '封面图应为只含一个图片网址的列表')
  if (icons.length > 1) refuse(ip, '封面图只能有一张')
  icons.forEach((it, i) => {
    if (typeof it !== 'string' || isBlank(it)) refuse(`${ip}[${i}]`, '封面图应为上传图片得到的网址')
  })
}

function eachObject (list, p, check) {
  if (isNull(list)) return
  if (!Array.isArray(list)) refuse(p, `${p} 应为列表`)
  list.forEach((it, i) => {
    const ip = `${p}[${i}]`
    if (!isObject(it)) refuse(ip, `${ip} 应为对象`)
    check(it, ip)
  })
}

function checkTimeLimit (it, p) {
  const tp = p + '.type'
  const t = get(it, 'type')
  if (isNull(t)) refuse(tp, '请选择可用时段的日期类型')
  if (typeof t !== 'string' || !TIME_LIMIT_TYPES.has(t)) refuse(tp, '可用时段的日期类型须为周一至周日或节假日')
  for (const [name, max] of [['begin_hour', 23], ['begin_minute', 59], ['end_hour', 23], ['end_minute', 59]]) {
    const v = get(it, name)
    if (isNull(v)) continue
    const fp = `${p}.${name}`
    const n = needInt(v, fp)
    if (n < 0 || n > max) refuse(fp, `${fp} 应为 0 … ${max}`)
  }
}

function checkTypeObject (cardType, obj, now) {
  const key = CARD_KEYS[cardType]
  if (!isObject(obj)) refuse(key, '卡券内容缺少 base_info')
  const bi = get(obj, 'base_info')
  if (isNull(bi)) refuse('base_info', '缺少 base_info')
  if (!isObject(bi)) refuse('base_info', 'base_info 应为对象')
  const own = TYPE_RULES[cardType]
  checkRequired(bi, 'base_info', BASE_INFO_RULES)
  if (isNull(get(get(bi, 'sku'), 'quantity'))) refuse('base_info.sku.quantity', '请填写库存数量')
  checkDateRequired(get(bi, 'date_info'))
  checkRequired(obj, '', own)
  checkValues(bi, 'base_info', BASE_INFO_RULES)
  checkValues(obj, '', own)
  checkEnums(bi)
  checkDateInfo(cardType, get(bi, 'date_info'), now)
  checkQuantity(bi)
  checkLimits(bi)
  checkLocations(bi)
  checkAppBrand(bi, 'base_info', true)
  checkAppBrand(obj, '', true)
  checkTypeValues(cardType, obj)
  checkAdvancedInfo(get(obj, 'advanced_info'))
}

const nowSeconds = (now) => Math.floor((now instanceof Date ? now.getTime() : now ?? Date.now()) / 1000)

/**
 * checkCardObject checks the type object of a card of cardType (the value of
 * "general_coupon", "cash", …) at now (a Date or ms; default: the clock), as
 * the service's normalizeCardDefinition does: null, or {field, message} for
 * the first refusal.
 */
export function checkCardObject (cardType, obj, now) {
  if (!CARD_KEYS[cardType]) return { field: 'card_type', message: '未知的卡券类型' }
  return run(() => checkTypeObject(cardType, obj, nowSeconds(now)))
}

/**
 * checkCardBody checks a POST /admin/v1/cards body ({"card": {...}} or the
 * object inside), as parseCardDefinition does.
 */
export function checkCardBody (body, now) {
  return run(() => {
    if (!isObject(body)) refuse('card', '卡券内容应为 JSON 对象')
    const inner = isObject(body.card) ? body.card : body
    if (has(body, 'card') && !isObject(body.card)) refuse('card', '卡券内容应为 JSON 对象')
    const cardType = get(inner, 'card_type')
    if (typeof cardType !== 'string' || cardType === '') refuse('card_type', '请选择卡券类型')
    const key = CARD_KEYS[cardType]
    if (!key) refuse('card_type', '未知的卡券类型')
    const typed = get(inner, key)
    if (!isObject(typed) || !has(typed, 'base_info')) refuse(key + '.base_info', '缺少 base_info')
    checkTypeObject(cardType, typed, nowSeconds(now))
  })
}

function fieldUpdatable (rules, name) {
  const r = rules.find((x) => x.name === name)
  return r ? r.updatable : false
}

const memberActivateField = (cardType, name) =>
  cardType === MEMBER && (name === 'activate_app_brand_user_name' || name === 'activate_app_brand_pass')

/** isUpdatable reports whether PATCH accepts the field path of a card of cardType. */
export function isUpdatable (cardType, field) {
  if (field.startsWith('base_info.')) {
    const name = field.slice('base_info.'.length).split('.')[0]
    return fieldUpdatable(BASE_INFO_RULES, name) || memberActivateField(cardType, name)
  }
  return fieldUpdatable(TYPE_RULES[cardType] || [], field) || memberActivateField(cardType, field)
}

function checkDateWidens (current, next) {
  const p = 'base_info.date_info'
  if (!current || !current.type) return
  const c = { begin_timestamp: 0, end_timestamp: 0, fixed_term: 0, fixed_begin_term: 0, ...current }
  if (next.type !== c.type) refuse(p, '有效期类型不能改变：微信只允许延长有效期')
  if (c.type === DATE_RANGE) {
    if (next.begin_timestamp > c.begin_timestamp) refuse(p, '起用日期只能提前：微信只允许延长有效期')
    if (next.end_timestamp < c.end_timestamp) refuse(p, '截止日期只能推后：微信只允许延长有效期')
  } else if (c.type === DATE_TERM) {
    if (next.fixed_term < c.fixed_term) refuse(p, '有效天数只能增加')
    if (next.fixed_begin_term > c.fixed_begin_term) refuse(p, '生效天数只能减少')
    if (next.end_timestamp !== 0 && c.end_timestamp === 0) refuse(p, '原来没有统一截止日期，不能新增')
    if (next.end_timestamp !== 0 && next.end_timestamp < c.end_timestamp) refuse(p, '统一截止日期只能推后')
  }
}

/**
 * checkCardUpdate checks a PATCH body ({"base_info": {...}, <the type's text
 * fields>}) for a card of cardType whose validity is current (the card's
 * date_info as the catalogue has it; {} when unknown), as validateCardUpdate
 * does.
 */
export function checkCardUpdate (cardType, patch, current, now) {
  if (!CARD_KEYS[cardType]) return { field: 'card_type', message: '未知的卡券类型' }
  return run(() => {
    if (!isObject(patch)) refuse('card', '修改内容应为 JSON 对象')
    const own = TYPE_RULES[cardType]
    for (const k of Object.keys(patch)) {
      if (k === 'base_info' || fieldUpdatable(own, k) || memberActivateField(cardType, k)) continue
      refuse(k, `${labelOf(k)}创建后不能修改`)
    }
    const bi = patch.base_info
    if (!isNull(bi) && !isObject(bi)) refuse('base_info', 'base_info 应为对象')
    if (!isNull(bi)) {
      for (const k of Object.keys(bi)) {
        if (fieldUpdatable(BASE_INFO_RULES, k) || memberActivateField(cardType, k)) continue
        refuse('base_info.' + k, k === 'sku' ? '库存请用“增减库存”修改' : `${labelOf('base_info.' + k)}创建后不能修改`)
      }
    }
    let changes = Object.keys(patch).length
    if (has(patch, 'base_info')) changes += (isObject(bi) ? Object.keys(bi).length : 0) - 1
    if (changes === 0) refuse('base_info', '没有要修改的内容')
    for (const [obj, prefix, rules] of [[bi, 'base_info', BASE_INFO_RULES], [patch, '', own]]) {
      for (const r of rules) {
        const v = get(obj, r.name)
        if (r.required && !isNull(v)) checkNotBlank(v, path(prefix, r.name), r)
      }
      checkValues(obj, prefix, rules)
    }
    checkEnums(bi)
    if (has(bi, 'date_info')) {
      const next = checkDateInfo(cardType, bi.date_info, nowSeconds(now))
      checkDateWidens(current, next)
    }
    checkLimits(bi)
    checkLocations(bi)
    checkAppBrand(bi, 'base_info', false)
    checkAppBrand(patch, '', false)
  })
}
