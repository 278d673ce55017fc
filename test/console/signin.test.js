// Sign-in, the shell's navigation by role, and sign-out on 401.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'

import { startServer, launchBrowser, newPage, signIn, adminToken, createClerk, screenshot, call, ADMIN } from './harness.js'

let server, browser, admin

before(async () => {
  server = await startServer()
  browser = await launchBrowser()
  admin = await adminToken(server.base)
}, { timeout: 180_000 })

after(async () => {
  if (browser) await browser.close()
  if (server) await server.stop()
})

const navLabels = (page) => page.getByTestId('nav').locator('a').allTextContents()

test('an admin signs in and sees every page in the nav; the token stays out of the URL', { timeout: 60_000 }, async () => {
  const page = await newPage(browser)
  await page.goto(server.base + '/console')
  await page.getByTestId('signin-form').waitFor()
  await screenshot(page, 'signin')
  await signIn(page, server.base, ADMIN.username, ADMIN.password)
  assert.deepEqual(await navLabels(page), ['核销', '会员', '卡券', '商家券批次', '账号', '操作记录'])
  assert.match(await page.getByTestId('who').textContent(), /admin（管理员）/)
  const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem('wxcoupon.console.session')))
  assert.ok(stored.token, 'token in sessionStorage')
  assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing in localStorage')
  assert.ok(!page.url().includes(stored.token), 'token not in the URL')
  assert.deepEqual(page.problems(), [])
  await page.context().close()
})

test('a wrong password is refused on the form', { timeout: 60_000 }, async () => {
  const page = await newPage(browser)
  await page.goto(server.base + '/console/')
  const form = page.getByTestId('signin-form')
  await form.locator('[name=username]').fill('admin')
  await form.locator('[name=password]').fill('wrong-password')
  await form.getByRole('button', { name: '登录' }).click()
  await assert.doesNotReject(page.getByTestId('signin-error').filter({ hasText: '用户名或密码错误' }).waitFor())
  assert.equal(await page.getByTestId('nav').isVisible(), false)
  await page.context().close()
})

test('a clerk sees only 核销 and 会员, and #/cards shows 无权访问 without a request', { timeout: 60_000 }, async () => {
  await createClerk(server.base, admin, 'clerk-nav', 'clerk-password')
  const page = await newPage(browser, { width: 390, height: 844 })
  await signIn(page, server.base, 'clerk-nav', 'clerk-password')
  assert.deepEqual(await navLabels(page), ['核销', '会员'])
  const requests = []
  page.on('request', (r) => { if (r.url().includes('/admin/v1/')) requests.push(r.url()) })
  for (const id of ['cards', 'stocks', 'users', 'audit']) {
    await page.goto(server.base + '/console/#/' + id)
    await page.getByTestId('forbidden').filter({ hasText: '无权访问' }).waitFor()
  }
  assert.deepEqual(requests, [], 'no API request for a page outside the role')
  await page.goto(server.base + '/console/#/cards')
  await page.getByTestId('forbidden').waitFor()
  await screenshot(page, 'clerk-forbidden')
  await page.context().close()
})

test('a user disabled while signed in is signed out on the next call (401)', { timeout: 60_000 }, async () => {
  await createClerk(server.base, admin, 'clerk-gone', 'clerk-password')
  const page = await newPage(browser)
  await signIn(page, server.base, 'clerk-gone', 'clerk-password')
  await call('PATCH', server.base + '/admin/v1/users/clerk-gone', { disabled: true }, admin)
  // Revocation reaches every replica within 5 s: look a code up until the 401 comes.
  const form = page.getByTestId('lookup-form')
  for (let deadline = Date.now() + 20_000; ;) {
    await form.locator('[name=code]').fill('123456789012')
    await form.locator('[name=code]').press('Enter')
    const out = await Promise.race([
      page.getByTestId('signin-form').waitFor({ timeout: 3000 }).then(() => 'signed-out'),
      page.getByTestId('lookup-error').waitFor({ timeout: 3000 }).then(() => 'error')
    ]).catch(() => 'none')
    if (out === 'signed-out') break
    assert.ok(Date.now() < deadline, 'still signed in 20 s after the user was disabled')
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  assert.equal(await page.evaluate(() => sessionStorage.getItem('wxcoupon.console.session')), null)
  assert.equal(await page.getByTestId('topbar').isVisible(), false)
  await page.getByTestId('toast').filter({ hasText: '登录已失效' }).waitFor()
  await page.context().close()
})

test('a session past its expiry shows the sign-in form, and sign-out forgets the token', { timeout: 60_000 }, async () => {
  const page = await newPage(browser)
  await signIn(page, server.base, ADMIN.username, ADMIN.password)
  await page.locator('[data-nav=audit]').click()
  await page.getByTestId('audit-table').waitFor()
  await page.evaluate(() => {
    const s = JSON.parse(sessionStorage.getItem('wxcoupon.console.session'))
    s.expires_at = Date.now() - 1000
    sessionStorage.setItem('wxcoupon.console.session', JSON.stringify(s))
  })
  await page.getByRole('button', { name: '刷新' }).click()
  await page.getByTestId('signin-form').waitFor()
  // Signing in again returns to the page that was open.
  const form = page.getByTestId('signin-form')
  await form.locator('[name=username]').fill(ADMIN.username)
  await form.locator('[name=password]').fill(ADMIN.password)
  await form.getByRole('button', { name: '登录' }).click()
  await page.getByTestId('audit-table').waitFor()
  await page.getByTestId('signout').click()
  await page.getByTestId('signin-form').waitFor()
  assert.equal(await page.evaluate(() => sessionStorage.length), 0)
  await page.context().close()
})
