// 账号 and 操作记录 (admins only): create, disable/enable, reset a password,
// change a role; the audit trail shows what was done.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'

import { startServer, launchBrowser, newPage, signIn, adminToken, screenshot, call, ADMIN } from './harness.js'

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

const login = (username, password) =>
  call('POST', server.base + '/admin/v1/auth/login', { username, password }, undefined, { allowError: true })

test('an admin creates a clerk, disables and enables it, resets its password and changes its role', { timeout: 120_000 }, async () => {
  const page = await newPage(browser)
  await signIn(page, server.base, ADMIN.username, ADMIN.password)
  await page.locator('[data-nav=users]').click()
  const form = page.getByTestId('user-create')
  await form.waitFor()

  // Checked on the page first, as the API does.
  await form.locator('[name=username]').fill('counter-1')
  await form.locator('[name=password]').fill('short')
  await form.getByRole('button', { name: '创建账号' }).click()
  await form.locator('[data-error-for=password]').filter({ hasText: '8–128' }).waitFor()
  await form.locator('[name=password]').fill('counter-password')
  await form.locator('[name=role]').selectOption('clerk')
  await form.getByRole('button', { name: '创建账号' }).click()
  const row = page.locator('tr[data-username="counter-1"]')
  await row.waitFor()
  assert.match(await row.textContent(), /正常/)
  assert.equal((await login('counter-1', 'counter-password')).status, 200)

  // The same name again is a clear conflict on the field.
  await form.locator('[name=username]').fill('counter-1')
  await form.locator('[name=password]').fill('counter-password')
  await form.getByRole('button', { name: '创建账号' }).click()
  await form.locator('[data-error-for=username]').filter({ hasText: '已存在' }).waitFor()

  await row.locator('[data-action=disable]').click()
  await page.locator('tr[data-username="counter-1"][data-disabled=true]').waitFor()
  assert.equal((await login('counter-1', 'counter-password')).status, 401)
  await page.locator('tr[data-username="counter-1"] [data-action=enable]').click()
  await page.locator('tr[data-username="counter-1"][data-disabled=false]').waitFor()

  await page.locator('tr[data-username="counter-1"] [data-action=reset-password]').click()
  const reset = page.getByTestId('reset-password')
  await reset.locator('[name=password]').fill('another-password')
  await reset.getByRole('button', { name: '确定' }).click()
  await page.getByTestId('toast').filter({ hasText: '已重置' }).waitFor()
  assert.equal((await login('counter-1', 'counter-password')).status, 401)
  assert.equal((await login('counter-1', 'another-password')).status, 200)

  await page.locator('tr[data-username="counter-1"] select[name=role]').selectOption('admin')
  await page.getByTestId('toast').filter({ hasText: '管理员' }).waitFor()
  const users = (await call('GET', server.base + '/admin/v1/users', undefined, admin)).users
  assert.equal(users.find((u) => u.username === 'counter-1').role, 'admin')
  await screenshot(page, 'users')

  // The last active admin cannot be disabled: said clearly.
  await page.locator('tr[data-username="counter-1"] [data-action=disable]').click()
  await page.locator('tr[data-username="counter-1"][data-disabled=true]').waitFor()
  await page.locator('tr[data-username="admin"] [data-action=disable]').click()
  await page.getByTestId('toast').filter({ hasText: '最后一个管理员' }).waitFor()

  await page.locator('[data-nav=audit]').click()
  const audit = page.getByTestId('audit-table')
  await audit.waitFor()
  const text = await audit.textContent()
  for (const want of ['创建账号', '修改账号', 'counter-1', '成功', '失败']) assert.ok(text.includes(want), `audit shows ${want}`)
  await screenshot(page, 'audit')
  assert.deepEqual(page.problems().filter((p) => !/status of 409/.test(p)), [])
  await page.context().close()
})
