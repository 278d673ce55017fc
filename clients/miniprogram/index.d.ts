// Type declarations of the wxcoupon mini-program client (index.js).

/** The wx.request / uni.request argument this module passes. */
export interface RequestOptions {
  url: string
  method: 'GET' | 'POST'
  data?: unknown
  header: Record<string, string>
  dataType?: 'json'
  timeout?: number
  success(res: { statusCode: number; data: unknown; header?: Record<string, string> }): void
  fail(err: { errMsg: string }): void
}

export type RequestFunction = (options: RequestOptions) => unknown

/** Where the token is kept; wx and uni have this shape. */
export interface TokenStorage {
  getStorageSync(key: string): unknown
  setStorageSync(key: string, value: string): void
}

interface WxCallbacks<T> {
  success?(res: T): void
  fail?(res: { errMsg: string }): void
}

/** The parts of `wx` (or `uni`) this module uses. */
export interface WxLike extends Partial<TokenStorage> {
  login?(options: WxCallbacks<{ code: string; errMsg?: string }>): unknown
  /** Base library 1.1.0+; missing in older WeChat clients. */
  addCard?(options: { cardList: { cardId: string; cardExt: string }[] } & WxCallbacks<AddCardSuccess>): unknown
  /** Base library 1.1.0+; missing in older WeChat clients. */
  openCard?(options: { cardList: { cardId: string; code: string }[] } & WxCallbacks<{ errMsg: string }>): unknown
  /** For the 开卡组件 (openActivationForm). */
  navigateToMiniProgram?(options: { appId: string; path?: string; extraData?: object } & WxCallbacks<{ errMsg: string }>): unknown
  request?: RequestFunction
}

/** What wx.addCard passes to success. `code` is the encrypt_code. */
export interface AddCardSuccess {
  errMsg: string
  cardList: { cardId: string; cardExt: string; code: string; isSuccess: boolean }[]
}

export interface ClientOptions {
  /** The coupon service, e.g. https://coupon.example.com */
  baseURL: string
  /** Default: the global `wx`, else `uni`. */
  wx?: WxLike
  /** Default: wx.request. */
  request?: RequestFunction
  /** Default: the wx object (getStorageSync / setStorageSync). */
  storage?: TokenStorage
  /** Default: `wxcoupon_token`. */
  storageKey?: string
  /** Request timeout in ms. */
  timeout?: number
}

export type ClientErrorCode =
  | 'unsupported_client'
  | 'wechat_error'
  | 'network_error'
  | 'invalid_response'
  // the service's (api.md):
  | 'invalid_argument'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'upstream_error'
  | 'upstream_unavailable'
  | 'internal'
  | (string & {})

export class CouponError extends Error {
  constructor(code: string, message: string, extra?: { status?: number; details?: Record<string, unknown>; errMsg?: string })
  name: 'CouponError'
  code: ClientErrorCode
  /** HTTP status, for errors answered by the service. */
  status?: number
  /** The service's `error.details` (WeChat's own error in `wechat_errcode` / `wechat_errmsg`). */
  details?: Record<string, unknown>
  /** WeChat's errMsg, for `wechat_error` and `network_error`. */
  errMsg?: string
  /** What to show the user, in Chinese (see USER_MESSAGES). */
  userMessage: string
  /** Set by addCards when wx.addCard succeeded but decryption failed: pass to decryptCodes to record the codes. */
  pending?: EncryptedCode[]
}

export const DEFAULT_STORAGE_KEY: string

/** Chinese messages by error code, plugin errcode and plugin item code. */
export const USER_MESSAGES: Readonly<Record<string, string>>

export type CouponStatus = 'issued' | 'consumed' | 'unavailable' | 'expired' | 'deleted'

export interface Stock {
  stock_id: string
  stock_name: string
  stock_type: string
  goods_name: string
  available_begin_time: string
  available_end_time: string
  max_coupons_per_user: number
}

/** Bind these to the <send-coupon> component as they are. */
export interface SendCouponAttributes {
  send_coupon_params: { stock_id: string; out_request_no: string }[]
  send_coupon_merchant: string
  sign: string
}

/** The plugin's bindsendcoupon event.detail. */
export interface SendCouponDetail {
  errcode: string
  msg?: string
  send_coupon_result?: { stock_id: string; out_request_no: string; coupon_code?: string; code: string; message?: string }[]
}

export type ConfirmedCoupon =
  | { stock_id: string; ok: true; coupon_code: string; status: CouponStatus }
  | { stock_id: string; ok: false; error: { code: string; message: string; userMessage: string; details?: Record<string, unknown> } }

export interface HeldCoupon {
  stock_id: string
  coupon_code: string
  status: CouponStatus
  received_at: string
  stock_name: string
}

