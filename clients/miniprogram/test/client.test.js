// End-to-end tests of the mini-program client against the real service in
// sandbox mode. The service is built once and started on 127.0.0.1:0; a fake
// `wx` plays the WeChat client through the emulator's driver endpoints
// (sandbox/login, sandbox/add-card), and requests go over Node's fetch.
//
//   node --test clients/miniprogram/test/     (Node 18/20; Node 21+: test/*.test.js)

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'

import { createCouponClient, CouponError, USER_MESSAGES } from '../index.js'
import { startServer } from '../../../test/sandbox-server.mjs'

// ---------------------------------------------------------------------------
// The service

/** @type {{base: string, wx: string, stop: () => Promise<void>}} */
let server
let cardA, cardB

before(async () => {
  server = await startServer('js-client')
  const admin = await post(server.base + '/admin/v1/auth/login', { username: 'admin', password: 'sandbox-admin' })
  cardA = (await post(server.base + '/admin/v1/cards', cardDef('10元代金券'), admin.body.token)).body.card_id
  cardB = (await post(server.base + '/admin/v1/cards', cardDef('满100减20'), admin.body.token)).body.card_id
  assert.ok(cardA && cardB, 'cards created')
  await waitIssuable([cardA, cardB])
}, { timeout: 120_000 })

