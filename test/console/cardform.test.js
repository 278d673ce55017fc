// The console's card rules against the service's: the cases of
// internal/service/cardrules_test.go and cardrules_member_test.go, each
// expecting the same details.field; then the form model (values → body).
//
//   node --test test/console/cardform.test.js      (no browser needed)

import { test } from 'node:test'
import assert from 'node:assert/strict'

import { checkCardObject, checkCardBody, checkCardUpdate, utf8Length } from '../../web/console/js/cardrules.js'
import {
  buildCard, buildUpdate, cardFields, defaultValues, editFields, valuesFromCard, typeObject,
  yuanToFen, fenToYuan, daySeconds, dayOf, newIdempotencyKey
} from '../../web/console/js/cardform.js'

// rulesNow is the Go tests' clock: time.Unix(1_750_000_000, 0).
const NOW_S = 1_750_000_000
const NOW = new Date(NOW_S * 1000)
const DAY = 24 * 60 * 60
const future = NOW_S + 30 * DAY
const repeat = (s, n) => s.repeat(n)

function rulesBaseInfo () {
  return {
    logo_url: 'http://mmbiz.qpic.cn/mmbiz/logo/0',
    code_type: 'CODE_TYPE_QRCODE',
    brand_name: '微信餐厅',
    title: '满100减10',
    color: 'Color010',
    notice: '使用时向服务员出示此券',
    description: '不可与其他优惠同享\n如有疑问请联系客服',
    sku: { quantity: 500 },
    date_info: { type: 'DATE_TYPE_FIX_TIME_RANGE', begin_timestamp: NOW_S - DAY, end_timestamp: NOW_S + 30 * DAY }
  }
}

function rulesObject (cardType) {
  const m = { base_info: rulesBaseInfo() }
  switch (cardType) {
    case 'GROUPON': m.deal_detail = '双人套餐一份'; break
    case 'CASH': m.least_cost = 10000; m.reduce_cost = 1000; break
    case 'DISCOUNT': m.discount = 30; break
    case 'GIFT': m.gift = '可兑换咖啡一杯'; break
    case 'GENERAL_COUPON': m.default_detail = '全场九折'; break
    case 'MEMBER_CARD':
      m.prerogative = '会员享受全场九折'
      m.supply_bonus = false
      m.supply_balance = false
      m.base_info.date_info = { type: 'DATE_TYPE_PERMANENT' }
      break
  }
  return m
}

const set = (field, v) => (m) => { m.base_info[field] = v }
const unset = (field) => (m) => { delete m.base_info[field] }
const setDate = (field, v) => (m) => { m.base_info.date_info[field] = v }
const dateInfo = (d) => set('date_info', d)
const setTop = (field, v) => (m) => { m[field] = v }
const advanced = (ai) => setTop('advanced_info', ai)
const ALL_TYPES = ['GROUPON', 'CASH', 'DISCOUNT', 'GIFT', 'GENERAL_COUPON', 'MEMBER_CARD']

test('accepts every type', () => {
  for (const ct of ALL_TYPES) assert.equal(checkCardObject(ct, rulesObject(ct), NOW), null, ct)
})