/** The query WeChat appends when a coupon opens the mini-program. */
export interface CouponLinkQuery {
  stock_id: string
  nonce: string
  associate?: string
  ciphertext: string
}

export interface Session {
  token: string
  expires_in: number
  openid: string
}

export interface DateInfo {
  type: string
  begin_timestamp?: number
  end_timestamp?: number
  fixed_term?: number
  fixed_begin_term?: number
}

export interface Card {
  card_id: string
  card_type: string
  title: string
  brand_name: string
  logo_url: string
  color: string
  quantity: number
  date_info: DateInfo
}

export interface CardRequest {
  card_id: string
  /** Custom-code cards only. */
  code?: string
  outer_str?: string
  fixed_begintimestamp?: number
}

export type CodeStatus = 'issued' | 'consumed' | 'unavailable' | 'deleted' | 'gifted'

export interface ServiceError {
  code: string
  message: string
  details?: Record<string, unknown>
}

export type AddedCard =
  | { card_id: string; ok: true; code: string; status: CodeStatus }
  | { card_id: string; ok: false; error: ServiceError }

export interface AddCardsResult {
  /** The user cancelled wx.addCard (`addCard:fail cancel`); nothing was added. */
  cancelled: boolean
  cards: AddedCard[]
}

export interface EncryptedCode {
  card_id: string
  encrypt_code: string
}

export interface DecryptedItem {
  card_id: string
  code?: string
  status?: CodeStatus
  error?: ServiceError
}

export interface HeldCode {
  card_id: string
  code: string
  status: CodeStatus
  received_at: string
  title: string
}

export interface CouponClient {
  /** wx.login → POST /api/v1/auth/login; the token is kept in storage. */
  login(): Promise<Session>
  /** wx.addCard and wx.openCard exist in this WeChat. */
  isSupported(): boolean
  listCards(): Promise<Card[]>
  /** Card-ext → wx.addCard → codes/decrypt; `{cancelled: true}` when the user cancels. */
  addCards(cards: (string | CardRequest)[]): Promise<AddCardsResult>
  decryptCodes(cardList: EncryptedCode[]): Promise<DecryptedItem[]>
  myCodes(filter?: { status?: CodeStatus }): Promise<HeldCode[]>
  /** wx.openCard with the decrypted code. */
  openCard(cardId: string, code: string): Promise<{ errMsg: string }>
  /** 商家券 stocks that can be sent now. */
  listStocks(): Promise<Stock[]>
  /** The signed attributes of <send-coupon> for 1–10 stocks. */
  sendCoupons(stockIds: string[]): Promise<SendCouponAttributes>
  /** Records what the plugin sent (confirmed with WeChat Pay); rejects with the plugin's errcode when it failed as a whole. */
  confirmCoupons(detail: SendCouponDetail): Promise<ConfirmedCoupon[]>
  myCoupons(filter?: { status?: CouponStatus }): Promise<HeldCoupon[]>
  /** The caller's coupon a jump link opened the page with. */
  revealCoupon(query: CouponLinkQuery): Promise<{ stock_id: string; coupon_code: string; status: CouponStatus }>
  /** Activates the member card from the activation page's query or the 开卡组件's extraData. */
  activateMember(query: ActivationQuery): Promise<Member>
  /** wx.navigateToMiniProgram to the 开卡组件 with the decoded activate/geturl data. */
  openActivationForm(cardId: string, outerStr?: string): Promise<{ errMsg: string }>
  /** The user's member cards. */
  myMemberships(): Promise<Member[]>
}

/** The 开卡组件's appid (wxeb490c6f9b154ef9). */
export declare const MEMBER_CARD_COMPONENT_APPID: string

/**
 * What WeChat hands the activation page: the page query (percent-encoded
 * values) or `{extraData}` / the extraData itself from the 开卡组件.
 */
export interface ActivationQuery {
  card_id?: string
  encrypt_code?: string
  activate_ticket?: string
  outer_str?: string
  openid?: string
  code?: string
  wx_activate_after_submit_url?: string
  extraData?: ActivationQuery
}

/** What POST /api/v1/members/activate takes. */
export interface ActivationParams {
  card_id: string
  encrypt_code: string
  activate_ticket?: string
  outer_str?: string
}

/** Reads an activation query; null when there is nothing to activate with. */
export declare function activationParams(query: ActivationQuery | null | undefined): ActivationParams | null

/** A member card of the user. `balance` is in fen. */
export interface Member {
  card_id: string
  code: string
  title?: string
  membership_number: string
  bonus: number
  balance: number
  activated_at: string
  form?: { fields: { name: string; value: string; values?: string[] }[] }
}

export function createCouponClient(options: ClientOptions): CouponClient
