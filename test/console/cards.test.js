// The 卡券 page in Debian's chromium over the sandbox: an admin creates a card
// through the form (a too-long title is refused beside the field first and
// nothing is created), a user receives it through the sandbox and the
// catalogue counts it, stock ±, an edit, and deletion after the in-page
// confirmation.
//
//   node --test test/console/cards.test.js      (from the repo root)

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { deflateSync } from 'node:zlib'

import { startServer, launchBrowser, newPage, signIn, ADMIN, adminToken, call, receiveCard, screenshot } from './harness.js'

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

// A small, whole PNG (the image API decodes what it is sent).
function png (w = 16, h = 16) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  const crc = (buf) => {
    let c = 0xffffffff
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const sum = Buffer.alloc(4)
    sum.writeUInt32BE(crc(td))
    return Buffer.concat([len, td, sum])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // RGB
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) raw.set([7, 193, 96], y * (w * 3 + 1) + 1 + x * 3)
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}

const cardsTotal = async () => (await call('GET', server.base + '/admin/v1/cards?count=1', undefined, token)).total
const card = (id) => call('GET', server.base + '/admin/v1/cards/' + id, undefined, token)

test('卡券: create through the form, receive, stock ±, edit, delete', { timeout: 240_000 }, async () => {
  const page = await newPage(browser)
  const cardPosts = []
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/admin/v1/cards') cardPosts.push(r.headers()['idempotency-key'])
  })
  await signIn(page, server.base, ADMIN.username, ADMIN.password)
  await page.locator('[data-nav=cards]').click()
  await page.locator('[data-page=cards] h1').waitFor()

  // The form, with a title of 10 汉字 (30 bytes; WeChat takes 27).
  const before = await cardsTotal()
  await page.getByTestId('new-card').click()
  const form = page.getByTestId('card-form')
  await form.locator('[name=card_type]').selectOption('GENERAL_COUPON')
  await form.locator('[name="base_info.brand_name"]').fill('微信餐厅')
  await form.getByTestId('logo-file').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png() })
  await form.getByTestId('logo-status').filter({ hasText: '已上传' }).waitFor()
  const logo = await form.locator('[name="base_info.logo_url"]').inputValue()
  assert.match(logo, /^https?:\/\//, 'the uploaded logo URL fills the field')
  await form.locator('[name="base_info.title"]').fill('一二三四五六七八九十')
  await form.locator('[name="base_info.notice"]').fill('使用时向服务员出示此券')
  await form.locator('[name="base_info.description"]').fill('不可与其他优惠同享')
  await form.locator('[name="default_detail"]').fill('午市全场九折')
  await form.locator('[name="base_info.sku.quantity"]').fill('100')
  await form.getByTestId('create-card').click()
  const titleError = form.locator('[data-error-for="base_info.title"]')
  await titleError.waitFor({ state: 'visible' })
  assert.match(await titleError.textContent(), /27 字节/)
  assert.equal(await form.locator('[name="base_info.title"]').getAttribute('aria-invalid'), 'true')
  await screenshot(page, 'cards-title-error')
  assert.equal(cardPosts.length, 0, 'a refused title sends nothing')
  assert.equal(await cardsTotal(), before, 'nothing created')

  // Corrected, it is created, once, with an Idempotency-Key.
  await form.locator('[name="base_info.title"]').fill('午市九折券')
  await form.getByTestId('create-card').click()
  const row = page.locator('[data-testid=cards-table] tbody tr', { hasText: '午市九折券' })
  await row.waitFor()
  assert.equal(cardPosts.length, 1)
  assert.ok(cardPosts[0] && cardPosts[0].length <= 64, 'Idempotency-Key sent')
  assert.equal(await cardsTotal(), before + 1)
  const cardId = await row.getAttribute('data-card-id')
  assert.ok(cardId)
  const created = await card(cardId)
  assert.equal(created.title, '午市九折券')
  assert.equal(created.card.general_coupon.base_info.logo_url, logo)
  assert.equal(await row.locator('[data-col=issued]').textContent(), '0')

  // A user receives it through the sandbox (card-ext → add-card → decrypt).
  const { code } = await receiveCard(server, cardId, 'oConsoleCards1')
  await page.getByTestId('reload-cards').click()
  await page.locator(`tr[data-card-id="${cardId}"] [data-col=issued]`).filter({ hasText: /^1$/ }).waitFor()
  assert.equal(await page.locator(`tr[data-card-id="${cardId}"] [data-col=consumed]`).textContent(), '0')
  // Consumed at the counter, it is counted too.
  await call('POST', `${server.base}/admin/v1/codes/${encodeURIComponent(code)}/consume`, { card_id: cardId }, token)
  await page.getByTestId('reload-cards').click()
  await page.locator(`tr[data-card-id="${cardId}"] [data-col=consumed]`).filter({ hasText: /^1$/ }).waitFor()
  assert.equal(await page.locator(`tr[data-card-id="${cardId}"] [data-col=issued]`).textContent(), '1')
  await screenshot(page, 'cards')

  // Stock ±.
  await page.locator(`tr[data-card-id="${cardId}"]`).getByTestId('manage-card').click()
  const detail = page.getByTestId('card-detail')
  await detail.waitFor()
  assert.equal(await detail.getByTestId('detail-issued').textContent(), '1')
  assert.equal(await detail.getByTestId('detail-consumed').textContent(), '1')
  const q0 = (await card(cardId)).quantity
  const stock = detail.getByTestId('stock-form')
  await stock.locator('[name=delta]').fill('10')
  await stock.getByTestId('stock-increase').click()
  await detail.getByTestId('detail-quantity').filter({ hasText: new RegExp(`^${q0 + 10}（`) }).waitFor()
  assert.equal((await card(cardId)).quantity, q0 + 10)
  await page.getByTestId('card-detail').getByTestId('stock-form').locator('[name=delta]').fill('4')
  await page.getByTestId('card-detail').getByTestId('stock-reduce').click()
  await page.getByTestId('card-detail').getByTestId('detail-quantity').filter({ hasText: new RegExp(`^${q0 + 6}（`) }).waitFor()
  assert.equal((await card(cardId)).quantity, q0 + 6)

  // The service's own refusal shown beside the field: another user takes
  // one while the page still shows the old stock, then all of it is reduced.
  await receiveCard(server, cardId, 'oConsoleCards2')
  const stale = page.getByTestId('card-detail').getByTestId('stock-form')
  await stale.locator('[name=delta]').fill(String(q0 + 6))
  await stale.getByTestId('stock-reduce').click()
  await stale.locator('[data-error-for=delta]').filter({ hasText: `库存现为 ${q0 + 5}` }).waitFor()
  assert.equal((await card(cardId)).quantity, q0 + 5, 'nothing reduced')

  // Edit: a too-long title is refused beside the field, then a good one saves.
  const edit = page.getByTestId('card-detail').getByTestId('card-edit-form')
  await edit.locator('[name="base_info.title"]').fill('午市九折券午市九折券')
  await edit.getByTestId('save-card').click()
  await edit.locator('[data-error-for="base_info.title"]').waitFor({ state: 'visible' })
  await edit.locator('[name="base_info.title"]').fill('午市八折券')
  await edit.locator('[name="base_info.notice"]').fill('请向服务员出示')
  await edit.getByTestId('save-card').click()
  await page.getByTestId('card-detail').locator('h2', { hasText: '午市八折券' }).waitFor()
  const edited = await card(cardId)
  assert.equal(edited.title, '午市八折券')
  assert.equal(edited.card.general_coupon.base_info.notice, '请向服务员出示')
  await screenshot(page, 'cards-detail')

  // Delete: 取消 leaves it; 确认删除 deletes it.
  await page.getByTestId('delete-card').click()
  await page.getByTestId('delete-confirm').waitFor()
  await page.getByTestId('delete-confirm-no').click()
  await page.getByTestId('delete-confirm').waitFor({ state: 'detached' })
  assert.notEqual((await card(cardId)).status, 'CARD_STATUS_DELETE')
  await page.getByTestId('delete-card').click()
  await screenshot(page, 'cards-delete-confirm')
  await page.getByTestId('delete-confirm-yes').click()
  await page.getByTestId('detail-status').filter({ hasText: '已删除' }).waitFor()
  assert.equal((await card(cardId)).status, 'CARD_STATUS_DELETE')
  await page.locator(`tr[data-card-id="${cardId}"] [data-col=status]`).filter({ hasText: '已删除' }).waitFor()

  // The one refusal asked for above (the stale reduce) is logged by chromium.
  const problems = page.problems().filter((m) => !/status of 400/.test(m))
  assert.deepEqual(problems, [], 'no other console errors, no CSP violations')
  assert.equal(page.problems().length - problems.length, 1)
  await page.context().close()
})

