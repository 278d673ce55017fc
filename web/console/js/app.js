// The console's shell: session, navigation by role, hash router, toasts.
import { h, clear } from './dom.js'
import { api, session, saveSession, clearSession, onUnauthorized } from './api.js'
import { label } from './i18n.js'
import signin from './pages/signin.js'
import codes from './pages/codes.js'
import members from './pages/members.js'
import cards from './pages/cards.js'
import stocks from './pages/stocks.js'
import users from './pages/users.js'
import audit from './pages/audit.js'

// In nav order.
const PAGES = [codes, members, cards, stocks, users, audit]

const app = document.getElementById('app')
const topbar = document.querySelector('[data-testid=topbar]')
const nav = document.querySelector('[data-testid=nav]')
const who = document.querySelector('[data-testid=who]')
const toastEl = document.querySelector('[data-testid=toast]')

let toastTimer
function toast (message, kind = 'ok') {
  toastEl.textContent = message
  toastEl.className = 'toast ' + (kind === 'error' ? 'error' : 'ok')
  toastEl.dataset.kind = kind
  toastEl.hidden = false
  clearTimeout(toastTimer)
  toastTimer = setTimeout(() => { toastEl.hidden = true }, kind === 'error' ? 8000 : 4000)
}

function allowed (s) { return PAGES.filter((p) => p.roles.includes(s.role)) }

function currentId () {
  const m = /^#\/([a-z-]+)/.exec(location.hash)
  return m ? m[1] : ''
}

function navigate (id) {
  if (currentId() === id) route()
  else location.hash = '#/' + id
}

function signOut (message) {
  clearSession()
  if (message) toast(message, 'error')
  route()
}

// A call with the token answered 401 (expired, revoked, user disabled).
onUnauthorized(() => signOut('登录已失效，请重新登录'))

document.querySelector('[data-testid=signout]').addEventListener('click', () => signOut())

let renderSeq = 0
function route () {
  const seq = ++renderSeq
  const s = session()
  clear(app)
  if (!s) {
    topbar.hidden = true
    clear(nav)
    const root = h('section', { class: 'page page-signin', 'data-page': 'signin' })
    app.appendChild(root)
    document.title = '登录 · 商户后台'
    signin.render(root, {
      api,
      toast,
      signedIn (sess) {
        saveSession(sess)
        const id = currentId()
        const ok = allowed(sess).some((p) => p.id === id)
        if (ok) route()
        else navigate(allowed(sess)[0].id)
      }
    })
    return
  }
  const mine = allowed(s)
  const id = currentId()
  const page = PAGES.find((p) => p.id === id)
  if (!page) { navigate(mine[0].id); return }
  topbar.hidden = false
  clear(nav)
  for (const p of mine) {
    nav.appendChild(h('a', { href: '#/' + p.id, class: p.id === id ? 'active' : null, 'aria-current': p.id === id ? 'page' : null, 'data-nav': p.id }, p.title))
  }
  who.textContent = `${s.username}（${label('role', s.role)}）`
  const root = h('section', { class: 'page page-' + page.id, 'data-page': page.id })
  app.appendChild(root)
  document.title = page.title + ' · 商户后台'
  if (!page.roles.includes(s.role)) {
    // Outside the role: no request is made.
    root.appendChild(h('div', { class: 'forbidden', 'data-testid': 'forbidden' },
      h('h1', {}, '无权访问'),
      h('p', { class: 'muted' }, `${label('role', s.role)}账号不能使用“${page.title}”。`)))
    return
  }
  const ctx = { api, user: { username: s.username, role: s.role }, navigate, toast }
  Promise.resolve()
    .then(() => page.render(root, ctx))
    .catch((err) => {
      if (seq !== renderSeq || (err && err.status === 401)) return
      root.appendChild(h('p', { class: 'error', 'data-testid': 'page-error' }, (err && err.userMessage) || '页面加载失败'))
    })
}

window.addEventListener('hashchange', route)
route()
