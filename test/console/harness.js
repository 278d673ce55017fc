// The browser tests' harness: the real service in sandbox mode, Debian's
// chromium driven by playwright-core, and API helpers for set-up.
//
//   node --test test/console/*.test.js      (from the repo root; make test-console)

import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { chromium } from 'playwright-core'

import { startServer as startSandboxServer } from '../sandbox-server.mjs'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const artifacts = path.join(repoRoot, 'test/console/artifacts')

export const ADMIN = { username: 'admin', password: 'sandbox-admin' }

/** A phone at the counter. */
export const PHONE = { width: 390, height: 844 }

/**
 * The service in sandbox mode ({ base, wx, stop(), logs() }): see
 * test/sandbox-server.mjs, shared with the mini-program client's tests.
 */
export const startServer = () => startSandboxServer('console')

// The flags the console's tests run chromium with (and no others of ours).
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']

/** Debian's chromium (never a downloaded browser), headless. */
export async function launchBrowser () {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS })
}

/**
 * A new page in its own context (its own sessionStorage), that records
 * console messages and CSP violations (page.problems()).
 */
export async function newPage (browser, viewport = { width: 1280, height: 860 }) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', deviceScaleFactor: 1 })
  const page = await context.newPage()
  const problems = []
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(m.text())
  })
  page.on('pageerror', (err) => problems.push('pageerror: ' + err.message))
  page.problems = () => problems
  return page
}

/** Signs in through the sign-in form and waits for the shell's nav. */
export async function signIn (page, base, username, password) {
  await page.goto(base + '/console/')
  const form = page.getByTestId('signin-form')
  await form.locator('[name=username]').fill(username)
  await form.locator('[name=password]').fill(password)
  await form.getByRole('button', { name: '登录' }).click()
  await page.getByTestId('nav').waitFor()
}

/** Calls the service; throws on a non-2xx answer unless opts.ok says otherwise. */
export async function call (method, url, body, token, opts = {}) {
  const headers = { 'Content-Type': 'application/json', ...(opts.headers || {}) }
  if (token) headers.Authorization = 'Bearer ' + token
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  let json
  try { json = JSON.parse(text) } catch (_) { json = undefined }
  if (!res.ok && !opts.allowError) throw new Error(`${method} ${url}: HTTP ${res.status} ${text}`)
  return opts.allowError ? { status: res.status, body: json } : json
}

/** The sandbox admin's API token, for set-up. */
export async function adminToken (base) {
  return (await call('POST', base + '/admin/v1/auth/login', ADMIN)).token
}

/** Creates a clerk (or another role) through the API. */
export async function createClerk (base, token, username, password, role = 'clerk') {
  return call('POST', base + '/admin/v1/users', { username, password, role }, token)
}

/** Saves a full-page screenshot into test/console/artifacts/<name>.png (gitignored). */
export async function screenshot (page, name) {
  mkdirSync(artifacts, { recursive: true })
  const file = path.join(artifacts, name + '.png')
  await page.screenshot({ path: file, fullPage: true })
  return file
}

/** A valid GENERAL_COUPON definition. */
export function couponDef (title, quantity = 100) {
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
          sku: { quantity },
          date_info: { type: 'DATE_TYPE_FIX_TIME_RANGE', begin_timestamp: now - 3600, end_timestamp: now + 30 * 86400 },
          get_limit: 5
        },
        default_detail: '满100减10'
      }
    }
  }
}

/** A member card with points and stored value, activated in the mini-program. */
export function memberCardDef (title = '会员卡') {
  return {
    card: {
      card_type: 'MEMBER_CARD',
      member_card: {
        base_info: {
          logo_url: 'http://mmbiz.qpic.cn/mmbiz/demo/0', code_type: 'CODE_TYPE_TEXT', brand_name: '微信餐厅',
          title, color: 'Color010', notice: '使用时出示会员卡', description: '会员专享',
          sku: { quantity: 100 }, get_limit: 1, date_info: { type: 'DATE_TYPE_PERMANENT' }
        },
        prerogative: '会员享九折',
        supply_bonus: true,
        supply_balance: true,
        bonus_rule: { init_increase_bonus: 20 },
        wx_activate: true,
        wx_activate_after_submit: true,
        activate_app_brand_user_name: 'gh_86a091e50ad4@app',
        activate_app_brand_pass: 'pages/member/activate'
      }
    }
  }
}

