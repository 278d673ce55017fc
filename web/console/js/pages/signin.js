// Sign-in: username and password → an admin or clerk token kept in
// sessionStorage (by the shell), never in the URL.
import { h, field, fieldError } from '../dom.js'
import { ApiError } from '../api.js'

export default {
  id: 'signin',
  title: '登录',
  roles: [],
  render (root, ctx) {
    const status = h('p', { class: 'form-status error', 'data-testid': 'signin-error', role: 'alert', hidden: true })
    const button = h('button', { type: 'submit', class: 'primary wide' }, '登录')
    const form = h('form', { 'data-testid': 'signin-form', class: 'card signin', novalidate: true, onsubmit: submit },
      h('h1', {}, '商户后台'),
      h('p', { class: 'muted' }, '卡券、商家券核销与会员管理'),
      field('用户名', h('input', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'off', spellcheck: 'false' })),
      field('密码', h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
      status,
      button)
    root.appendChild(form)
    form.elements.username.focus()

    async function submit (ev) {
      ev.preventDefault()
      fieldError(form, null)
      status.hidden = true
      const username = form.elements.username.value.trim()
      const password = form.elements.password.value
      if (!username) return fieldError(form, 'username', '请输入用户名')
      if (!password) return fieldError(form, 'password', '请输入密码')
      button.disabled = true
      try {
        const res = await ctx.api('POST', '/admin/v1/auth/login', { username, password }, { anonymous: true })
        if (res.role !== 'admin' && res.role !== 'clerk') throw new ApiError(403, 'forbidden')
        ctx.signedIn({ token: res.token, username, role: res.role, expires_at: Date.now() + (res.expires_in || 3600) * 1000 })
      } catch (err) {
        status.textContent = err.status === 401
          ? '用户名或密码错误'
          : (err.userMessage || '登录失败')
        status.hidden = false
        form.elements.password.value = ''
        form.elements.password.focus()
      } finally {
        button.disabled = false
      }
    }
  }
}