test('accepts what the service accepts', () => {
  const cases = [
    ['title of 27 Latin letters', 'CASH', set('title', repeat('a', 27))],
    ['title of 9 汉字 (27 bytes)', 'CASH', set('title', repeat('券', 9))],
    ['brand_name of 12 汉字', 'CASH', set('brand_name', repeat('店', 12))],
    ['description of 1024 汉字', 'CASH', set('description', repeat('说', 1024))],
    ['deal_detail of 1024 汉字', 'GROUPON', setTop('deal_detail', repeat('团', 1024))],
    ['code_type CODE_TYPE_ONLY_BARCODE', 'CASH', set('code_type', 'CODE_TYPE_ONLY_BARCODE')],
    ['colour Color102', 'CASH', set('color', 'Color102')],
    ['timestamps as strings', 'CASH', (m) => { setDate('begin_timestamp', '1749913600')(m); setDate('end_timestamp', '1760000000')(m) }],
    ['range beginning in the future', 'CASH', setDate('begin_timestamp', NOW_S + DAY)],
    ['old date type 1', 'CASH', setDate('type', 1)],
    ['old date type "2" with fixed_term', 'CASH', dateInfo({ type: '2', fixed_term: 30 })],
    ['fixed term of 0 days', 'CASH', dateInfo({ type: 'DATE_TYPE_FIX_TERM', fixed_term: 0, fixed_begin_term: 0 })],
    ['fixed term with a future end', 'CASH', dateInfo({ type: 'DATE_TYPE_FIX_TERM', fixed_term: 30, fixed_begin_term: 1, end_timestamp: NOW_S + DAY })],
    ['fixed term with end 0', 'CASH', dateInfo({ type: 'DATE_TYPE_FIX_TERM', fixed_term: 30, end_timestamp: 0 })],
    ['quantity 100000000', 'CASH', set('sku', { quantity: 100000000 })],
    ['quantity as a string', 'CASH', set('sku', { quantity: '500' })],
    ['quantity 0 with deposit mode', 'CASH', (m) => {
      m.base_info.sku = { quantity: 0 }
      m.base_info.use_custom_code = true
      m.base_info.get_custom_code_mode = 'GET_CUSTOM_CODE_MODE_DEPOSIT'
    }],
    ['get_limit above the quantity', 'CASH', (m) => { m.base_info.sku = { quantity: 1 }; m.base_info.get_limit = 5 }],
    ['get_limit and use_limit 1', 'CASH', (m) => { m.base_info.get_limit = 1; m.base_info.use_limit = '1' }],
    ['booleans', 'CASH', (m) => {
      for (const k of ['use_custom_code', 'bind_openid', 'can_share', 'can_give_friend', 'use_all_locations']) m.base_info[k] = false
    }],
    ['location ids as numbers and strings', 'CASH', set('location_id_list', [123, '12321'])],
    ['use_all_locations with an empty list', 'CASH', (m) => { m.base_info.use_all_locations = true; m.base_info.location_id_list = [] }],
    ['the seed\'s mini-program entries', 'MEMBER_CARD', (m) => {
      Object.assign(m.base_info, {
        custom_url_name: '立即使用', custom_url: 'http://www.qq.com', custom_app_brand_user_name: 'gh_86a091e50ad4@app',
        custom_app_brand_pass: 'API/cardPage', custom_url_sub_title: '6个汉字tips', promotion_url_name: '更多优惠',
        promotion_url: 'http://www.qq.com', promotion_app_brand_user_name: 'gh_86a091e50ad4@app', promotion_app_brand_pass: 'API/cardPage'
      })
      m.activate_app_brand_user_name = 'gh_86a091e50ad4@app'
      m.activate_app_brand_pass = 'API/cardPage'
    }],
    ['centre entry with a page path and a query', 'CASH', (m) => {
      Object.assign(m.base_info, { center_title: '立即使用', center_app_brand_user_name: 'gh_86a091e50ad4@app', center_app_brand_pass: 'pages/card/index.html?card_id=p1&from=card' })
    }],
    ['user name without a page', 'CASH', set('promotion_app_brand_user_name', 'gh_86a091e50ad4@app')],
    ['empty mini-program entries', 'CASH', (m) => { m.base_info.custom_app_brand_user_name = ''; m.base_info.custom_app_brand_pass = '' }],
    ['null optional fields', 'CASH', (m) => { m.base_info.get_limit = null; m.base_info.can_share = null; m.base_info.sub_title = null }],
    ['null advanced_info', 'CASH', setTop('advanced_info', null)],
    ['least_cost 0', 'CASH', setTop('least_cost', 0)],
    ['discount as a string', 'DISCOUNT', setTop('discount', '1')],
    ['discount 99', 'DISCOUNT', setTop('discount', 99)],
    ['unknown fields', 'GENERAL_COUPON', (m) => {
      m.base_info.sub_merchant_info = { merchant_id: 12 }
      m.emoji = '🎁'
    }],
    ['the Koa back end\'s advanced_info', 'GENERAL_COUPON', advanced({
      use_condition: { can_use_with_other_discount: true },
      abstract: { abstract: '摘要', icon_url_list: ['http://mmbiz.qpic.cn/mmbiz/p/0'] },
      time_limit: [{ type: 'HOLIDAY' }],
      business_service: ['BIZ_SERVICE_FREE_WIFI', 'BIZ_SERVICE_WITH_PET', 'BIZ_SERVICE_FREE_PARK', 'BIZ_SERVICE_DELIVER']
    })],
    ['full advanced_info', 'CASH', advanced({
      use_condition: { accept_category: '鞋类', reject_category: '阿迪达斯', least_cost: '10000', object_use_for: '鞋', can_use_with_other_discount: false },
      abstract: { abstract: '摘要', icon_url_list: [] },
      text_image_list: [{ image_url: 'http://mmbiz.qpic.cn/mmbiz/t/0', text: '门店' }],
      time_limit: [{ type: 'MONDAY', begin_hour: 0, begin_minute: '0', end_hour: 23, end_minute: 59 }, { type: 'SUNDAY', begin_hour: 10, end_hour: 20 }],
      share_friends: true
    })]
  ]
  for (const [name, ct, mutate] of cases) {
    const m = rulesObject(ct)
    mutate(m)
    assert.equal(checkCardObject(ct, m, NOW), null, name)
  }
})

