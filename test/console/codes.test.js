// 核销 on a phone: a card received by a user through the sandbox is looked up
// by a clerk (typed, or a keyboard-wedge scanner: the code then Enter),
// consumed once, and a second consume shows the conflict.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'

import {
  startServer, launchBrowser, newPage, signIn, adminToken, createClerk, screenshot, call,
  createCard, couponDef, receiveCard, stockDef, receiveCoupon, PHONE, repoRoot
} from './harness.js'

let server, browser, admin, cardId, stockId

before(async () => {
  server = await startServer()
  browser = await launchBrowser()
  admin = await adminToken(server.base)
  cardId = await createCard(server.base, admin, couponDef('10元代金券'))
  stockId = (await call('POST', server.base + '/admin/v1/stocks', stockDef('满10减1'), admin)).stock_id
  await createClerk(server.base, admin, 'clerk1', 'clerk-password')
  await createClerk(server.base, admin, 'clerk2', 'clerk-password')
}, { timeout: 180_000 })

after(async () => {
  if (browser) await browser.close()
  if (server) await server.stop()
})

/** Types the code as a keyboard-wedge scanner does: the characters, then Enter. */
async function scanIn (page, code) {
  const input = page.getByTestId('lookup-form').locator('[name=code]')
  await input.fill('')
  await input.focus()
  await page.keyboard.type(code, { delay: 5 })
  await page.keyboard.press('Enter')
}

test('a clerk on a phone looks a received code up, consumes it once, and a second consume shows the conflict', { timeout: 120_000 }, async () => {
  const { code } = await receiveCard(server, cardId, 'oConsoleHolder1')

  const page = await newPage(browser, PHONE)
  await signIn(page, server.base, 'clerk1', 'clerk-password')
  assert.match(page.url(), /#\/codes$/, 'a clerk lands on 核销')
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.name), 'code', 'the code box has the focus, ready for a scanner')

  // A second clerk at another counter looks the same code up first.
  const other = await newPage(browser, PHONE)
  await signIn(other, server.base, 'clerk2', 'clerk-password')
  await scanIn(other, code)
  await other.getByTestId('code-view').waitFor()

  await scanIn(page, code)
  const view = page.getByTestId('code-view')
  await view.waitFor()
  assert.equal(await view.getAttribute('data-can-consume'), 'true')
  assert.equal(await view.getByTestId('code').textContent(), code)
  assert.equal(await view.getByTestId('holder').textContent(), 'oConsoleHolder1')
  assert.match(await view.getByTestId('status').textContent(), /未使用/)
  assert.match(await view.getByTestId('can-consume').textContent(), /可以核销/)
  await screenshot(page, 'codes-lookup')
  if (process.env.UPDATE_SCREENSHOT === '1') {
    // The README's picture: the clerk's 核销 page on a phone.
    await page.screenshot({ path: path.join(repoRoot, 'docs/console.png'), fullPage: true })
  }

  await view.getByTestId('consume').click()
  const ok = page.locator('[data-outcome=consumed]')
  await ok.waitFor()
  assert.match(await ok.textContent(), /核销成功/)
  assert.equal(await view.getByTestId('consume').isVisible(), false, 'no second button once consumed')
  await screenshot(page, 'codes-consumed')

  // The other clerk's consume comes second: the conflict, clearly.
  await other.getByTestId('code-view').getByTestId('consume').click()
  const conflict = other.locator('[data-outcome=conflict]')
  await conflict.waitFor()
  assert.match(await conflict.textContent(), /核销失败/)
  assert.match(await conflict.textContent(), /已被核销|已核销/)
  await screenshot(other, 'codes-conflict')

  // Looked up again, the code says it cannot be consumed.
  await scanIn(page, code)
  await page.locator('[data-testid=code-view][data-can-consume=false]').waitFor()
  assert.match(await page.getByTestId('status').textContent(), /已核销/)

  const looked = await call('GET', `${server.base}/admin/v1/codes/${code}?card_id=${cardId}`, undefined, admin)
  assert.equal(looked.status, 'consumed')
  const audit = await call('GET', server.base + '/admin/v1/audit?count=100', undefined, admin)
  const consumes = audit.entries.filter((e) => e.action === 'code.consume')
  assert.deepEqual(consumes.map((e) => e.result).sort(), ['conflict', 'ok'], 'one consume ok, the second refused')
  assert.deepEqual(page.problems(), [])
  await page.context().close()
  await other.context().close()
})

