// Member cards (会员卡) through the mini-program client, against the real
// service in sandbox mode (test/sandbox-server.mjs): the
// activation page's query and the 开卡组件's extraData, the component's
// navigation, and the user's memberships.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'

import { createCouponClient, activationParams, MEMBER_CARD_COMPONENT_APPID } from '../index.js'
import { startServer } from '../../../test/sandbox-server.mjs'

let server, cardId

before(async () => {
  server = await startServer('js-members')
  const admin = (await post(server.base + '/admin/v1/auth/login', { username: 'admin', password: 'sandbox-admin' })).body.token
  cardId = (await post(server.base + '/admin/v1/cards', memberCardDef(), admin)).body.card_id
  await send('PUT', server.base + `/admin/v1/cards/${cardId}/activation-form`,
    { required_form: { common_field_id_list: ['USER_FORM_INFO_FLAG_MOBILE'] } }, admin)
}, { timeout: 180_000 })

after(async () => { if (server) await server.stop() })

/** A jump-type one-click member card whose activation page is in the mini-program. */
function memberCardDef () {
  return {
    card: {
      card_type: 'MEMBER_CARD',
      member_card: {
        base_info: {
          logo_url: 'http://mmbiz.qpic.cn/mmbiz/demo/0', code_type: 'CODE_TYPE_TEXT', brand_name: '微信餐厅',
          title: '会员卡', color: 'Color010', notice: '使用时出示会员卡', description: '会员专享',
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

async function send (method, url, body, token) {
  const headers = { 'Content-Type': 'application/json' }
  if (token) headers.Authorization = 'Bearer ' + token
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status} ${text}`)
  return { status: res.status, body: JSON.parse(text) }
}

const post = (url, body, token) => send('POST', url, body, token)

/** A WeChat client for one user over the emulator's driver endpoints. */
function fakeWx (openid) {
  const storage = new Map()
  const navigations = []
  return {
    navigations,
    getStorageSync: (k) => storage.get(k) || '',
    setStorageSync: (k, v) => { storage.set(k, v) },
    login ({ success, fail }) {
      post(server.wx + '/sandbox/login', { openid }).then((r) => success({ code: r.body.code }), (e) => fail({ errMsg: 'login:fail ' + e.message }))
    },
    addCard ({ cardList, success, fail }) {
      post(server.wx + '/sandbox/add-card', { openid, card_list: cardList.map((c) => ({ card_id: c.cardId, card_ext: c.cardExt })) })
        .then((r) => success({ errMsg: 'addCard:ok', cardList: r.body.card_list.map((c) => ({ cardId: c.card_id, code: c.code, isSuccess: c.is_success })) }),
          (e) => fail({ errMsg: 'addCard:fail ' + e.message }))
    },
    openCard ({ success }) { success({ errMsg: 'openCard:ok' }) },
    navigateToMiniProgram (options) {
      navigations.push({ appId: options.appId, extraData: options.extraData })
      options.success({ errMsg: 'navigateToMiniProgram:ok' })
    },
    request ({ url, method, data, header, success, fail }) {
      fetch(url, { method, headers: header, body: data === undefined ? undefined : JSON.stringify(data) })
        .then(async (res) => success({ statusCode: res.status, data: JSON.parse(await res.text()) }), (e) => fail({ errMsg: 'request:fail ' + e.message }))
    }
  }
}

/** The user receives the card and fills WeChat's form; returns what WeChat hands the page. */
async function receiveAndFill (openid, client) {
  const added = await client.addCards([cardId])
  assert.equal(added.cards[0].ok, true)
  const form = await post(server.wx + '/sandbox/member-form',
    { openid, card_id: cardId, code: added.cards[0].code, fields: { USER_FORM_INFO_FLAG_MOBILE: '13800000000' } })
  return { code: added.cards[0].code, ticket: form.body.activate_ticket, encryptCode: form.body.encrypt_code }
}

test('activateMember reads the page query (percent-encoded) and activates once', async () => {
  const wx = fakeWx('oJsPage')
  const client = createCouponClient({ baseURL: server.base, wx })
  const { code, ticket, encryptCode } = await receiveAndFill('oJsPage', client)
  const query = { card_id: cardId, encrypt_code: encodeURIComponent(encryptCode), activate_ticket: encodeURIComponent(ticket), openid: 'oJsPage', outer_str: '' }
  const member = await client.activateMember(query)
  assert.equal(member.code, code)
  assert.equal(member.bonus, 20)
  assert.deepEqual(member.form.fields.map((f) => f.value), ['13800000000'])
  const again = await client.activateMember(query)
  assert.deepEqual(again, member, 're-activation answers the same member')
  const mine = await client.myMemberships()
  assert.equal(mine.length, 1)
  assert.equal(mine[0].title, '会员卡')
})

test('activateMember reads the 开卡组件 extraData (raw ticket, encrypt_code inside the URL)', async () => {
  const wx = fakeWx('oJsComponent')
  const client = createCouponClient({ baseURL: server.base, wx })
  const { code, ticket, encryptCode } = await receiveAndFill('oJsComponent', client)
  const extraData = {
    activate_ticket: ticket, card_id: cardId, code, errCode: 0,
    wx_activate_after_submit_url: `https://api.weixin.qq.com?card_id=${cardId}&encrypt_code=${encodeURIComponent(encryptCode)}&openid=oJsComponent&outer_str=7`
  }
  const member = await client.activateMember({ extraData })
  assert.equal(member.code, code)
  assert.equal(member.membership_number, code)
})

test('openActivationForm navigates to the 开卡组件 with the decoded extra data', async () => {
  const wx = fakeWx('oJsForm')
  const client = createCouponClient({ baseURL: server.base, wx })
  await client.openActivationForm(cardId, 'guide')
  assert.equal(wx.navigations.length, 1)
  const { appId, extraData } = wx.navigations[0]
  assert.equal(appId, MEMBER_CARD_COMPONENT_APPID)
  assert.equal(extraData.encrypt_card_id.length, 64)
  assert.ok(!extraData.encrypt_card_id.includes('%'), 'decoded')
  assert.equal(extraData.outer_str, 'guide')
  assert.ok(extraData.biz)
})

test('activationParams', () => {
  assert.equal(activationParams({}), null, 'nothing appended: the user backed out')
  assert.equal(activationParams(undefined), null)
  const raw = 'fDZv9eMQAFfrNr3X+Zc='
  assert.deepEqual(activationParams({ card_id: 'pX', encrypt_code: 'Bupk8b%3D', activate_ticket: raw }),
    { card_id: 'pX', encrypt_code: 'Bupk8b=', activate_ticket: raw })
})