test('refuses what the service refuses, naming the same field', () => {
  const cases = [
    // Required fields.
    ['no base_info', '', (m) => { delete m.base_info }, 'base_info'],
    ['base_info not an object', '', setTop('base_info', 'x'), 'base_info'],
    ['no logo_url', '', unset('logo_url'), 'base_info.logo_url'],
    ['no code_type', '', unset('code_type'), 'base_info.code_type'],
    ['no brand_name', '', unset('brand_name'), 'base_info.brand_name'],
    ['no title', '', unset('title'), 'base_info.title'],
    ['title is a number', '', set('title', 10), 'base_info.title'],
    ['no color', '', unset('color'), 'base_info.color'],
    ['blank notice', '', set('notice', '  '), 'base_info.notice'],
    ['no description', '', unset('description'), 'base_info.description'],
    ['no sku', '', unset('sku'), 'base_info.sku'],
    ['sku not an object', '', set('sku', 5), 'base_info.sku'],
    ['sku without quantity', '', set('sku', {}), 'base_info.sku.quantity'],
    ['no date_info', '', unset('date_info'), 'base_info.date_info'],
    ['date_info without type', '', dateInfo({ fixed_term: 3 }), 'base_info.date_info.type'],
    ['fixed range without begin', '', dateInfo({ type: 'DATE_TYPE_FIX_TIME_RANGE', end_timestamp: future }), 'base_info.date_info.begin_timestamp'],
    ['fixed range without end', '', dateInfo({ type: 'DATE_TYPE_FIX_TIME_RANGE', begin_timestamp: 1 }), 'base_info.date_info.end_timestamp'],
    ['fixed term without fixed_term', '', dateInfo({ type: 'DATE_TYPE_FIX_TERM', fixed_begin_term: 0 }), 'base_info.date_info.fixed_term'],
    ['CASH without least_cost', 'CASH', (m) => { delete m.least_cost }, 'least_cost'],
    ['CASH without reduce_cost', 'CASH', (m) => { delete m.reduce_cost }, 'reduce_cost'],
    ['DISCOUNT without discount', 'DISCOUNT', (m) => { delete m.discount }, 'discount'],
    ['GROUPON without deal_detail', 'GROUPON', (m) => { delete m.deal_detail }, 'deal_detail'],
    ['GIFT with a blank gift', 'GIFT', setTop('gift', ' '), 'gift'],
    ['GENERAL_COUPON without default_detail', 'GENERAL_COUPON', (m) => { delete m.default_detail }, 'default_detail'],
    ['MEMBER_CARD without prerogative', 'MEMBER_CARD', (m) => { delete m.prerogative }, 'prerogative'],
    ['MEMBER_CARD with prerogative a number', 'MEMBER_CARD', setTop('prerogative', 1), 'prerogative'],

    // Lengths in UTF-8 bytes.
    ['title of 10 汉字 (30 bytes)', '', set('title', repeat('券', 10)), 'base_info.title'],
    ['title of 28 Latin letters', '', set('title', repeat('a', 28)), 'base_info.title'],
    ['logo_url of 129 bytes', '', set('logo_url', 'http://' + repeat('a', 122)), 'base_info.logo_url'],
    ['brand_name of 13 汉字', '', set('brand_name', repeat('店', 13)), 'base_info.brand_name'],
    ['notice of 17 汉字', '', set('notice', repeat('示', 17)), 'base_info.notice'],
    ['description of 1025 汉字', '', set('description', repeat('说', 1025)), 'base_info.description'],
    ['sub_title of 19 汉字', '', set('sub_title', repeat('副', 19)), 'base_info.sub_title'],
    ['get_custom_code_mode of 33 bytes', '', set('get_custom_code_mode', repeat('M', 33)), 'base_info.get_custom_code_mode'],
    ['service_phone of 25 bytes', '', set('service_phone', repeat('1', 25)), 'base_info.service_phone'],
    ['source of 13 汉字', '', set('source', repeat('源', 13)), 'base_info.source'],
    ['center_title of 7 汉字', '', set('center_title', repeat('用', 7)), 'base_info.center_title'],
    ['center_sub_title of 9 汉字', '', set('center_sub_title', repeat('用', 9)), 'base_info.center_sub_title'],
    ['center_url of 129 bytes', '', set('center_url', repeat('u', 129)), 'base_info.center_url'],
    ['custom_url_name of 6 汉字', '', set('custom_url_name', repeat('用', 6)), 'base_info.custom_url_name'],
    ['custom_url of 129 bytes', '', set('custom_url', repeat('u', 129)), 'base_info.custom_url'],
    ['custom_url_sub_title of 7 汉字', '', set('custom_url_sub_title', repeat('用', 7)), 'base_info.custom_url_sub_title'],
    ['promotion_url_name of 16 bytes', '', set('promotion_url_name', repeat('p', 16)), 'base_info.promotion_url_name'],
    ['promotion_url of 129 bytes', '', set('promotion_url', repeat('u', 129)), 'base_info.promotion_url'],
    ['promotion_url_sub_title of 19 bytes', '', set('promotion_url_sub_title', repeat('p', 19)), 'base_info.promotion_url_sub_title'],
    ['deal_detail of 3073 bytes', 'GROUPON', setTop('deal_detail', repeat('d', 3073)), 'deal_detail'],
    ['gift of 1025 汉字', 'GIFT', setTop('gift', repeat('礼', 1025)), 'gift'],
    ['default_detail of 3073 bytes', 'GENERAL_COUPON', setTop('default_detail', repeat('d', 3073)), 'default_detail'],
    ['prerogative of 3073 bytes', 'MEMBER_CARD', setTop('prerogative', repeat('p', 3073)), 'prerogative'],

    // code_type and colour.
    ['code_type not in the list', '', set('code_type', 'CODE_TYPE_QR'), 'base_info.code_type'],
    ['colour not in the list', '', set('color', 'Color011'), 'base_info.color'],
    ['colour as its hex value', '', set('color', '#63b359'), 'base_info.color'],
    ['colour in lower case', '', set('color', 'color010'), 'base_info.color'],

    // Validity.
    ['fixed range ending in the past', '', setDate('end_timestamp', NOW_S - 1), 'base_info.date_info.end_timestamp'],
    ['fixed range ending now', '', (m) => { setDate('begin_timestamp', NOW_S - DAY)(m); setDate('end_timestamp', NOW_S)(m) }, 'base_info.date_info.end_timestamp'],
    ['begin after end', '', setDate('begin_timestamp', future + 1), 'base_info.date_info.begin_timestamp'],
    ['begin equal to end', '', setDate('begin_timestamp', future), 'base_info.date_info.begin_timestamp'],
    ['negative begin_timestamp', '', setDate('begin_timestamp', -1), 'base_info.date_info.begin_timestamp'],
    ['timestamp as a word', '', setDate('end_timestamp', 'soon'), 'base_info.date_info.end_timestamp'],
    ['timestamp with a fraction', '', setDate('end_timestamp', 1760000000.5), 'base_info.date_info.end_timestamp'],
    ['timestamp as a boolean', '', setDate('begin_timestamp', true), 'base_info.date_info.begin_timestamp'],
    ['unknown date type', '', setDate('type', 'DATE_TYPE_SOMETIMES'), 'base_info.date_info.type'],
    ['old date type 3', '', setDate('type', 3), 'base_info.date_info.type'],
    ['permanent for a coupon', '', dateInfo({ type: 'DATE_TYPE_PERMANENT' }), 'base_info.date_info.type'],
    ['fixed term negative', '', dateInfo({ type: 'DATE_TYPE_FIX_TERM', fixed_term: -1 }), 'base_info.date_info.fixed_term'],
    ['fixed term negative begin', '', dateInfo({ type: 'DATE_TYPE_FIX_TERM', fixed_term: 3, fixed_begin_term: '-2' }), 'base_info.date_info.fixed_begin_term'],
    ['fixed term ending in the past', '', dateInfo({ type: 'DATE_TYPE_FIX_TERM', fixed_term: 3, end_timestamp: NOW_S - DAY }), 'base_info.date_info.end_timestamp'],
    ['date_info not an object', '', set('date_info', 'DATE_TYPE_FIX_TERM'), 'base_info.date_info'],

    // Stock.
    ['quantity 100000001', '', set('sku', { quantity: 100000001 }), 'base_info.sku.quantity'],
    ['quantity 0', '', set('sku', { quantity: 0 }), 'base_info.sku.quantity'],
    ['quantity negative', '', set('sku', { quantity: '-5' }), 'base_info.sku.quantity'],
    ['quantity as a word', '', set('sku', { quantity: 'many' }), 'base_info.sku.quantity'],
    ['quantity 5 with deposit mode', '', (m) => { m.base_info.get_custom_code_mode = 'GET_CUSTOM_CODE_MODE_DEPOSIT'; m.base_info.sku = { quantity: 5 } }, 'base_info.sku.quantity'],

    // Per-user limits and booleans.
    ['get_limit 0', '', set('get_limit', 0), 'base_info.get_limit'],
    ['use_limit -1', '', set('use_limit', -1), 'base_info.use_limit'],
    ['get_limit as a word', '', set('get_limit', 'two'), 'base_info.get_limit'],
    ['can_share as the string true', '', set('can_share', 'true'), 'base_info.can_share'],
    ['can_give_friend as 1', '', set('can_give_friend', 1), 'base_info.can_give_friend'],
    ['use_custom_code as a string', '', set('use_custom_code', 'false'), 'base_info.use_custom_code'],
    ['bind_openid as 0', '', set('bind_openid', 0), 'base_info.bind_openid'],
    ['use_all_locations as a string', '', set('use_all_locations', 'true'), 'base_info.use_all_locations'],
    ['need_push_on_view as a string', '', set('need_push_on_view', 'yes'), 'base_info.need_push_on_view'],

    // Stores.
    ['location_id_list not an array', '', set('location_id_list', 123), 'base_info.location_id_list'],
    ['location_id_list with a word', '', set('location_id_list', [123, 'shop']), 'base_info.location_id_list[1]'],
    ['use_all_locations with a list', '', (m) => { m.base_info.use_all_locations = true; m.base_info.location_id_list = [123] }, 'base_info.use_all_locations'],

    // Mini-program entries.
    ['custom user name without @app', '', set('custom_app_brand_user_name', 'gh_86a091e50ad4'), 'base_info.custom_app_brand_user_name'],
    ['center user name an appid', '', set('center_app_brand_user_name', 'wx86a091e50ad4abcd@app'), 'base_info.center_app_brand_user_name'],
    ['promotion user name without an id', '', set('promotion_app_brand_user_name', 'gh_@app'), 'base_info.promotion_app_brand_user_name'],
    ['custom user name with a space', '', set('custom_app_brand_user_name', 'gh_86a091 e50ad4@app'), 'base_info.custom_app_brand_user_name'],
    ['custom user name a number', '', set('custom_app_brand_user_name', 86), 'base_info.custom_app_brand_user_name'],
    ['custom page without user name', '', set('custom_app_brand_pass', 'API/cardPage'), 'base_info.custom_app_brand_user_name'],
    ['activate user name without @app', 'MEMBER_CARD', setTop('activate_app_brand_user_name', 'gh_86a091e50ad4'), 'activate_app_brand_user_name'],
    ['activate page without user name', 'MEMBER_CARD', setTop('activate_app_brand_pass', 'API/activate'), 'activate_app_brand_user_name'],

    // The type's own values.
    ['least_cost negative', 'CASH', setTop('least_cost', -1), 'least_cost'],
    ['reduce_cost 0', 'CASH', setTop('reduce_cost', 0), 'reduce_cost'],
    ['reduce_cost in yuan with a fraction', 'CASH', setTop('reduce_cost', 9.9), 'reduce_cost'],
    ['reduce_cost as a word', 'CASH', setTop('reduce_cost', 'ten'), 'reduce_cost'],
    ['discount 100', 'DISCOUNT', setTop('discount', 100), 'discount'],
    ['discount 0', 'DISCOUNT', setTop('discount', 0), 'discount'],
    ['discount 8.5', 'DISCOUNT', setTop('discount', 8.5), 'discount'],

    // advanced_info.
    ['advanced_info a string', '', setTop('advanced_info', 'none'), 'advanced_info'],
    ['advanced_info an array', '', setTop('advanced_info', []), 'advanced_info'],
    ['use_condition not an object', '', advanced({ use_condition: 'all' }), 'advanced_info.use_condition'],
    ['use_condition least_cost a word', '', advanced({ use_condition: { least_cost: 'lots' } }), 'advanced_info.use_condition.least_cost'],
    ['use_condition least_cost negative', '', advanced({ use_condition: { least_cost: -1 } }), 'advanced_info.use_condition.least_cost'],
    ['can_use_with_other_discount a string', '', advanced({ use_condition: { can_use_with_other_discount: 'true' } }), 'advanced_info.use_condition.can_use_with_other_discount'],
    ['two cover images', '', advanced({ abstract: { abstract: 'a', icon_url_list: ['http://a/0', 'http://b/0'] } }), 'advanced_info.abstract.icon_url_list'],
    ['icon_url_list a string', '', advanced({ abstract: { icon_url_list: 'http://a/0' } }), 'advanced_info.abstract.icon_url_list'],
    ['icon_url_list with a number', '', advanced({ abstract: { icon_url_list: [1] } }), 'advanced_info.abstract.icon_url_list[0]'],
    ['abstract text a number', '', advanced({ abstract: { abstract: 1 } }), 'advanced_info.abstract.abstract'],
    ['text_image_list without text', '', advanced({ text_image_list: [{ image_url: 'http://a/0' }] }), 'advanced_info.text_image_list[0].text'],
    ['text_image_list without image_url', '', advanced({ text_image_list: [{ image_url: 'http://a/0', text: 't' }, { text: 't' }] }), 'advanced_info.text_image_list[1].image_url'],
    ['text_image_list item a string', '', advanced({ text_image_list: ['http://a/0'] }), 'advanced_info.text_image_list[0]'],
    ['time_limit type FUNDAY', '', advanced({ time_limit: [{ type: 'FUNDAY' }] }), 'advanced_info.time_limit[0].type'],
    ['time_limit without type', '', advanced({ time_limit: [{ begin_hour: 1 }] }), 'advanced_info.time_limit[0].type'],
    ['time_limit begin_hour 24', '', advanced({ time_limit: [{ type: 'MONDAY' }, { type: 'TUESDAY', begin_hour: 24 }] }), 'advanced_info.time_limit[1].begin_hour'],
    ['time_limit end_minute 60', '', advanced({ time_limit: [{ type: 'MONDAY', end_minute: 60 }] }), 'advanced_info.time_limit[0].end_minute'],
    ['time_limit end_hour negative', '', advanced({ time_limit: [{ type: 'MONDAY', end_hour: -1 }] }), 'advanced_info.time_limit[0].end_hour'],
    ['time_limit not an array', '', advanced({ time_limit: { type: 'MONDAY' } }), 'advanced_info.time_limit'],
    ['business_service unknown', '', advanced({ business_service: ['BIZ_SERVICE_FREE_WIFI', 'BIZ_SERVICE_KARAOKE'] }), 'advanced_info.business_service[1]'],
    ['share_friends a string', '', advanced({ share_friends: 'true' }), 'advanced_info.share_friends']
  ]
  for (const [name, pass] of [['an https URL', 'https://example.com/pages/card'], ['a leading slash', '/pages/card/index'],
    ['an empty segment', 'pages//index'], ['a dot-dot segment', 'pages/../index'], ['a space', 'pages/card index'],
    ['a trailing slash', 'pages/card/'], ['a query only', '?id=1']]) {
    cases.push(['custom page with ' + name, '', (m) => {
      m.base_info.custom_app_brand_user_name = 'gh_86a091e50ad4@app'
      m.base_info.custom_app_brand_pass = pass
    }, 'base_info.custom_app_brand_pass'])
  }
  for (const [name, type, mutate, field] of cases) {
    const ct = type || 'CASH'
    const m = rulesObject(ct)
    mutate(m)
    const got = checkCardObject(ct, m, NOW)
    assert.ok(got, `${name}: accepted, want a refusal naming ${field}`)
    assert.equal(got.field, field, `${name}: ${got.message}`)
    assert.ok(got.message.length > 0)
  }
})