test('a 商家券 coupon is found from the card mode, consumed once, then refused', { timeout: 90_000 }, async () => {
  const couponCode = await receiveCoupon(server, stockId, 'oConsoleCouponHolder')
  const page = await newPage(browser, PHONE)
  await signIn(page, server.base, 'clerk1', 'clerk-password')
  await scanIn(page, couponCode)
  const view = page.getByTestId('code-view')
  await view.waitFor()
  assert.equal(await page.locator('[data-kind=coupon]').getAttribute('aria-pressed'), 'true', 'switched to 商家券')
  assert.equal(await view.getAttribute('data-can-consume'), 'true')
  assert.equal(await view.getByTestId('holder').textContent(), 'oConsoleCouponHolder')
  assert.match(await view.textContent(), /满10减1/)
  await view.getByTestId('consume').dblclick()
  await page.locator('[data-outcome=consumed]').waitFor()
  await screenshot(page, 'codes-coupon-consumed')
  const after = await call('GET', `${server.base}/admin/v1/coupons/${couponCode}?stock_id=${stockId}`, undefined, admin)
  assert.equal(after.status, 'consumed')
  assert.equal(after.can_consume, false)

  await scanIn(page, couponCode)
  await page.locator('[data-testid=code-view][data-can-consume=false]').waitFor()
  assert.match(await page.getByTestId('status').textContent(), /已核销/)
  const audit = await call('GET', server.base + '/admin/v1/audit?count=100', undefined, admin)
  assert.equal(audit.entries.filter((e) => e.action === 'coupon.consume').length, 1, 'a double click consumes once')
  await page.context().close()
})

test('an unknown code says so', { timeout: 60_000 }, async () => {
  const page = await newPage(browser, PHONE)
  await signIn(page, server.base, 'clerk1', 'clerk-password')
  await scanIn(page, '999999999999')
  const err = page.getByTestId('lookup-error')
  await err.waitFor()
  assert.match(await err.textContent(), /未找到该券码/)
  await page.context().close()
})

test('the camera button shows only with BarcodeDetector, and a detected code is looked up', { timeout: 90_000 }, async () => {
  const { code } = await receiveCard(server, cardId, 'oConsoleHolder2')
  const plain = await newPage(browser, PHONE)
  await signIn(plain, server.base, 'clerk1', 'clerk-password')
  const has = await plain.evaluate(() => 'BarcodeDetector' in window)
  assert.equal(await plain.getByTestId('scan').isVisible(), has, 'the scan button follows the feature')
  await plain.context().close()

  // A browser that has it: a stand-in detector that reads the code from the
  // camera (a canvas stream in place of the camera).
  const page = await newPage(browser, PHONE)
  await page.addInitScript((seen) => {
    window.BarcodeDetector = class {
      static async getSupportedFormats () { return ['qr_code', 'code_128'] }
      async detect () { return [{ rawValue: seen, format: 'code_128' }] }
    }
    navigator.mediaDevices.getUserMedia = async () => {
      const canvas = document.createElement('canvas')
      canvas.width = 64
      canvas.height = 48
      canvas.getContext('2d').fillRect(0, 0, 64, 48)
      return canvas.captureStream(5)
    }
  }, code)
  await signIn(page, server.base, 'clerk1', 'clerk-password')
  await page.getByTestId('scan').click()
  const view = page.getByTestId('code-view')
  await view.waitFor()
  assert.equal(await view.getByTestId('code').textContent(), code)
  assert.equal(await page.getByTestId('scanner').isVisible(), false, 'the camera is closed after a read')
  await page.context().close()
})
