// 会员: look-up by code, points and balance changes made once (a double click,
// a retry after a lost answer), the ledger.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'

import {
  startServer, launchBrowser, newPage, signIn, adminToken, createClerk, screenshot, call,
  createCard, memberCardDef, activateMember, ADMIN, PHONE
} from './harness.js'

let server, browser, admin, cardId

before(async () => {
  server = await startServer()
  browser = await launchBrowser()
  admin = await adminToken(server.base)
  cardId = await createCard(server.base, admin, memberCardDef('金卡会员'))
  await call('PUT', `${server.base}/admin/v1/cards/${cardId}/activation-form`,
    { required_form: { common_field_id_list: ['USER_FORM_INFO_FLAG_MOBILE'] } }, admin)
  await createClerk(server.base, admin, 'clerk-m', 'clerk-password')
}, { timeout: 180_000 })

after(async () => {
  if (browser) await browser.close()
  if (server) await server.stop()
})

const ledger = async (code) =>
  (await call('GET', `${server.base}/admin/v1/members/${code}/ledger?card_id=${cardId}&count=100`, undefined, admin)).entries

async function lookUp (page, code, withCard) {
  const form = page.getByTestId('member-lookup')
  await form.locator('[name=code]').fill(code)
  await form.locator('[name=card_id]').fill(withCard ? cardId : '')
  await form.locator('[name=code]').press('Enter')
  await page.getByTestId('member-view').waitFor()
}

test('points added with a double click are applied once', { timeout: 120_000 }, async () => {
  const member = await activateMember(server, cardId, 'oConsoleMember1')
  assert.equal(member.bonus, 20, 'the opening bonus')
  const page = await newPage(browser)
  await signIn(page, server.base, ADMIN.username, ADMIN.password)
  await page.locator('[data-nav=members]').click()
  await lookUp(page, member.code, false) // the card is found from the code
  assert.equal(await page.getByTestId('bonus').textContent(), '20')
  assert.equal(await page.getByTestId('balance').textContent(), '¥0.00')
  assert.match(await page.getByTestId('member-view').textContent(), /13800000000/, 'the activation form')

  const form = page.getByTestId('bonus-form')
  await form.locator('[name=delta]').fill('50')
  await form.locator('[name=record]').fill('消费送积分')
  await form.getByTestId('bonus-submit').dblclick()
  await page.getByTestId('bonus-status').filter({ hasText: '已记账' }).waitFor()
  await page.getByTestId('bonus').filter({ hasText: '70' }).waitFor()

  const entries = (await ledger(member.code)).filter((e) => e.kind === 'bonus' && e.delta === 50)
  assert.equal(entries.length, 1, 'one ledger entry for one double click')
  assert.equal(entries[0].total, 70)
  assert.equal(entries[0].record, '消费送积分')
  await page.locator('[data-testid=ledger] tr[data-ledger-id]').first().waitFor()
  assert.match(await page.getByTestId('ledger').textContent(), /消费送积分/)
  await screenshot(page, 'members')
  assert.deepEqual(page.problems(), [])
  await page.context().close()
})

test('a charge whose answer was lost is retried with the same request_id and applied once', { timeout: 120_000 }, async () => {
  const member = await activateMember(server, cardId, 'oConsoleMember2')
  const page = await newPage(browser)
  await signIn(page, server.base, ADMIN.username, ADMIN.password)
  await page.goto(server.base + '/console/#/members')
  await lookUp(page, member.code, true)

  // The first top-up reaches the service, but its answer is lost on the way back.
  const sent = []
  let lose = true
  await page.route('**/admin/v1/members/*/balance', async (route) => {
    sent.push(JSON.parse(route.request().postData()))
    if (lose) {
      lose = false
      await route.fetch()
      await route.abort('connectionreset')
    } else {
      await route.continue()
    }
  })
  const form = page.getByTestId('balance-form')
  await form.locator('[name=amount]').fill('12.5')
  await form.getByTestId('balance-submit').click()
  await page.getByTestId('balance-status').filter({ hasText: '未确认' }).waitFor()
  await form.getByTestId('balance-submit').click()
  await page.getByTestId('balance-status').filter({ hasText: '已记账' }).waitFor()
  assert.equal(await page.getByTestId('balance').textContent(), '¥12.50')

  assert.equal(sent.length, 2)
  assert.equal(sent[0].request_id, sent[1].request_id, 'the retry is the same change')
  assert.equal(sent[0].delta, 1250, 'yuan to fen without floating point')
  const entries = (await ledger(member.code)).filter((e) => e.kind === 'balance')
  assert.equal(entries.length, 1, 'applied once')
  assert.equal(entries[0].total, 1250)

  // A new change is a new request_id; spending more than the balance is refused next to the field.
  await form.locator('[name=direction][value=sub]').check()
  await form.locator('[name=amount]').fill('20')
  await form.getByTestId('balance-submit').click()
  await form.locator('[data-error-for=amount]').filter({ hasText: '余额不足' }).waitFor()
  await form.locator('[name=amount]').fill('2.5')
  await form.getByTestId('balance-submit').click()
  await page.getByTestId('balance').filter({ hasText: '¥10.00' }).waitFor()
  const ids = new Set(sent.map((b) => b.request_id))
  assert.equal(ids.size, 3, 'one request_id per intended change')
  await page.context().close()
})

test('a clerk on a phone changes points; the ledger is for admins', { timeout: 120_000 }, async () => {
  const member = await activateMember(server, cardId, 'oConsoleMember3')
  const page = await newPage(browser, PHONE)
  await signIn(page, server.base, 'clerk-m', 'clerk-password')
  await page.locator('[data-nav=members]').click()
  await lookUp(page, member.code, false)
  const form = page.getByTestId('bonus-form')
  await form.locator('[name=direction][value=sub]').check()
  await form.locator('[name=delta]').fill('5')
  await form.getByTestId('bonus-submit').click()
  await page.getByTestId('bonus').filter({ hasText: '15' }).waitFor()
  assert.equal(await page.getByTestId('ledger').count(), 0, 'no ledger for a clerk')
  await screenshot(page, 'members-clerk')
  const entries = (await ledger(member.code)).filter((e) => e.kind === 'bonus' && e.delta === -5)
  assert.equal(entries.length, 1)
  assert.equal(entries[0].actor, 'clerk-m')
  await page.context().close()
})