test('member card rules (cardrules_member_test.go)', () => {
  const level = { name_type: 'FIELD_NAME_TYPE_LEVEL', url: 'https://m.example.com/level' }
  const cases = [
    ['points, balance and one cell', { supply_bonus: true, supply_balance: true, custom_field1: level }, ''],
    ['the misspelt name types', { custom_field1: { name_type: 'FIELD_NAME_TYPE_ACHIEVEMEN' }, custom_field2: { name_type: 'FIELD_NAME_TYPE_TIMS' } }, ''],
    ['without supply_bonus', { supply_bonus: null }, 'supply_bonus'],
    ['supply_balance a string', { supply_balance: 'true' }, 'supply_balance'],
    ['points, balance and two cells', { supply_bonus: true, supply_balance: true, custom_field1: level, custom_field2: level }, 'custom_field2'],
    ['an empty custom_field3 counts', { supply_bonus: true, custom_field1: level, custom_field2: level, custom_field3: {} }, 'custom_field3'],
    ['name_type spelt right by mistake', { custom_field1: { name_type: 'FIELD_NAME_TYPE_ACHIEVEMENT' } }, 'custom_field1.name_type'],
    ['name_type and name', { custom_field1: { name_type: 'FIELD_NAME_TYPE_LEVEL', name: '等级' } }, 'custom_field1.name'],
    ['name of 25 bytes', { custom_field1: { name: repeat('a', 25) } }, 'custom_field1.name'],
    ['custom_cell1 without tips', { custom_cell1: { name: '使用入口', url: 'https://m.example.com' } }, 'custom_cell1.tips'],
    ['discount 100', { discount: 100 }, 'discount'],
    ['discount 10', { discount: 10 }, ''],
    ['bonus_rule', { bonus_rule: { cost_money_unit: 100, increase_bonus: 1, init_increase_bonus: 10 } }, ''],
    ['bonus_rule with a negative', { bonus_rule: { increase_bonus: -1 } }, 'bonus_rule.increase_bonus'],
    ['bonus_rule with an unknown key', { bonus_rule: { bonus_per_yuan: 1 } }, 'bonus_rule.bonus_per_yuan'],
    ['auto_activate and activate_url', { auto_activate: true, activate_url: 'https://m.example.com/a' }, 'activate_url'],
    ['auto_activate and wx_activate', { auto_activate: true, wx_activate: true }, 'wx_activate'],
    ['activate_url and wx_activate', { activate_url: 'https://m.example.com/a', wx_activate: true }, 'wx_activate'],
    ['jump type without wx_activate', { wx_activate_after_submit: true }, 'wx_activate_after_submit'],
    ['jump url typed bool', { wx_activate: true, wx_activate_after_submit_url: true }, 'wx_activate_after_submit_url'],
    ['jump type', { wx_activate: true, wx_activate_after_submit: true, wx_activate_after_submit_url: 'https://m.example.com/a' }, '']
  ]
  for (const [name, edit, field] of cases) {
    const m = rulesObject('MEMBER_CARD')
    for (const [k, v] of Object.entries(edit)) {
      if (v === null) delete m[k]
      else m[k] = v
    }
    const got = checkCardObject('MEMBER_CARD', m, NOW)
    if (field === '') assert.equal(got, null, name)
    else assert.equal(got && got.field, field, name)
  }
})

