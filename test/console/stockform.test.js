// The console's 商家券 stock rules against the service's: the cases of
// cmd/server/merchant_stocks_test.go (testStockValidation, testStockBudget)
// and internal/service/stocks_test.go, each expecting the same
// details.field; then the form model.
//
//   node --test test/console/stockform.test.js      (no browser needed)

import { test } from 'node:test'
import assert from 'node:assert/strict'

import {
  checkStock, checkBudget, buildStock, buildBudget, defaultStockValues, stockFields,
  parseRFC3339, rfc3339Local, newRequestNo
} from '../../web/console/js/stockform.js'

const NOW = new Date('2026-11-24T08:00:00Z')
const rfc = (d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')
const addDays = (d, n) => new Date(d.getTime() + n * 86400_000)

// stockBody is merchant_stocks_test.go's: a valid stock of typ, window from now.
function stockBody (typ) {
  const rule = {
    coupon_available_time: {
      available_begin_time: rfc(NOW), available_end_time: rfc(addDays(NOW, 30)), available_day_after_receive: 7
    },
    use_method: 'OFF_LINE'
  }
  if (typ === 'NORMAL') rule.fixed_normal_coupon = { discount_amount: 100, transaction_minimum: 1000 }
  if (typ === 'DISCOUNT') rule.discount_coupon = { discount_percent: 88, transaction_minimum: 1000 }
  if (typ === 'EXCHANGE') rule.exchange_coupon = { exchange_price: 990, transaction_minimum: 1000 }
  return {
    stock_name: '测试券 ' + typ, goods_name: '全场通用', stock_type: typ, coupon_use_rule: rule,
    coupon_code_mode: 'WECHATPAY_MODE', stock_send_rule: { max_coupons: 1000, max_coupons_per_user: 2 }
  }
}

// edit sets the value at a slash path (undefined deletes), as the Go test's edit.
function edit (body, path, v) {
  const parts = path.split('/')
  let cur = body
  for (const p of parts.slice(0, -1)) {
    if (typeof cur[p] !== 'object' || cur[p] === null) cur[p] = {}
    cur = cur[p]
  }
  if (v === undefined) delete cur[parts[parts.length - 1]]
  else cur[parts[parts.length - 1]] = v
  return body
}

test('accepts valid stocks of every type', () => {
  for (const t of ['NORMAL', 'DISCOUNT', 'EXCHANGE']) assert.equal(checkStock(stockBody(t), NOW), null, t)
  const full = stockBody('NORMAL')
  Object.assign(full, {
    comment: '门店专用', belong_merchant: '1900000001', out_request_no: '1900000001retry0001', subsidy: false,
    notify_config: { notify_appid: 'wxsandboxmini' },
    display_pattern_info: { description: '说明', background_color: 'Color020' },
    custom_entrance: { mini_programs_info: { mini_programs_appid: 'wxsandboxmini', mini_programs_path: 'pages/a', entrance_words: '去使用' }, code_display_mode: 'QRCODE' }
  })
  full.coupon_use_rule.coupon_available_time.available_week = { week_day: [1, 2], available_day_time: [{ begin_time: 0, end_time: 3600 }] }
  assert.equal(checkStock(full, NOW), null)
})

test('refuses what the service refuses, naming the same field', () => {
  const at = 'coupon_use_rule/coupon_available_time/'
  const cases = [
    ['stock_name missing', 'stock_name', undefined, 'stock_name'],
    ['stock_name over 21 characters', 'stock_name', '券'.repeat(22), 'stock_name'],
    ['stock_name with an emoji', 'stock_name', '满10减1🎉', 'stock_name'],
    ['belong_merchant not a merchant id', 'belong_merchant', '12ab', 'belong_merchant'],
    ['comment over 20 characters', 'comment', '注'.repeat(21), 'comment'],
    ['comment with a 4-byte character', 'comment', '好😀', 'comment'],
    ['goods_name missing', 'goods_name', undefined, 'goods_name'],
    ['goods_name over 15 characters', 'goods_name', 'g'.repeat(16), 'goods_name'],
    ['stock_type unknown', 'stock_type', 'CASH', 'stock_type'],
    ['rule of another type', 'coupon_use_rule/discount_coupon', { discount_percent: 80, transaction_minimum: 100 }, 'coupon_use_rule.discount_coupon'],
    ['rule of its type missing', 'coupon_use_rule/fixed_normal_coupon', undefined, 'coupon_use_rule.fixed_normal_coupon'],
    ['discount_amount 0', 'coupon_use_rule/fixed_normal_coupon/discount_amount', 0, 'coupon_use_rule.fixed_normal_coupon.discount_amount'],
    ['discount_amount over 1e7', 'coupon_use_rule/fixed_normal_coupon/discount_amount', 10_000_001, 'coupon_use_rule.fixed_normal_coupon.discount_amount'],
    ['transaction_minimum below discount', 'coupon_use_rule/fixed_normal_coupon/transaction_minimum', 50, 'coupon_use_rule.fixed_normal_coupon.transaction_minimum'],
    ['transaction_minimum not a number', 'coupon_use_rule/fixed_normal_coupon/transaction_minimum', '1000', 'coupon_use_rule.fixed_normal_coupon.transaction_minimum'],
    ['use_method missing', 'coupon_use_rule/use_method', undefined, 'coupon_use_rule.use_method'],
    ['use_method SELF_CONSUME', 'coupon_use_rule/use_method', 'SELF_CONSUME', 'coupon_use_rule.use_method'],
    ['MINI_PROGRAMS without appid', 'coupon_use_rule/use_method', 'MINI_PROGRAMS', 'coupon_use_rule.mini_programs_appid'],
    ['begin time missing', at + 'available_begin_time', undefined, 'coupon_use_rule.coupon_available_time.available_begin_time'],
    ['begin time not RFC 3339', at + 'available_begin_time', '2025-01-01 00:00:00', 'coupon_use_rule.coupon_available_time.available_begin_time'],
    ['end before begin', at + 'available_end_time', rfc(new Date(NOW.getTime() - 3600_000)), 'coupon_use_rule.coupon_available_time.available_end_time'],
    ['window over a year', at + 'available_end_time', rfc(addDays(NOW, 368)), 'coupon_use_rule.coupon_available_time.available_end_time'],
    ['366 days with no 29 February', at + 'available_end_time', rfc(addDays(NOW, 366)), 'coupon_use_rule.coupon_available_time.available_end_time'],
    ['wait_days over 30', at + 'wait_days_after_receive', 31, 'coupon_use_rule.coupon_available_time.wait_days_after_receive'],
    ['week_day 7', at + 'available_week', { week_day: [1, 7] }, 'coupon_use_rule.coupon_available_time.available_week.week_day[1]'],
    ['three day periods', at + 'available_week', { week_day: [1], available_day_time: [{ begin_time: 1, end_time: 2 }, { begin_time: 3, end_time: 4 }, { begin_time: 5, end_time: 6 }] }, 'coupon_use_rule.coupon_available_time.available_week.available_day_time'],
    ['max_coupons 0', 'stock_send_rule/max_coupons', 0, 'stock_send_rule.max_coupons'],
    ['max_coupons over 1e9', 'stock_send_rule/max_coupons', 1_000_000_001, 'stock_send_rule.max_coupons'],
    ['max_coupons_per_user over 100', 'stock_send_rule/max_coupons_per_user', 101, 'stock_send_rule.max_coupons_per_user'],
    ['max_coupons_per_user over max_coupons', 'stock_send_rule/max_coupons', 1, 'stock_send_rule.max_coupons_per_user'],
    ['max_coupons_by_day over max_coupons', 'stock_send_rule/max_coupons_by_day', 1001, 'stock_send_rule.max_coupons_by_day'],
    ['max_amount not open', 'stock_send_rule/max_amount', 100000, 'stock_send_rule.max_amount'],
    ['coupon_code_mode missing', 'coupon_code_mode', undefined, 'coupon_code_mode'],
    ['coupon_code_mode unknown', 'coupon_code_mode', 'RANDOM', 'coupon_code_mode'],
    ['out_request_no with a dot', 'out_request_no', 'a.b', 'out_request_no'],
    ['out_request_no over 128', 'out_request_no', '1'.repeat(129), 'out_request_no'],
    ['background_color lower case', 'display_pattern_info/background_color', 'color010', 'display_pattern_info.background_color'],
    ['entrance_words over 5', 'custom_entrance/mini_programs_info', { mini_programs_appid: 'wxsandboxmini', mini_programs_path: 'pages/a', entrance_words: '立即去使用吧' }, 'custom_entrance.mini_programs_info.entrance_words'],
    ['code_display_mode unknown', 'custom_entrance/code_display_mode', 'LOUD', 'custom_entrance.code_display_mode'],
    ['unknown field', 'stock_colour', 'red', 'stock_colour'],
    ['unknown nested field', 'stock_send_rule/colour', 'red', 'colour'],
    ['subsidy of the wrong type', 'subsidy', 'yes', 'subsidy']
  ]
  for (const [name, p, v, field] of cases) {
    const got = checkStock(edit(stockBody('NORMAL'), p, v), NOW)
    assert.equal(got && got.field, field, name)
  }
})

test('budget rules (testStockBudget)', () => {
  const stock = { max_coupons: 2500, sent: 0 }
  assert.equal(checkBudget({ target_max_coupons: 2500 }, stock), null)
  assert.equal(checkBudget({ target_max_coupons_by_day: 300 }, stock), null)
  const cases = [
    ['neither', {}, 'target_max_coupons'],
    ['both', { target_max_coupons: 10, target_max_coupons_by_day: 5 }, 'target_max_coupons_by_day'],
    ['zero', { target_max_coupons: 0 }, 'target_max_coupons'],
    ['over 1e9', { target_max_coupons: 1_000_000_001 }, 'target_max_coupons'],
    ['daily over total', { target_max_coupons_by_day: 2501 }, 'target_max_coupons_by_day'],
    ['not a number', { target_max_coupons: 'many' }, 'target_max_coupons']
  ]
  for (const [name, body, field] of cases) assert.equal(checkBudget(body, stock)?.field, field, name)
  assert.equal(checkBudget({ target_max_coupons: 5 }, { max_coupons: 100, sent: 6 })?.field, 'target_max_coupons', 'below what was sent')
  assert.deepEqual(buildBudget('target_max_coupons', '3000', stock), { body: { target_max_coupons: 3000 }, errors: {} })
  assert.deepEqual(Object.keys(buildBudget('target_max_coupons_by_day', '9999', stock).errors), ['target_max_coupons_by_day'])
  assert.deepEqual(Object.keys(buildBudget('target_max_coupons', 'x', stock).errors), ['target_max_coupons'])
})

test('RFC 3339 times', () => {
  assert.equal(parseRFC3339('2026-01-01T00:00:00+08:00'), Date.UTC(2025, 11, 31, 16))
  assert.equal(parseRFC3339('2026-01-01T00:00:00.5Z'), Date.UTC(2026, 0, 1) + 500)
  assert.equal(parseRFC3339('2026-02-30T00:00:00Z'), undefined)
  assert.equal(parseRFC3339('2026-01-01 00:00:00'), undefined)
  assert.equal(parseRFC3339('2026-01-01T00:00:00'), undefined)
  const local = rfc3339Local('2026-12-01T09:30')
  assert.match(local, /^2026-12-01T09:30:00[+-]\d{2}:\d{2}$/)
  assert.equal(parseRFC3339(local), new Date(2026, 11, 1, 9, 30).getTime())
})

test('the form builds a body the rules accept, in fen, with the request number', () => {
  const values = {
    ...defaultStockValues(NOW),
    stock_name: '满100减10', goods_name: '全场通用',
    'coupon_use_rule.fixed_normal_coupon.discount_amount': '10',
    'coupon_use_rule.fixed_normal_coupon.transaction_minimum': '100.5',
    'stock_send_rule.natural_person_limit': true
  }
  const no = newRequestNo()
  assert.match(no, /^[0-9A-Za-z|_*-]{1,128}$/)
  const { body, errors } = buildStock(values, no, NOW)
  assert.deepEqual(errors, {})
  assert.equal(body.out_request_no, no)
  assert.deepEqual(body.coupon_use_rule.fixed_normal_coupon, { discount_amount: 1000, transaction_minimum: 10050 })
  assert.equal(body.stock_send_rule.max_coupons, 1000)
  assert.equal(body.stock_send_rule.natural_person_limit, true)
  assert.equal(body.coupon_use_rule.discount_coupon, undefined)
  assert.equal(checkStock(body, NOW), null)

  const bad = buildStock({ ...values, stock_name: '券'.repeat(22), goods_name: '' }, no, NOW)
  assert.deepEqual(Object.keys(bad.errors).sort(), ['goods_name', 'stock_name'])
  const rule = buildStock({ ...values, 'coupon_use_rule.fixed_normal_coupon.transaction_minimum': '5' }, no, NOW)
  assert.deepEqual(Object.keys(rule.errors), ['coupon_use_rule.fixed_normal_coupon.transaction_minimum'])
  const discount = buildStock({ ...values, stock_type: 'DISCOUNT', 'coupon_use_rule.discount_coupon.discount_percent': '88', 'coupon_use_rule.discount_coupon.transaction_minimum': '10' }, no, NOW)
  assert.deepEqual(discount.errors, {})
  assert.deepEqual(discount.body.coupon_use_rule.discount_coupon, { discount_percent: 88, transaction_minimum: 1000 })
  assert.equal(discount.body.coupon_use_rule.fixed_normal_coupon, undefined)
  for (const field of stockFields()) assert.match(field.name, /^[a-z_]+(\.[a-z_]+)*$/)
})