test('卡券: every card type can be created through the form', { timeout: 240_000 }, async () => {
  const page = await newPage(browser)
  await signIn(page, server.base, ADMIN.username, ADMIN.password)
  await page.goto(server.base + '/console/#/cards')
  const own = {
    GENERAL_COUPON: { default_detail: '全场九折' },
    GROUPON: { deal_detail: '双人套餐一份' },
    CASH: { least_cost: '100', reduce_cost: '10.50' },
    DISCOUNT: { discount: '30' },
    GIFT: { gift: '咖啡一杯' },
    MEMBER_CARD: { prerogative: '会员九折' }
  }
  for (const [type, fields] of Object.entries(own)) {
    await page.getByTestId('new-card').click()
    const form = page.getByTestId('card-form')
    await form.locator('[name=card_type]').selectOption(type)
    await form.locator('[name="base_info.brand_name"]').fill('微信餐厅')
    await form.locator('[name="base_info.logo_url"]').fill('http://mmbiz.qpic.cn/mmbiz/demo/0')
    await form.locator('[name="base_info.title"]').fill('测试' + type.slice(0, 6))
    await form.locator('[name="base_info.notice"]').fill('出示即可')
    await form.locator('[name="base_info.description"]').fill('说明')
    for (const [name, value] of Object.entries(fields)) await form.locator(`[name="${name}"]`).fill(value)
    await form.getByTestId('create-card').click()
    await page.locator('[data-testid=cards-table] tbody tr', { hasText: '测试' + type.slice(0, 6) }).waitFor()
    await page.getByTestId('card-form').waitFor({ state: 'detached' })
  }
  const list = await call('GET', server.base + '/admin/v1/cards?count=50', undefined, token)
  const cash = list.cards.find((c) => c.title === '测试CASH')
  assert.ok(cash)
  const d = await card(cash.card_id)
  assert.equal(d.card.cash.reduce_cost, 1050, 'yuan typed, fen sent')
  assert.equal(d.card.cash.least_cost, 10000)
  for (const type of Object.keys(own)) assert.ok(list.cards.some((c) => c.card_type === type), type)
  assert.deepEqual(page.problems(), [])
  await page.context().close()
})