test('bad bodies (TestNormalizeCardDefinitionRefusesBadInput, parseCardDefinition)', () => {
  assert.equal(checkCardBody({ card_type: 'LOTTERY' }, NOW).field, 'card_type')
  assert.equal(checkCardBody([1], NOW).field, 'card')
  assert.equal(checkCardBody({ card_type: 'CASH' }, NOW).field, 'cash.base_info')
  assert.equal(checkCardBody({ card_type: 'CASH', cash: 'x' }, NOW).field, 'cash.base_info')
  assert.equal(checkCardBody({ card: 'x' }, NOW).field, 'card')
  assert.equal(checkCardBody({ card: {} }, NOW).field, 'card_type')
  assert.equal(checkCardBody({ card: { card_type: 'CASH', cash: rulesObject('CASH') } }, NOW), null)
  assert.equal(checkCardBody({ card_type: 'CASH', cash: rulesObject('CASH') }, NOW), null)
  const long = rulesObject('GENERAL_COUPON')
  long.base_info.title = repeat('券', 10)
  assert.equal(checkCardBody({ card: { card_type: 'GENERAL_COUPON', general_coupon: long } }, NOW).field, 'base_info.title')
})

test('updates (TestValidateCardUpdateRefuses / Accepts)', () => {
  const cur = { type: 'DATE_TYPE_FIX_TIME_RANGE', begin_timestamp: NOW_S - DAY, end_timestamp: NOW_S + 30 * DAY }
  const term = { type: 'DATE_TYPE_FIX_TERM', fixed_term: 30, fixed_begin_term: 1, end_timestamp: NOW_S + 60 * DAY }
  const termNoEnd = { type: 'DATE_TYPE_FIX_TERM', fixed_term: 30 }
  const bi = (fields) => ({ base_info: fields })
  const rng = (begin, end) => bi({ date_info: { type: 'DATE_TYPE_FIX_TIME_RANGE', begin_timestamp: begin, end_timestamp: end } })
  const refused = [
    ['brand_name', '', cur, bi({ brand_name: '新店' }), 'base_info.brand_name'],
    ['sku', '', cur, bi({ sku: { quantity: 10 } }), 'base_info.sku'],
    ['use_custom_code', '', cur, bi({ use_custom_code: true }), 'base_info.use_custom_code'],
    ['bind_openid', '', cur, bi({ bind_openid: true }), 'base_info.bind_openid'],
    ['get_custom_code_mode', '', cur, bi({ get_custom_code_mode: 'GET_CUSTOM_CODE_MODE_DEPOSIT' }), 'base_info.get_custom_code_mode'],
    ['source', '', cur, bi({ source: '大众点评' }), 'base_info.source'],
    ['need_push_on_view', '', cur, bi({ need_push_on_view: true }), 'base_info.need_push_on_view'],
    ['unknown base_info field', '', cur, bi({ pay_info: {} }), 'base_info.pay_info'],
    ['card_type', '', cur, { card_type: 'GIFT' }, 'card_type'],
    ['least_cost', 'CASH', cur, { least_cost: 0 }, 'least_cost'],
    ['reduce_cost', 'CASH', cur, { reduce_cost: 500 }, 'reduce_cost'],
    ['discount', 'DISCOUNT', cur, { discount: 20 }, 'discount'],
    ['advanced_info', '', cur, { advanced_info: { share_friends: true } }, 'advanced_info'],
    ['the wrapped type object', '', cur, { cash: bi({ title: 'x' }) }, 'cash'],
    ['another type\'s text field', 'GROUPON', cur, { gift: 'x' }, 'gift'],
    ['activate user name on a coupon', '', cur, bi({ activate_app_brand_user_name: 'gh_86a091e50ad4@app' }), 'base_info.activate_app_brand_user_name'],
    ['an empty patch', '', cur, {}, 'base_info'],
    ['an empty base_info', '', cur, bi({}), 'base_info'],
    ['base_info a string', '', cur, { base_info: 'x' }, 'base_info'],
    ['title of 10 汉字', '', cur, bi({ title: repeat('券', 10) }), 'base_info.title'],
    ['blank title', '', cur, bi({ title: '' }), 'base_info.title'],
    ['blank logo_url', '', cur, bi({ logo_url: ' ' }), 'base_info.logo_url'],
    ['notice of 17 汉字', '', cur, bi({ notice: repeat('示', 17) }), 'base_info.notice'],
    ['colour not in the list', '', cur, bi({ color: 'Color999' }), 'base_info.color'],
    ['code_type not in the list', '', cur, bi({ code_type: 'CODE_TYPE_NFC' }), 'base_info.code_type'],
    ['get_limit 0', '', cur, bi({ get_limit: 0 }), 'base_info.get_limit'],
    ['use_limit as a word', '', cur, bi({ use_limit: 'lots' }), 'base_info.use_limit'],
    ['can_share as a string', '', cur, bi({ can_share: 'false' }), 'base_info.can_share'],
    ['use_all_locations with a list', '', cur, bi({ use_all_locations: true, location_id_list: [1] }), 'base_info.use_all_locations'],
    ['custom user name without @app', '', cur, bi({ custom_app_brand_user_name: 'gh_86a091e50ad4' }), 'base_info.custom_app_brand_user_name'],
    ['center page with a leading slash', '', cur, bi({ center_app_brand_pass: '/API/cardPage' }), 'base_info.center_app_brand_pass'],
    ['custom_url_name of 6 汉字', '', cur, bi({ custom_url_name: repeat('用', 6) }), 'base_info.custom_url_name'],
    ['blank deal_detail', 'GROUPON', cur, { deal_detail: '' }, 'deal_detail'],
    ['gift of 3073 bytes', 'GIFT', cur, { gift: repeat('g', 3073) }, 'gift'],
    ['narrowing the end', '', cur, rng(cur.begin_timestamp, cur.end_timestamp - 1), 'base_info.date_info'],
    ['moving the begin later', '', cur, rng(cur.begin_timestamp + 1, cur.end_timestamp), 'base_info.date_info'],
    ['changing the type', '', cur, bi({ date_info: { type: 'DATE_TYPE_FIX_TERM', fixed_term: 365 } }), 'base_info.date_info'],
    ['shortening the term', '', term, bi({ date_info: { type: 'DATE_TYPE_FIX_TERM', fixed_term: 29, fixed_begin_term: 1, end_timestamp: term.end_timestamp } }), 'base_info.date_info'],
    ['starting the term later', '', term, bi({ date_info: { type: 'DATE_TYPE_FIX_TERM', fixed_term: 30, fixed_begin_term: 2, end_timestamp: term.end_timestamp } }), 'base_info.date_info'],
    ['moving the term\'s expiry earlier', '', term, bi({ date_info: { type: 'DATE_TYPE_FIX_TERM', fixed_term: 30, fixed_begin_term: 1, end_timestamp: term.end_timestamp - 1 } }), 'base_info.date_info'],
    ['adding an expiry', '', termNoEnd, bi({ date_info: { type: 'DATE_TYPE_FIX_TERM', fixed_term: 30, end_timestamp: NOW_S + 365 * DAY } }), 'base_info.date_info'],
    ['widening to an end in the past', '', { type: 'DATE_TYPE_FIX_TIME_RANGE', begin_timestamp: 1, end_timestamp: 2 }, rng(1, 3), 'base_info.date_info.end_timestamp'],
    ['date_info without end', '', cur, bi({ date_info: { type: 'DATE_TYPE_FIX_TIME_RANGE', begin_timestamp: cur.begin_timestamp } }), 'base_info.date_info.end_timestamp'],
    ['date_info null', '', cur, bi({ date_info: null }), 'base_info.date_info']
  ]
  for (const [name, type, current, patch, field] of refused) {
    const got = checkCardUpdate(type || 'CASH', patch, current, NOW)
    assert.equal(got && got.field, field, name)
  }
  const everything = {
    logo_url: 'http://mmbiz.qpic.cn/l/1', notice: '出示', description: '新说明', color: 'Color090', service_phone: '020-88888888',
    location_id_list: [1, 2], use_all_locations: false, center_title: '立即使用', center_sub_title: '到店出示', center_url: 'http://www.qq.com',
    center_app_brand_user_name: 'gh_86a091e50ad4@app', center_app_brand_pass: 'API/cardPage', custom_url_name: '立即使用',
    custom_url: 'http://www.qq.com', custom_url_sub_title: '6个汉字tips', custom_app_brand_user_name: 'gh_86a091e50ad4@app',
    custom_app_brand_pass: 'API/cardPage', promotion_url_name: '更多优惠', promotion_url: 'http://www.qq.com', promotion_url_sub_title: '看看',
    promotion_app_brand_user_name: 'gh_86a091e50ad4@app', promotion_app_brand_pass: 'API/cardPage', code_type: 'CODE_TYPE_BARCODE',
    get_limit: 3, use_limit: 3, can_share: true, can_give_friend: false, title: repeat('券', 9), sub_title: '副标题'
  }
  const accepted = [
    ['every updatable base_info field', 'CASH', cur, bi(everything)],
    ['widening both ends', 'CASH', cur, rng(cur.begin_timestamp - DAY, cur.end_timestamp + DAY)],
    ['the same window', 'CASH', cur, bi({ date_info: { type: '1', begin_timestamp: cur.begin_timestamp, end_timestamp: cur.end_timestamp } })],
    ['a longer term', 'CASH', term, bi({ date_info: { type: 'DATE_TYPE_FIX_TERM', fixed_term: 60, fixed_begin_term: 0, end_timestamp: term.end_timestamp + DAY } })],
    ['dropping the term\'s expiry', 'CASH', term, bi({ date_info: { type: 'DATE_TYPE_FIX_TERM', fixed_term: 30, fixed_begin_term: 1 } })],
    ['unknown current validity', 'CASH', {}, bi({ date_info: { type: 'DATE_TYPE_FIX_TERM', fixed_term: 1 } })],
    ['a page without its mini-program', 'CASH', cur, bi({ custom_app_brand_pass: 'pages/new/index' })],
    ['deal_detail', 'GROUPON', cur, { deal_detail: '三人套餐' }],
    ['gift', 'GIFT', cur, { gift: '蛋糕一块' }],
    ['default_detail and base_info', 'GENERAL_COUPON', cur, { default_detail: '全场八折', base_info: { title: '八折券' } }],
    ['member card prerogative and activation page', 'MEMBER_CARD', { type: 'DATE_TYPE_PERMANENT' }, {
      prerogative: '九折', activate_app_brand_user_name: 'gh_86a091e50ad4@app', activate_app_brand_pass: 'pages/activate',
      base_info: { date_info: { type: 'DATE_TYPE_PERMANENT' } }
    }]
  ]
  for (const [name, type, current, patch] of accepted) assert.equal(checkCardUpdate(type, patch, current, NOW), null, name)
})

