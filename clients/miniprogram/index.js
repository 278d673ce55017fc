// Mini-program client of the coupon service (微信卡券), for uniapp and native
// mini-programs. No dependencies, no build step: an ES module over the
// wx.request / uni.request callback API.
//
//   import { createCouponClient } from './index.js'
//   const coupons = createCouponClient({ baseURL: 'https://coupon.example.com' })
//   const { cancelled, cards } = await coupons.addCards([cardId])
//
// The front end holds nothing secret: it sends wx.login's code and the
// encrypted codes wx.addCard returns; the service signs every cardExt with the
// Official Account's api_ticket and decrypts the codes.

/** Storage key of the service token (a JWT of role `user`). */
export const DEFAULT_STORAGE_KEY = 'wxcoupon_token'

/**
 * An error of this module. `code` is the contract's `error.code` for service
 * errors (`unauthenticated`, `not_found`, `rate_limited`, …) or one of the
 * client's own: `unsupported_client` (no wx.addCard / wx.openCard in this
 * WeChat), `wechat_error` (a wx.* call failed; `errMsg` is WeChat's),
 * `network_error` (the request did not complete), `invalid_response`.
 */
export class CouponError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {{status?: number, details?: object, errMsg?: string}} [extra]
   */
  constructor (code, message, extra = {}) {
    super(message)
    this.name = 'CouponError'
    this.code = code
    if (extra.status !== undefined) this.status = extra.status
    if (extra.details !== undefined) this.details = extra.details
    if (extra.errMsg !== undefined) this.errMsg = extra.errMsg
    /** What to show the user, in Chinese (the service's `message` is English, for developers). */
    this.userMessage = userMessageFor(code)
  }
}

/**
 * Chinese messages for end users: every error code of the contract, the
 * client's own codes and the send-coupon plugin's result codes (outer
 * `errcode` and item `code`).
 */
export const USER_MESSAGES = Object.freeze({
  invalid_argument: '请求参数有误，请稍后重试。',
  unauthenticated: '登录已过期，请重新进入小程序。',
  forbidden: '没有权限进行此操作。',
  not_found: '券不存在或活动已结束。',
  conflict: '券当前状态不可操作，请刷新后重试。',
  payload_too_large: '请求内容过大。',
  unsupported_media_type: '不支持的文件类型。',
  rate_limited: '操作太频繁，请稍后再试。',
  upstream_error: '微信服务返回异常，请稍后重试。',
  upstream_unavailable: '微信服务繁忙，请稍后重试。',
  internal: '服务开小差了，请稍后重试。',
  code_not_owned: '这张券不属于当前用户。',
  method_not_allowed: '请求方式有误。',
  unsupported_client: '当前微信版本过低，请升级微信后重试。',
  wechat_error: '微信操作未完成，请重试。',
  network_error: '网络不给力，请检查网络后重试。',
  invalid_response: '服务返回异常，请稍后重试。',
  // send-coupon plugin, outer errcode
  PARAM_ERROR: '发券参数有误，请稍后重试。',
  USER_NOT_EXISTS: '登录状态已失效，请重试。',
  USER_GET_FAILED: '暂时无法获取登录状态，请稍后重试。',
  SIGN_ERROR: '发券签名校验失败，请稍后重试。',
  SYSTEMERROR: '发券超时，请稍后重试。',
  FREQUENCY_LIMITED: '领取太频繁，请稍后再试。',
  // send-coupon plugin, item code
  SUCCESS: '领取成功。',
  FAILED: '领取失败，请稍后重试。',
  NOTENOUGH: '券已被领完。',
  DAYLIMIT: '今日券已领完，请明天再来。',
  NATURELIMIT: '您已达到领取上限。',
  MAXQUOTA: '您已领取过该券，达到领取上限。',
  DUPREQUEST: '您已领取过该券。',
  NOTRUNNING: '活动未开始或已结束。'
})

function userMessageFor (code) {
  return USER_MESSAGES[code] || (/^http_5/.test(code) ? USER_MESSAGES.internal : '操作失败，请稍后重试。')
}

