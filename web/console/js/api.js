// Same-origin calls to the service with the session's bearer token. The token
// lives in sessionStorage only (gone when the tab closes), never in a URL,
// and is never logged.
import { errorText, wechatText } from './i18n.js'

const KEY = 'wxcoupon.console.session'

/** The signed-in session {token, username, role, expires_at} or null. */
export function session () {
  let s
  try { s = JSON.parse(sessionStorage.getItem(KEY) || 'null') } catch (_) { s = null }
  if (!s || typeof s.token !== 'string' || !s.role) return null
  if (s.expires_at && Date.now() >= s.expires_at) { clearSession(); return null }
  return s
}

export function saveSession (s) { sessionStorage.setItem(KEY, JSON.stringify(s)) }

export function clearSession () { sessionStorage.removeItem(KEY) }

let unauthorized = () => {}
/** fn(error) runs when a call made with a token answers 401 (after the session is cleared). */
export function onUnauthorized (fn) { unauthorized = fn }

export class ApiError extends Error {
  constructor (status, code, message, details) {
    super(message || code)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details || {}
    const wx = wechatText(this.details)
    this.userMessage = errorText(code) + (wx ? '：' + wx : '')
  }
}

const STATUS_CODES = { 400: 'invalid_argument', 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 413: 'payload_too_large', 415: 'unsupported_media_type', 429: 'rate_limited', 502: 'upstream_error', 503: 'upstream_unavailable', 504: 'upstream_unavailable' }

/**
 * api('GET', '/admin/v1/users') → the parsed JSON (null for 204). body: an
 * object (sent as JSON), FormData, or undefined. opts.headers adds headers.
 * Throws ApiError; a 401 on a call with a token signs out first.
 */
export async function api (method, path, body, opts = {}) {
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) {
    throw new Error('api: a same-origin path is required')
  }
  const headers = { Accept: 'application/json', ...(opts.headers || {}) }
  const s = session()
  if (!s && !opts.anonymous) {
    // The session ended (expired here, or another tab signed out): sign in again.
    const err = new ApiError(401, 'unauthenticated', 'no session')
    unauthorized(err)
    throw err
  }
  const withToken = !opts.anonymous
  if (withToken) headers.Authorization = 'Bearer ' + s.token
  let payload
  if (body instanceof FormData) payload = body
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  let res
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store', redirect: 'error', signal: opts.signal })
  } catch (err) {
    if (err && err.name === 'AbortError') throw err
    throw new ApiError(0, 'network', 'network error')
  }
  if (res.status === 204) return null
  const text = await res.text()
  let data = null
  try { data = text ? JSON.parse(text) : null } catch (_) { data = undefined }
  if (!res.ok) {
    const e = (data && data.error) || {}
    const err = new ApiError(res.status, e.code || STATUS_CODES[res.status] || (res.status >= 500 ? 'internal' : 'invalid_argument'), e.message, e.details)
    if (res.status === 401 && withToken) {
      clearSession()
      unauthorized(err)
    }
    throw err
  }
  if (data === undefined) throw new ApiError(res.status, 'bad_response', 'not JSON')
  return data
}

/** A fresh id for a change that must happen once (request_id, Idempotency-Key). */
export function newRequestId () {
  if (crypto.randomUUID) return crypto.randomUUID()
  const b = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}