test('utf8Length counts bytes as WeChat does', () => {
  assert.equal(utf8Length('满100减10'), 11)
  assert.equal(utf8Length(repeat('券', 9)), 27)
  assert.equal(utf8Length('🎁'), 4)
})

// The form model.

test('money and days convert without floating point', () => {
  assert.equal(yuanToFen('12.34'), 1234)
  assert.equal(yuanToFen('0.1'), 10)
  assert.equal(yuanToFen('19.99'), 1999)
  assert.equal(yuanToFen('100'), 10000)
  assert.equal(yuanToFen('1.005'), undefined)
  assert.equal(yuanToFen('abc'), undefined)
  assert.equal(fenToYuan(1999), '19.99')
  assert.equal(fenToYuan(5), '0.05')
  const begin = daySeconds('2026-12-01')
  assert.equal(daySeconds('2026-12-01', true) - begin, DAY - 1)
  assert.equal(dayOf(new Date(begin * 1000)), '2026-12-01')
  assert.equal(daySeconds('2026-02-30'), undefined)
})

function formValues (cardType, now, extra = {}) {
  return {
    ...defaultValues(cardType, now),
    'base_info.brand_name': '微信餐厅',
    'base_info.logo_url': 'http://mmbiz.qpic.cn/mmbiz/logo/0',
    'base_info.title': '满100减10',
    'base_info.notice': '使用时向服务员出示此券',
    'base_info.description': '不可与其他优惠同享',
    default_detail: '全场九折',
    deal_detail: '双人套餐一份',
    least_cost: '100',
    reduce_cost: '10.50',
    discount: '30',
    gift: '咖啡一杯',
    prerogative: '会员九折',
    ...extra
  }
}