test('卡券: WeChat refusing a card is shown; the retry sends the same Idempotency-Key and makes one card', { timeout: 240_000 }, async () => {
  const page = await newPage(browser)
  const keys = []
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/admin/v1/cards') keys.push(r.headers()['idempotency-key'])
  })
  await signIn(page, server.base, ADMIN.username, ADMIN.password)
  await page.goto(server.base + '/console/#/cards')
  await call('POST', server.wx + '/sandbox/faults', { path: 'card/create', errcode: 45009, times: 1 })
  const before = await cardsTotal()
  await page.getByTestId('new-card').click()
  const form = page.getByTestId('card-form')
  await form.locator('[name=card_type]').selectOption('GIFT')
  await form.locator('[name="base_info.brand_name"]').fill('微信餐厅')
  await form.locator('[name="base_info.logo_url"]').fill('http://mmbiz.qpic.cn/mmbiz/demo/0')
  await form.locator('[name="base_info.title"]').fill('下午茶兑换券')
  await form.locator('[name="base_info.notice"]').fill('出示即可')
  await form.locator('[name="base_info.description"]').fill('每桌限用一张')
  await form.locator('[name=gift]').fill('红茶一壶')
  await form.getByTestId('create-card').click()
  const status = form.getByTestId('card-form-status')
  await status.filter({ hasText: '45009' }).waitFor()
  assert.match(await status.textContent(), /微信/)
  assert.equal(await cardsTotal(), before, 'nothing created while WeChat refuses')
  await form.getByTestId('create-card').click()
  await page.locator('[data-testid=cards-table] tbody tr', { hasText: '下午茶兑换券' }).waitFor()
  assert.equal(keys.length, 2)
  assert.equal(keys[0], keys[1], 'one key for one intended card')
  assert.equal(await cardsTotal(), before + 1)
  // The next card is another intended creation: another key.
  await page.getByTestId('new-card').click()
  const next = page.getByTestId('card-form')
  await next.locator('[name=card_type]').selectOption('GIFT')
  for (const [name, value] of [['base_info.brand_name', '微信餐厅'], ['base_info.logo_url', 'http://mmbiz.qpic.cn/mmbiz/demo/0'],
    ['base_info.title', '下午茶兑换券'], ['base_info.notice', '出示即可'], ['base_info.description', '每桌限用一张'], ['gift', '红茶一壶']]) {
    await next.locator(`[name="${name}"]`).fill(value)
  }
  await next.getByTestId('create-card').click()
  await page.getByTestId('card-form').waitFor({ state: 'detached' })
  assert.equal(keys.length, 3)
  assert.notEqual(keys[2], keys[0])
  assert.equal(await cardsTotal(), before + 2)
  const problems = page.problems().filter((m) => !/status of 502/.test(m))
  assert.deepEqual(problems, [])
  await page.context().close()
})