const UNSUPPORTED_MESSAGE =
  '当前微信版本过低，暂不支持卡券功能，请升级微信后重试。' +
  ' This WeChat version does not support cards (wx.addCard / wx.openCard need mini-program base library 1.1.0 or later); please update WeChat.'

/**
 * @param {object} options
 * @param {string} options.baseURL  the coupon service, e.g. https://coupon.example.com
 * @param {object} [options.wx]  the wx-like object (login, addCard, openCard, request, storage); default global `wx`, else `uni`
 * @param {Function} [options.request]  wx.request-shaped: ({url, method, data, header, success, fail}); default wx.request
 * @param {{getStorageSync: Function, setStorageSync: Function}} [options.storage]  default: the wx object
 * @param {string} [options.storageKey]  default `wxcoupon_token`
 * @param {number} [options.timeout]  request timeout in ms, passed to request
 */
export function createCouponClient (options = {}) {
  const wxObj = options.wx || globalWx()
  const baseURL = String(options.baseURL || '').replace(/\/+$/, '')
  if (!baseURL) throw new TypeError('createCouponClient: baseURL is required')
  const request = options.request || (wxObj && typeof wxObj.request === 'function' && wxObj.request.bind(wxObj))
  if (!request) throw new TypeError('createCouponClient: no request function (pass options.request or run inside a mini-program)')
  const storage = options.storage || wxObj
  if (!storage || typeof storage.getStorageSync !== 'function' || typeof storage.setStorageSync !== 'function') {
    throw new TypeError('createCouponClient: no storage (pass options.storage with getStorageSync/setStorageSync)')
  }
  const storageKey = options.storageKey || DEFAULT_STORAGE_KEY

  /** @type {Promise<object> | null} one login at a time, shared by concurrent 401s */
  let loggingIn = null

  function storedToken () {
    const t = storage.getStorageSync(storageKey)
    return typeof t === 'string' && t ? t : ''
  }

  /** One HTTP exchange; resolves with the JSON body or rejects with a CouponError. */
  function send (method, path, body, token) {
    const header = { 'Content-Type': 'application/json' }
    if (token) header.Authorization = 'Bearer ' + token
    return new Promise((resolve, reject) => {
      const params = {
        url: baseURL + path,
        method,
        header,
        dataType: 'json',
        success (res) {
          let data = res.data
          if (typeof data === 'string') {
            try { data = JSON.parse(data) } catch (_) {
              return reject(new CouponError('invalid_response', `${method} ${path}: HTTP ${res.statusCode}, not JSON`, { status: res.statusCode }))
            }
          }
          if (res.statusCode >= 200 && res.statusCode < 300) return resolve(data)
          const e = (data && data.error) || {}
          reject(new CouponError(e.code || 'http_' + res.statusCode, e.message || `${method} ${path}: HTTP ${res.statusCode}`,
            { status: res.statusCode, details: e.details }))
        },
        fail (err) {
          const errMsg = (err && err.errMsg) || String(err)
          reject(new CouponError('network_error', `${method} ${path}: ${errMsg}`, { errMsg }))
        }
      }
      if (body !== undefined) params.data = body
      if (options.timeout) params.timeout = options.timeout
      request(params)
    })
  }

  /**
   * wx.login → POST /api/v1/auth/login; keeps the token in storage.
   * @returns {Promise<{token: string, expires_in: number, openid: string}>}
   */
  function login () {
    if (!loggingIn) {
      loggingIn = (async () => {
        if (!wxObj || typeof wxObj.login !== 'function') throw new CouponError('unsupported_client', 'wx.login is not available')
        const { code } = await wxCall('login', {})
        const session = await send('POST', '/api/v1/auth/login', { code })
        storage.setStorageSync(storageKey, session.token)
        return session
      })().finally(() => { loggingIn = null })
    }
    return loggingIn
  }

  /** An authenticated call: logs in when there is no token; on a 401 logs in again once and retries once. */
  async function call (method, path, body) {
    let token = storedToken()
    if (!token) token = (await login()).token
    try {
      return await send(method, path, body, token)
    } catch (err) {
      if (err.status !== 401) throw err
      // A concurrent call may have logged in meanwhile: use its token, else log in.
      const current = storedToken()
      const fresh = current && current !== token ? current : (await login()).token
      return send(method, path, body, fresh)
    }
  }

  /** Calls wx[name] with callbacks; resolves with success's result, rejects with a `wechat_error`. */
  function wxCall (name, params) {
    return new Promise((resolve, reject) => {
      wxObj[name](Object.assign({}, params, {
        success: resolve,
        fail (res) {
          const errMsg = (res && res.errMsg) || `${name}:fail`
          reject(new CouponError('wechat_error', errMsg, { errMsg }))
        }
      }))
    })
  }

  function requireApi (name) {
    if (!wxObj || typeof wxObj[name] !== 'function') {
      throw new CouponError('unsupported_client', UNSUPPORTED_MESSAGE)
    }
  }

  /**
   * POST /api/v1/codes/decrypt: records the codes for the user. Idempotent, so
   * a failed call can be repeated with the same list (addCards puts it in
   * the error's `pending` when decryption fails after wx.addCard succeeded).
   * @param {{card_id: string, encrypt_code: string}[]} cardList
   */
  async function decryptCodes (cardList) {
    const out = await call('POST', '/api/v1/codes/decrypt', { card_list: cardList })
    return out.card_list || []
  }

  return {
    login,

    /** True when this WeChat has wx.addCard and wx.openCard (base library 1.1.0+). */
    isSupported () {
      return !!wxObj && typeof wxObj.addCard === 'function' && typeof wxObj.openCard === 'function'
    },

    /** GET /api/v1/cards: the cards that can be handed out now. */
    async listCards () {
      return (await call('GET', '/api/v1/cards')).cards || []
    },

    /**
     * Card-ext → wx.addCard → codes/decrypt. Resolves with one result per card
     * WeChat returned, or `{cancelled: true, cards: []}` when the user cancels.
     * Rejects with `unsupported_client` on an old WeChat, with `wechat_error`
     * (WeChat's errMsg) when wx.addCard fails, and with the service's error code.
     * @param {(string | {card_id: string, code?: string, outer_str?: string, fixed_begintimestamp?: number})[]} cards
     */
    async addCards (cards) {
      // 微信低版本下尚未支持小程序卡券 wx.addCard, wx.openCard (小程序&卡券打通).
      requireApi('addCard')
      const wanted = cards.map((c) => typeof c === 'string' ? { card_id: c } : c)
      const ext = await call('POST', '/api/v1/card-ext', { cards: wanted })
      let res
      try {
        res = await wxCall('addCard', { cardList: ext.card_list })
      } catch (err) {
        if (isCancel(err.errMsg)) return { cancelled: true, cards: [] }
        throw err
      }
      const added = (res.cardList || []).map((it) => ({
        card_id: it.cardId, encrypt_code: it.code, ok: isSuccess(it)
      }))
      const toDecrypt = added.filter((a) => a.ok)
        .map(({ card_id, encrypt_code }) => ({ card_id, encrypt_code }))
      let decrypted = []
      if (toDecrypt.length) {
        try {
          decrypted = await decryptCodes(toDecrypt)
        } catch (err) {
          // The user holds the cards; keep what is needed to record them later.
          err.pending = toDecrypt
          throw err
        }
      }
      let next = 0
      const results = added.map((a) => {
        if (!a.ok) {
          return { card_id: a.card_id, ok: false, error: { code: 'wechat_error', message: 'wx.addCard did not add this card (isSuccess false)' } }
        }
        const d = decrypted[next++] || {}
        if (d.error) return { card_id: a.card_id, ok: false, error: d.error }
        return { card_id: d.card_id || a.card_id, ok: true, code: d.code, status: d.status }
      })
      return { cancelled: false, cards: results }
    },

    decryptCodes,

    /**
     * GET /api/v1/me/codes: the codes this user received (decrypted).
     * @param {{status?: string}} [filter]  e.g. {status: 'issued'}
     */
    async myCodes (filter = {}) {
      const q = filter.status ? '?status=' + encodeURIComponent(filter.status) : ''
      return (await call('GET', '/api/v1/me/codes' + q)).codes || []
    },

    /**
     * wx.openCard with the DECRYPTED code (as myCodes and addCards return it),
     * never the encrypt_code wx.addCard gave.
     * @param {string} cardId
     * @param {string} code
     */
    async openCard (cardId, code) {
      requireApi('openCard')
      return wxCall('openCard', { cardList: [{ cardId, code }] })
    },

    // -- Member cards (会员卡) ----------------------------------------------

    /**
     * Activates the user's member card from the activation page
     * (`activate_app_brand_pass`). Pass the page's `onLoad` query, or
     * `referrerInfo.extraData` from `App.onShow` after the 开卡组件; both are
     * read as WeChat hands them over (see activationParams). Activating an
     * active member answers it unchanged.
     * @param {object} query
     * @returns {Promise<object>} the member: card_id, code, membership_number, bonus, balance, activated_at, form
     */
    async activateMember (query) {
      const params = activationParams(query)
      if (!params) throw new CouponError('invalid_argument', 'no card_id and encrypt_code in the activation query (the user backed out, or the card is active)')
      return call('POST', '/api/v1/members/activate', params)
    },

    /**
     * Opens WeChat's 开卡组件 for a one-click member card: the service reads
     * activate/geturl and decodes it, this calls wx.navigateToMiniProgram with
     * the decoded extra data. The component's answer comes back in
     * App.onShow's referrerInfo.extraData: pass it to activateMember.
     * @param {string} cardId
     * @param {string} [outerStr]  channel tag, echoed in user_get_card
     */
    async openActivationForm (cardId, outerStr) {
      requireApi('navigateToMiniProgram')
      const q = '?card_id=' + encodeURIComponent(cardId) + (outerStr ? '&outer_str=' + encodeURIComponent(outerStr) : '')
      const out = await call('GET', '/api/v1/members/activation-url' + q)
      return wxCall('navigateToMiniProgram', { appId: MEMBER_CARD_COMPONENT_APPID, extraData: out.extra_data })
    },

    /** GET /api/v1/me/memberships: the user's member cards. */
    async myMemberships () {
      return (await call('GET', '/api/v1/me/memberships')).memberships || []
    },

    /** GET /api/v1/stocks: the 商家券 stocks that can be sent now. */
    async listStocks () {
      return (await call('GET', '/api/v1/stocks')).stocks || []
    },

    /**
     * POST /api/v1/send-coupon-params: the attributes of the <send-coupon>
     * plugin component, signed by the service (bind them as they are:
     * send_coupon_params, send_coupon_merchant, sign).
     * @param {string[]} stockIds  1–10 stock ids
     */
    async sendCoupons (stockIds) {
      const stocks = stockIds.map((id) => ({ stock_id: id }))
      return call('POST', '/api/v1/send-coupon-params', { stocks })
    },

    /**
     * Takes the plugin's bindsendcoupon `event.detail` and records the coupons
     * with the service (which confirms each with WeChat Pay). Rejects with the
     * plugin's errcode when the plugin call failed as a whole; resolves with
     * one result per item: {stock_id, ok, coupon_code?, status?, error?}, where
     * a failed item's error has `code` and a Chinese `userMessage`.
     * @param {{errcode: string, msg?: string, send_coupon_result?: object[]}} detail
     */
    async confirmCoupons (detail) {
      const d = detail || {}
      if (d.errcode !== 'OK') {
        throw new CouponError(d.errcode || 'wechat_error', 'send-coupon plugin: ' + (d.errcode || '') + ' ' + (d.msg || ''))
      }
      const items = d.send_coupon_result || []
      const sent = items.filter((it) => it.code === 'SUCCESS' || it.code === 'DUPREQUEST')
      let confirmed = []
      if (sent.length) {
        const out = await call('POST', '/api/v1/coupons/confirm', { send_coupon_result: sent })
        confirmed = out.coupons || []
      }
      let next = 0
      return items.map((it) => {
        if (it.code !== 'SUCCESS' && it.code !== 'DUPREQUEST') {
          return { stock_id: it.stock_id, ok: false, error: { code: it.code, message: it.message || '', userMessage: userMessageFor(it.code) } }
        }
        const c = confirmed[next++] || {}
        if (c.error) {
          return { stock_id: it.stock_id, ok: false, error: Object.assign({}, c.error, { userMessage: userMessageFor(c.error.code) }) }
        }
        return { stock_id: it.stock_id, ok: true, coupon_code: c.coupon_code, status: c.status }
      })
    },

    /**
     * GET /api/v1/me/coupons: this user's 商家券.
     * @param {{status?: string}} [filter]
     */
    async myCoupons (filter = {}) {
      const q = filter.status ? '?status=' + encodeURIComponent(filter.status) : ''
      return (await call('GET', '/api/v1/me/coupons' + q)).coupons || []
    },

    /**
     * POST /api/v1/coupons/reveal: the coupon a jump link opened the page with
     * (pass the page's onLoad query: stock_id, nonce, associate, ciphertext).
     * The service decrypts it; only the user's own coupon is answered.
     * @param {{stock_id: string, nonce: string, associate?: string, ciphertext: string}} query
     */
    async revealCoupon (query) {
      const q = query || {}
      return call('POST', '/api/v1/coupons/reveal', {
        stock_id: q.stock_id, nonce: q.nonce, associate: q.associate || 'COUPON_CODE',
        ciphertext: safeDecode(q.ciphertext || '')
      })
    }
  }
}