test('a filled form of every type builds a body the rules accept', () => {
  for (const ct of ALL_TYPES) {
    const { body, errors } = buildCard(ct, formValues(ct, NOW), NOW)
    assert.deepEqual(errors, {}, ct)
    assert.equal(body.card.card_type, ct)
    assert.equal(checkCardBody(body, NOW), null, ct)
  }
  const { body } = buildCard('CASH', formValues('CASH', NOW), NOW)
  assert.equal(body.card.cash.reduce_cost, 1050)
  assert.equal(body.card.cash.least_cost, 10000)
  assert.equal(body.card.cash.base_info.sku.quantity, 100)
  assert.equal(body.card.cash.base_info.date_info.type, 'DATE_TYPE_FIX_TIME_RANGE')
  assert.equal(typeof body.card.cash.base_info.date_info.end_timestamp, 'number')
  assert.equal(body.card.cash.deal_detail, undefined, 'another type\'s fields stay out')
})

test('the form reports every single-field refusal and the service\'s first', () => {
  const { errors } = buildCard('GENERAL_COUPON', formValues('GENERAL_COUPON', NOW, {
    'base_info.title': repeat('券', 10), 'base_info.notice': '', 'base_info.sku.quantity': '0'
  }), NOW)
  assert.match(errors['base_info.title'], /27 字节/)
  assert.match(errors['base_info.notice'], /请填写/)
  assert.equal(errors['base_info.sku.quantity'], undefined, 'rules beyond single fields wait for these')
  const q = buildCard('GENERAL_COUPON', formValues('GENERAL_COUPON', NOW, { 'base_info.sku.quantity': '0' }), NOW)
  assert.deepEqual(Object.keys(q.errors), ['base_info.sku.quantity'])
  const money = buildCard('CASH', formValues('CASH', NOW, { reduce_cost: '9.999' }), NOW)
  assert.deepEqual(Object.keys(money.errors), ['reduce_cost'])
  const past = buildCard('CASH', formValues('CASH', NOW, { 'base_info.date_info.end_timestamp': '2020-01-01' }), NOW)
  assert.ok(past.errors['base_info.date_info.end_timestamp'] || past.errors['base_info.date_info.begin_timestamp'])
  const term = buildCard('CASH', formValues('CASH', NOW, { 'base_info.date_info.type': 'DATE_TYPE_FIX_TERM', 'base_info.date_info.end_timestamp': '' }), NOW)
  assert.deepEqual(term.errors, {})
  assert.deepEqual(term.body.card.cash.base_info.date_info, { type: 'DATE_TYPE_FIX_TERM', fixed_term: 30, fixed_begin_term: 0 })
  const member = buildCard('MEMBER_CARD', formValues('MEMBER_CARD', NOW, { wx_activate: true }), NOW)
  assert.deepEqual(Object.keys(member.errors), ['wx_activate'])
})