/** Waits until the cards passed review and the service lists them (at once when the emulator reviews without delay). */
async function waitIssuable (ids) {
  const code = (await post(server.wx + '/sandbox/login', { openid: 'oJsSetup' })).body.code
  const token = (await post(server.base + '/api/v1/auth/login', { code })).body.token
  for (let deadline = Date.now() + 15_000; ;) {
    const res = await fetch(server.base + '/api/v1/cards', { headers: { Authorization: 'Bearer ' + token } })
    const listed = ((await res.json()).cards || []).map((c) => c.card_id)
    if (ids.every((id) => listed.includes(id))) return
    if (Date.now() > deadline) throw new Error(`cards ${ids} not issuable after 15s; listed: ${listed}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

after(async () => {
  if (server) await server.stop()
})

/** A valid GENERAL_COUPON definition (the shape of cardDef in cmd/server/harness_test.go). */
function cardDef (title) {
  const now = Math.floor(Date.now() / 1000)
  return {
    card: {
      card_type: 'GENERAL_COUPON',
      general_coupon: {
        base_info: {
          logo_url: 'http://mmbiz.qpic.cn/mmbiz/demo/0',
          code_type: 'CODE_TYPE_TEXT',
          brand_name: '微信餐厅',
          title,
          color: 'Color010',
          notice: '使用时向服务员出示此券',
          description: '不可与其他优惠同享',
          sku: { quantity: 100 },
          date_info: { type: 'DATE_TYPE_FIX_TIME_RANGE', begin_timestamp: now - 3600, end_timestamp: String(now + 30 * 86400) },
          get_limit: 5
        },
        default_detail: '满100减10'
      }
    }
  }
}

async function post (url, body, token) {
  const headers = { 'Content-Type': 'application/json' }
  if (token) headers.Authorization = 'Bearer ' + token
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) })
  const text = await res.text()
  let json
  try { json = JSON.parse(text) } catch (_) { json = undefined }
  if (!res.ok) throw new Error(`POST ${url}: HTTP ${res.status} ${text}`)
  return { status: res.status, body: json }
}

// ---------------------------------------------------------------------------
// Fakes: wx, request, storage

/** wx.request over fetch, with a log of what was asked. */
function fetchRequest (log = []) {
  return function request ({ url, method, data, header, success, fail }) {
    log.push({ method, url, authorization: header && header.Authorization })
    fetch(url, { method, headers: header, body: data === undefined ? undefined : JSON.stringify(data) })
      .then(async (res) => {
        const text = await res.text()
        let body = text
        try { body = JSON.parse(text) } catch (_) {}
        success({ statusCode: res.status, data: body, header: Object.fromEntries(res.headers) })
      }, (err) => fail({ errMsg: 'request:fail ' + err.message }))
  }
}

function memoryStorage (initial = {}) {
  const m = new Map(Object.entries(initial))
  return {
    getStorageSync: (k) => (m.has(k) ? m.get(k) : ''),
    setStorageSync: (k, v) => { m.set(k, v) },
    removeStorageSync: (k) => { m.delete(k) },
    map: m
  }
}

/**
 * A WeChat client for one user. addCard forwards to the emulator unless
 * `cancel` is set; `corruptSignature` changes the signature inside each cardExt
 * first. Calls are recorded in `calls`.
 */
function fakeWx (openid, { cancel = false, corruptSignature = false, withCardApis = true } = {}) {
  const calls = { login: 0, addCard: [], added: [], openCard: [] }
  const wx = {
    calls,
    login ({ success, fail }) {
      calls.login++
      post(server.wx + '/sandbox/login', { openid })
        .then((r) => success({ errMsg: 'login:ok', code: r.body.code }), (e) => fail({ errMsg: 'login:fail ' + e.message }))
    }
  }
  if (!withCardApis) return wx
  wx.addCard = ({ cardList, success, fail }) => {
    calls.addCard.push(cardList)
    if (cancel) return setTimeout(() => fail({ errMsg: 'addCard:fail cancel' }), 0)
    const list = cardList.map(({ cardId, cardExt }) => {
      if (corruptSignature) {
        const ext = JSON.parse(cardExt)
        ext.signature = ext.signature.replace(/^./, (c) => (c === '0' ? '1' : '0'))
        cardExt = JSON.stringify(ext)
      }
      return { card_id: cardId, card_ext: cardExt }
    })
    fetch(server.wx + '/sandbox/add-card', { method: 'POST', body: JSON.stringify({ openid, card_list: list }) })
      .then((r) => r.json())
      .then((out) => {
        if (out.errcode) return fail({ errMsg: 'addCard:fail ' + out.errmsg })
        const res = {
          errMsg: 'addCard:ok',
          cardList: out.card_list.map((c, i) => ({ cardId: c.card_id, cardExt: cardList[i].cardExt, code: c.code, isSuccess: c.is_success }))
        }
        calls.added.push(res)
        success(res)
      }, (e) => fail({ errMsg: 'addCard:fail ' + e.message }))
  }
  wx.openCard = ({ cardList, success }) => {
    calls.openCard.push(cardList)
    setTimeout(() => success({ errMsg: 'openCard:ok' }), 0)
  }
  return wx
}

let users = 0
/** A client for a fresh user; returns the fakes too. */
function newClient (wxOptions) {
  const openid = `oJsUser${++users}_${Date.now()}`
  const wx = fakeWx(openid, wxOptions)
  const log = []
  const storage = memoryStorage()
  const client = createCouponClient({ baseURL: server.base, wx, request: fetchRequest(log), storage })
  return { client, wx, log, storage, openid }
}

// ---------------------------------------------------------------------------
// Cases

test('login keeps the token in storage', async () => {
  const { client, storage, openid, wx } = newClient()
  const session = await client.login()
  assert.equal(session.openid, openid)
  assert.ok(session.token)
  assert.equal(storage.getStorageSync('wxcoupon_token'), session.token)
  assert.equal(wx.calls.login, 1)
})

test('listCards logs in on first use and lists the issuable cards', async () => {
  const { client, wx } = newClient()
  const cards = await client.listCards()
  const ids = cards.map((c) => c.card_id)
  assert.ok(ids.includes(cardA) && ids.includes(cardB), `listed ${ids}`)
  const a = cards.find((c) => c.card_id === cardA)
  assert.equal(a.title, '10元代金券')
  assert.equal(a.card_type, 'GENERAL_COUPON')
  assert.equal(wx.calls.login, 1)
})

test('addCards adds two cards in one wx.addCard call, decrypts, and myCodes lists both', async () => {
  const { client, wx } = newClient()
  const res = await client.addCards([cardA, { card_id: cardB }])
  assert.equal(res.cancelled, false)
  assert.equal(wx.calls.addCard.length, 1)
  assert.equal(wx.calls.addCard[0].length, 2)
  // cardExt is the service's signed JSON string, passed as is.
  for (const it of wx.calls.addCard[0]) {
    const ext = JSON.parse(it.cardExt)
    assert.match(ext.signature, /^[0-9a-f]{40}$/)
    assert.equal(typeof ext.timestamp, 'string')
  }
  assert.deepEqual(res.cards.map((c) => [c.card_id, c.ok, c.status]), [[cardA, true, 'issued'], [cardB, true, 'issued']])
  for (const c of res.cards) assert.ok(c.code)

  const codes = await client.myCodes()
  const got = codes.map((c) => [c.card_id, c.code, c.status]).sort()
  const want = res.cards.map((c) => [c.card_id, c.code, 'issued']).sort()
  assert.deepEqual(got, want)
  assert.deepEqual((await client.myCodes({ status: 'issued' })).length, 2)
})

test('a cancelled wx.addCard is a cancelled result and records nothing', async () => {
  const { client, wx, log } = newClient({ cancel: true })
  const res = await client.addCards([cardA])
  assert.deepEqual(res, { cancelled: true, cards: [] })
  assert.equal(wx.calls.addCard.length, 1)
  assert.ok(!log.some((r) => r.url.endsWith('/api/v1/codes/decrypt')), 'no decrypt call')
  assert.deepEqual(await client.myCodes(), [])
})

test('an expired token is renewed: 401, one new login, the call is retried and succeeds', async () => {
  const { client, wx, log, storage } = newClient()
  const expired = [{ alg: 'HS256', typ: 'JWT' }, { role: 'user', sub: 'oSomeone', exp: 1 }]
    .map((p) => Buffer.from(JSON.stringify(p)).toString('base64url')).join('.') + '.c2lnbmF0dXJl'
  storage.setStorageSync('wxcoupon_token', expired)

  const cards = await client.listCards()
  assert.ok(cards.some((c) => c.card_id === cardA))
  assert.equal(wx.calls.login, 1)
  const cardCalls = log.filter((r) => r.url.endsWith('/api/v1/cards'))
  assert.equal(cardCalls.length, 2)
  assert.equal(cardCalls[0].authorization, 'Bearer ' + expired)
  const fresh = storage.getStorageSync('wxcoupon_token')
  assert.ok(fresh && fresh !== expired)
  assert.equal(cardCalls[1].authorization, 'Bearer ' + fresh)
})

test('concurrent calls that get a 401 share one new login', async () => {
  const { client, wx, storage } = newClient()
  storage.setStorageSync('wxcoupon_token', 'garbage')
  const [cards, codes] = await Promise.all([client.listCards(), client.myCodes()])
  assert.ok(cards.length >= 2)
  assert.deepEqual(codes, [])
  assert.equal(wx.calls.login, 1)
})

test('a second 401 after logging in again is an unauthenticated error, not a loop', async () => {
  const wx = fakeWx('oJsAlwaysRefused')
  const log = []
  const request = fetchRequest(log)
  // Every call but login goes out with a garbage token, so the retry fails too.
  const client = createCouponClient({
    baseURL: server.base,
    wx,
    storage: memoryStorage({ wxcoupon_token: 'garbage' }),
    request: (o) => request(o.url.endsWith('/auth/login') ? o : { ...o, header: { ...o.header, Authorization: 'Bearer garbage' } })
  })
  await assert.rejects(client.listCards(), (err) => {
    assert.ok(err instanceof CouponError)
    assert.equal(err.code, 'unauthenticated')
    assert.equal(err.status, 401)
    return true
  })
  assert.equal(wx.calls.login, 1)
  assert.equal(log.filter((r) => r.url.endsWith('/api/v1/cards')).length, 2)
})

test('a refused signature surfaces as an error carrying WeChat\'s message', async () => {
  const { client, wx, log } = newClient({ corruptSignature: true })
  await assert.rejects(client.addCards([cardA]), (err) => {
    assert.ok(err instanceof CouponError)
    assert.equal(err.code, 'wechat_error')
    assert.match(err.errMsg, /^addCard:fail /)
    assert.match(err.message, /invalid card ext/) // WeChat's errmsg for 40080
    assert.match(err.message, /signature/)
    return true
  })
  assert.equal(wx.calls.addCard.length, 1)
  assert.ok(!log.some((r) => r.url.endsWith('/api/v1/codes/decrypt')))
  assert.deepEqual(await client.myCodes(), [])
})

test('a service error surfaces with the contract\'s error.code and message', async () => {
  const { client, wx } = newClient()
  await assert.rejects(client.addCards(['pNoSuchCard']), (err) => {
    assert.ok(err instanceof CouponError)
    assert.equal(err.code, 'not_found')
    assert.equal(err.status, 404)
    assert.ok(err.message)
    return true
  })
  assert.equal(wx.calls.addCard.length, 0)
})

test('an old WeChat client without wx.addCard is reported as unsupported_client', async () => {
  const { client, wx, log } = newClient({ withCardApis: false })
  assert.equal(client.isSupported(), false)
  for (const p of [client.addCards([cardA]), client.openCard(cardA, '123')]) {
    await assert.rejects(p, (err) => {
      assert.ok(err instanceof CouponError)
      assert.equal(err.code, 'unsupported_client')
      assert.match(err.message, /微信版本过低/)
      assert.match(err.message, /does not support cards/)
      return true
    })
  }
  assert.equal(log.length, 0, 'nothing asked of the service')
  assert.equal(wx.calls.login, 0)
})

test('openCard passes the decrypted code to wx.openCard', async () => {
  const { client, wx } = newClient()
  assert.equal(client.isSupported(), true)
  await client.addCards([cardB])
  const encrypted = wx.calls.added[0].cardList[0].code
  const [held] = await client.myCodes({ status: 'issued' })
  assert.equal(held.card_id, cardB)
  const res = await client.openCard(held.card_id, held.code)
  assert.equal(res.errMsg, 'openCard:ok')
  assert.deepEqual(wx.calls.openCard, [[{ cardId: cardB, code: held.code }]])
  assert.notEqual(held.code, encrypted)
})

// ---------------------------------------------------------------------------
// 商家券 through the <send-coupon> plugin (played by sandbox/pay/send-coupon)

/** Creates a running 商家券 stock (window from now, one coupon per user). */
async function createStock (name) {
  const admin = await post(server.base + '/admin/v1/auth/login', { username: 'admin', password: 'sandbox-admin' })
  const begin = new Date(Date.now() - 1000).toISOString().replace(/\.\d+Z$/, 'Z')
  const end = new Date(Date.now() + 30 * 86400_000).toISOString().replace(/\.\d+Z$/, 'Z')
  const body = {
    stock_name: name, goods_name: '全场通用', stock_type: 'NORMAL', coupon_code_mode: 'WECHATPAY_MODE',
    coupon_use_rule: {
      coupon_available_time: { available_begin_time: begin, available_end_time: end },
      fixed_normal_coupon: { discount_amount: 100, transaction_minimum: 1000 },
      use_method: 'OFF_LINE'
    },
    stock_send_rule: { max_coupons: 100, max_coupons_per_user: 1 }
  }
  return (await post(server.base + '/admin/v1/stocks', body, admin.body.token)).body.stock_id
}

/** Plays the plugin for openid with the attributes sendCoupons returned: its bindsendcoupon detail. */
async function plugin (openid, attrs) {
  return (await post(server.wx + '/sandbox/pay/send-coupon', Object.assign({ openid }, attrs))).body
}

test('商家券: two stocks in one plugin call, confirm, my coupons, reveal', async () => {
  const [s1, s2] = [await createStock('满10减1'), await createStock('满20减2')]
  const { client, openid } = newClient()
  const listed = (await client.listStocks()).map((s) => s.stock_id)
  assert.ok(listed.includes(s1) && listed.includes(s2))
  const attrs = await client.sendCoupons([s1, s2])
  assert.equal(attrs.send_coupon_params.length, 2)
  assert.match(attrs.sign, /^[0-9A-F]{64}$/)
  const detail = await plugin(openid, attrs)
  const results = await client.confirmCoupons(detail)
  assert.deepEqual(results.map((r) => [r.stock_id, r.ok, r.status]), [[s1, true, 'issued'], [s2, true, 'issued']])
  const mine = await client.myCoupons()
  assert.equal(mine.length, 2)

  const link = (await post(server.wx + '/sandbox/pay/coupon-link', { openid, stock_id: s1, coupon_code: results[0].coupon_code })).body
  const revealed = await client.revealCoupon(link)
  assert.equal(revealed.coupon_code, results[0].coupon_code)
  // Another user's link is refused, in Chinese for the user.
  const other = newClient()
  await assert.rejects(other.client.revealCoupon(link), (err) => err instanceof CouponError && err.code === 'code_not_owned' && err.userMessage === '这张券不属于当前用户。')
})

test('商家券: a forged result is refused; the per-user limit is reported in Chinese', async () => {
  const stock = await createStock('满30减3')
  const alice = newClient()
  const got = await alice.client.confirmCoupons(await plugin(alice.openid, await alice.client.sendCoupons([stock])))
  assert.equal(got[0].ok, true)

  const bob = newClient()
  const attrs = await bob.client.sendCoupons([stock])
  const forged = {
    errcode: 'OK',
    send_coupon_result: [{ stock_id: stock, out_request_no: attrs.send_coupon_params[0].out_request_no, coupon_code: got[0].coupon_code, code: 'SUCCESS' }]
  }
  const refused = await bob.client.confirmCoupons(forged)
  assert.equal(refused[0].ok, false)
  assert.equal(refused[0].error.code, 'code_not_owned')
  assert.equal(refused[0].error.userMessage, '这张券不属于当前用户。')
  assert.deepEqual(await bob.client.myCoupons(), [])

  // Alice asks again: the plugin reports MAXQUOTA (max_coupons_per_user 1).
  const again = await alice.client.confirmCoupons(await plugin(alice.openid, await alice.client.sendCoupons([stock])))
  assert.equal(again[0].ok, false)
  assert.equal(again[0].error.code, 'MAXQUOTA')
  assert.equal(again[0].error.userMessage, USER_MESSAGES.MAXQUOTA)
  // A plugin failure as a whole rejects with its code and a Chinese message.
  await assert.rejects(alice.client.confirmCoupons({ errcode: 'SIGN_ERROR', msg: 'sign' }), (err) => err.code === 'SIGN_ERROR' && err.userMessage === USER_MESSAGES.SIGN_ERROR)
})
