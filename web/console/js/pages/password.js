// 修改密码: the signed-in admin or clerk changes their own password; the
// service ends the user's other sessions and answers a new token for this one.
import { h, field, fieldError, formValues } from '../dom.js'
import { session, saveSession } from '../api.js'

export default {
  id: 'password',
  title: '修改密码',
  roles: ['admin', 'clerk'],
  render (root, ctx) {
    const button = h('button', { type: 'submit', class: 'primary' }, '修改密码')
    const form = h('form', { 'data-testid': 'password-form', class: 'card', novalidate: true, onsubmit: submit },
      field('当前密码', h('input', { name: 'old_password', type: 'password', autocomplete: 'current-password' })),
      field('新密码', h('input', { name: 'new_password', type: 'password', autocomplete: 'new-password' }), '8–128 个字符；修改后其他设备上的登录将失效'),
      field('再次输入新密码', h('input', { name: 'confirm', type: 'password', autocomplete: 'new-password' })),
      button)
    root.append(h('h1', {}, '修改密码'), form)

    async function submit (ev) {
      ev.preventDefault()
      fieldError(form, null)
      const v = formValues(form)
      if (!v.old_password) return fieldError(form, 'old_password', '请输入当前密码')
      if (v.new_password.length < 8 || v.new_password.length > 128) return fieldError(form, 'new_password', '新密码为 8–128 个字符')
      if (v.confirm !== v.new_password) return fieldError(form, 'confirm', '两次输入的新密码不一致')
      button.disabled = true
      try {
        const res = await ctx.api('POST', '/admin/v1/auth/password', { old_password: v.old_password, new_password: v.new_password })
        const s = session()
        if (s && res.token) saveSession({ ...s, token: res.token, expires_at: Date.now() + (res.expires_in || 3600) * 1000 })
        form.reset()
        ctx.toast('密码已修改')
      } catch (err) {
        if (err.status === 401) return
        if (err.details.field === 'old_password' || err.code === 'forbidden') fieldError(form, 'old_password', '当前密码不正确')
        else if (err.details.field && form.elements[err.details.field]) fieldError(form, err.details.field, err.userMessage)
        else ctx.toast(err.userMessage, 'error')
      } finally {
        button.disabled = false
      }
    }
  }
}