test('every form field is named by its API path', () => {
  for (const ct of ALL_TYPES) {
    for (const field of cardFields(ct)) {
      assert.match(field.name, /^[a-z_]+(\.[a-z_]+)*$/, field.name)
      assert.ok(field.label && field.group, field.name)
    }
  }
  const edit = editFields('CASH').map((x) => x.name)
  assert.ok(edit.includes('base_info.title'))
  assert.ok(!edit.includes('base_info.brand_name') && !edit.includes('reduce_cost') && !edit.includes('base_info.sku.quantity'))
})

test('an edit sends only what changed, checked as PATCH is', () => {
  const obj = rulesObject('GROUPON')
  const before = valuesFromCard('GROUPON', obj)
  assert.equal(before['base_info.title'], '满100减10')
  assert.equal(before['base_info.date_info.type'], 'DATE_TYPE_FIX_TIME_RANGE')
  assert.equal(typeObject('GROUPON', { card_type: 'GROUPON', groupon: obj }), obj)
  const current = { type: 'DATE_TYPE_FIX_TIME_RANGE', begin_timestamp: obj.base_info.date_info.begin_timestamp, end_timestamp: obj.base_info.date_info.end_timestamp }

  const ok = buildUpdate('GROUPON', { ...before, 'base_info.title': '三人套餐', deal_detail: '三人套餐一份' }, before, current, NOW)
  assert.deepEqual(ok.errors, {})
  assert.deepEqual(ok.patch, { base_info: { title: '三人套餐' }, deal_detail: '三人套餐一份' })

  const long = buildUpdate('GROUPON', { ...before, 'base_info.title': repeat('券', 10) }, before, current, NOW)
  assert.deepEqual(Object.keys(long.errors), ['base_info.title'])

  const none = buildUpdate('GROUPON', before, before, current, NOW)
  assert.deepEqual(Object.keys(none.errors), ['base_info'])

  const later = dayOf(new Date((current.end_timestamp + 10 * DAY) * 1000))
  const widen = buildUpdate('GROUPON', { ...before, 'base_info.date_info.end_timestamp': later }, before, current, NOW)
  assert.deepEqual(widen.errors, {})
  assert.equal(widen.patch.base_info.date_info.type, 'DATE_TYPE_FIX_TIME_RANGE')
  const earlier = dayOf(new Date((current.end_timestamp - 10 * DAY) * 1000))
  const narrow = buildUpdate('GROUPON', { ...before, 'base_info.date_info.end_timestamp': earlier }, before, current, NOW)
  assert.deepEqual(Object.keys(narrow.errors), ['base_info.date_info'])
})

test('idempotency keys are fresh and within the contract\'s 1–64 characters', () => {
  const a = newIdempotencyKey()
  assert.notEqual(a, newIdempotencyKey())
  assert.ok(a.length >= 1 && a.length <= 64 && /^[\x21-\x7e]+$/.test(a))
})

test('one key per intended request: the same body keeps its key, another body or a reset gets a new one', async () => {
  const { onceKey } = await import('../../web/console/js/formkit.js')
  let n = 0
  const k = onceKey(() => 'k' + (++n))
  const body = { card: { card_type: 'GIFT' } }
  assert.equal(k.for(body), 'k1')
  assert.equal(k.for({ card: { card_type: 'GIFT' } }), 'k1', 'a retry of the same content')
  assert.equal(k.for({ card: { card_type: 'CASH' } }), 'k2', 'changed content')
  k.reset()
  assert.equal(k.for({ card: { card_type: 'CASH' } }), 'k3', 'after a success')
})
