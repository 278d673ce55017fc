// The 商家券批次 page in Debian's chromium over the sandbox (WeChat Pay's
// emulator): a stock created through the form (a too-long name refused
// beside the field first, nothing created), listed, and its budget changed.
//
//   node --test test/console/stocks.test.js      (from the repo root)

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'

import { startServer, launchBrowser, newPage, signIn, ADMIN, adminToken, call, screenshot } from './harness.js'

let server, browser, token

before(async () => {
  server = await startServer()
  browser = await launchBrowser()
  token = await adminToken(server.base)
}, { timeout: 240_000 })

after(async () => {
  if (browser) await browser.close()
  if (server) await server.stop()
})

const stocks = async () => (await call('GET', server.base + '/admin/v1/stocks?count=100', undefined, token)).stocks

test('商家券批次: create through the form, see it listed, change its budget', { timeout: 240_000 }, async () => {
  const page = await newPage(browser)
  const posts = []
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/admin/v1/stocks') posts.push(JSON.parse(r.postData()))
  })
  await signIn(page, server.base, ADMIN.username, ADMIN.password)
  await page.locator('[data-nav=stocks]').click()
  await page.locator('[data-page=stocks] h1').waitFor()
  const before = (await stocks()).length

  await page.getByTestId('new-stock').click()
  const form = page.getByTestId('stock-form')
  await form.locator('[name=stock_name]').fill('满100减10'.repeat(4)) // 28 characters; WeChat Pay takes 21
  await form.locator('[name=goods_name]').fill('全场通用')
  await form.locator('[name=stock_type]').selectOption('NORMAL')
  await form.locator('[name="coupon_use_rule.fixed_normal_coupon.discount_amount"]').fill('10')
  await form.locator('[name="coupon_use_rule.fixed_normal_coupon.transaction_minimum"]').fill('100')
  await form.locator('[name="stock_send_rule.max_coupons"]').fill('1000')
  await form.locator('[name="stock_send_rule.max_coupons_per_user"]').fill('2')
  await form.getByTestId('create-stock').click()
  const nameError = form.locator('[data-error-for=stock_name]')
  await nameError.waitFor({ state: 'visible' })
  assert.match(await nameError.textContent(), /21/)
  assert.equal(posts.length, 0, 'a refused name sends nothing')
  assert.equal((await stocks()).length, before)
  await screenshot(page, 'stocks-name-error')

  await form.locator('[name=stock_name]').fill('午市满100减10')
  await form.getByTestId('create-stock').click()
  const row = page.locator('[data-testid=stocks-table] tbody tr', { hasText: '午市满100减10' })
  await row.waitFor()
  assert.equal(posts.length, 1)
  assert.match(posts[0].out_request_no, /^[0-9A-Za-z|_*-]{1,128}$/)
  assert.deepEqual(posts[0].coupon_use_rule.fixed_normal_coupon, { discount_amount: 1000, transaction_minimum: 10000 }, 'yuan typed, fen sent')
  const stockId = await row.getAttribute('data-stock-id')
  const made = (await stocks()).find((s) => s.stock_id === stockId)
  assert.ok(made, 'listed by the API')
  assert.equal(made.max_coupons, 1000)
  assert.equal(made.max_coupons_per_user, 2)
  assert.equal(await row.locator('[data-col=max_coupons]').textContent(), '1,000')
  assert.ok((await row.locator('[data-col=status]').textContent()).trim().length > 0)
  await screenshot(page, 'stocks')

  // Budget: the total, then a daily limit above it (refused beside the
  // field), then one below.
  await row.getByTestId('budget-stock').click()
  const budget = page.getByTestId('budget-form')
  await budget.locator('[name=target_max_coupons]').fill('2500')
  await budget.getByTestId('save-target_max_coupons').click()
  await page.locator(`tr[data-stock-id="${stockId}"] [data-col=max_coupons]`).filter({ hasText: '2,500' }).waitFor()
  await page.getByTestId('budget-form').locator('[name=target_max_coupons_by_day]').fill('3000')
  await page.getByTestId('budget-form').getByTestId('save-target_max_coupons_by_day').click()
  await page.getByTestId('budget-form').locator('[data-error-for=target_max_coupons_by_day]').waitFor({ state: 'visible' })
  await page.getByTestId('budget-form').locator('[name=target_max_coupons_by_day]').fill('300')
  await page.getByTestId('budget-form').getByTestId('save-target_max_coupons_by_day').click()
  await page.locator(`tr[data-stock-id="${stockId}"] [data-col=max_coupons_by_day]`).filter({ hasText: '300' }).waitFor()
  const changed = (await stocks()).find((s) => s.stock_id === stockId)
  assert.equal(changed.max_coupons, 2500)
  assert.equal(changed.max_coupons_by_day, 300)
  await screenshot(page, 'stocks-budget')

  assert.deepEqual(page.problems(), [], 'no console errors or CSP violations')
  await page.context().close()
})