/** The 开卡组件 (WeChat's member-card activation mini-program). */
export const MEMBER_CARD_COMPONENT_APPID = 'wxeb490c6f9b154ef9'

/**
 * What the activation page was given, as the service wants it:
 * {card_id, encrypt_code, activate_ticket?, outer_str?}, or null when there
 * is nothing to activate with. Accepts the page query (values
 * percent-encoded, as WeChat appends them) and the 开卡组件's extraData
 * ({card_id, activate_ticket: raw base64, wx_activate_after_submit_url
 * carrying encrypt_code}). Each value is percent-decoded once; raw base64
 * has no '%', so decoding it changes nothing.
 * @param {object} query
 */
export function activationParams (query) {
  if (!query || typeof query !== 'object') return null
  const src = query.extraData && typeof query.extraData === 'object' ? query.extraData : query
  const dec = (v) => {
    if (typeof v !== 'string' || !v) return ''
    try { return v.includes('%') ? decodeURIComponent(v) : v } catch (_) { return v }
  }
  let encryptCode = dec(src.encrypt_code)
  let cardId = dec(src.card_id)
  let outerStr = dec(src.outer_str)
  const jump = typeof src.wx_activate_after_submit_url === 'string' ? src.wx_activate_after_submit_url : ''
  if (!encryptCode && jump) {
    const fromURL = queryOf(jump)
    encryptCode = fromURL.encrypt_code || ''
    cardId = cardId || fromURL.card_id || ''
    outerStr = outerStr || fromURL.outer_str || ''
  }
  if (!cardId || !encryptCode) return null
  const out = { card_id: cardId, encrypt_code: encryptCode }
  const ticket = dec(src.activate_ticket)
  if (ticket) out.activate_ticket = ticket
  if (outerStr) out.outer_str = outerStr
  return out
}