/** Creates a card through the API; returns its card_id. */
export async function createCard (base, token, def) {
  return (await call('POST', base + '/admin/v1/cards', def, token)).card_id
}

/** A mini-program user's token, signed in through the sandbox's wx.login. */
export async function userToken (server, openid) {
  const { code } = await call('POST', server.wx + '/sandbox/login', { openid })
  return (await call('POST', server.base + '/api/v1/auth/login', { code })).token
}

/**
 * The user `openid` receives card cardId as the WeChat client would: card-ext
 * from the mini-program API, wx.addCard played by sandbox/add-card, then
 * codes/decrypt records it. Returns { code, encryptCode, token }.
 */
export async function receiveCard (server, cardId, openid) {
  const token = await userToken(server, openid)
  let ext
  for (let deadline = Date.now() + 15_000; ;) {
    // The emulator may still be reviewing a new card.
    const res = await call('POST', server.base + '/api/v1/card-ext', { cards: [{ card_id: cardId }] }, token, { allowError: true })
    if (res.status === 200) { ext = res.body.card_list[0]; break }
    if (Date.now() > deadline) throw new Error(`card-ext for ${cardId}: HTTP ${res.status} ${JSON.stringify(res.body)}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  const added = await call('POST', server.wx + '/sandbox/add-card', { openid, card_list: [{ card_id: ext.cardId, card_ext: ext.cardExt }] })
  const item = added.card_list[0]
  if (!item.is_success) throw new Error('add-card failed: ' + JSON.stringify(added))
  const dec = await call('POST', server.base + '/api/v1/codes/decrypt', { card_list: [{ card_id: cardId, encrypt_code: item.code }] }, token)
  const got = dec.card_list[0]
  if (got.error) throw new Error('decrypt failed: ' + JSON.stringify(got.error))
  return { code: got.code, encryptCode: item.code, token }
}

/**
 * The user receives member card cardId, fills WeChat's activation form and
 * activates in the mini-program. Returns the member { code, bonus, balance, … }.
 */
export async function activateMember (server, cardId, openid) {
  const { code, token } = await receiveCard(server, cardId, openid)
  const form = await call('POST', server.wx + '/sandbox/member-form',
    { openid, card_id: cardId, code, fields: { USER_FORM_INFO_FLAG_MOBILE: '13800000000' } })
  return call('POST', server.base + '/api/v1/members/activate',
    { card_id: cardId, encrypt_code: form.encrypt_code, activate_ticket: form.activate_ticket }, token)
}

/** A 商家券 stock (WeChat Pay create-stock object): ¥1 off ¥10, 30 days. */
export function stockDef (name = '满10减1') {
  const now = new Date()
  const later = new Date(now.getTime() + 30 * 86400_000)
  const iso = (d) => d.toISOString().replace(/\.\d{3}Z$/, '+00:00')
  return {
    stock_name: name,
    goods_name: '全场通用',
    stock_type: 'NORMAL',
    coupon_use_rule: {
      coupon_available_time: { available_begin_time: iso(now), available_end_time: iso(later), available_day_after_receive: 7 },
      use_method: 'OFF_LINE',
      fixed_normal_coupon: { discount_amount: 100, transaction_minimum: 1000 }
    },
    coupon_code_mode: 'WECHATPAY_MODE',
    stock_send_rule: { max_coupons: 1000, max_coupons_per_user: 2 }
  }
}

/**
 * The user `openid` receives a coupon of stockId as the <send-coupon> plugin
 * would (sandbox/pay/send-coupon) and the mini-program confirms it. Returns
 * the coupon_code.
 */
export async function receiveCoupon (server, stockId, openid) {
  const token = await userToken(server, openid)
  const params = await call('POST', server.base + '/api/v1/send-coupon-params', { stocks: [{ stock_id: stockId }] }, token)
  const sent = await call('POST', server.wx + '/sandbox/pay/send-coupon',
    { openid, send_coupon_params: params.send_coupon_params, send_coupon_merchant: params.send_coupon_merchant, sign: params.sign })
  if (sent.errcode !== 'OK') throw new Error('send-coupon: ' + JSON.stringify(sent))
  const confirmed = await call('POST', server.base + '/api/v1/coupons/confirm', { send_coupon_result: sent.send_coupon_result }, token)
  const c = confirmed.coupons[0]
  if (c.error) throw new Error('confirm: ' + JSON.stringify(c.error))
  return c.coupon_code
}