/** The query of a URL, each value percent-decoded once ('+' kept: WeChat's base64). */
function queryOf (url) {
  const out = {}
  const q = url.split('#')[0].split('?').slice(1).join('?')
  for (const part of q.split('&')) {
    if (!part) continue
    const i = part.indexOf('=')
    const k = i < 0 ? part : part.slice(0, i)
    const v = i < 0 ? '' : part.slice(i + 1)
    try { out[decodeURIComponent(k)] = decodeURIComponent(v) } catch (_) { out[k] = v }
  }
  return out
}

/** `addCard:fail cancel` is the user cancelling (wx.addCard docs). */
function isCancel (errMsg) {
  return /^addCard:(fail )?cancel\b/.test(errMsg || '')
}

/** An item of wx.addCard's cardList that the user received. */
function isSuccess (item) {
  return !!item.code && item.isSuccess !== false && item.isSuccess !== 'false'
}

/** Page queries arrive URL-encoded in some versions; decoding twice must not break base64. */
function safeDecode (v) {
  try { return v.includes('%') ? decodeURIComponent(v) : v } catch (_) { return v }
}

function globalWx () {
  /* global wx, uni */
  if (typeof wx !== 'undefined') return wx
  if (typeof uni !== 'undefined') return uni
  return undefined
}
