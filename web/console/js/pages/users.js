// 账号 (admins only): the merchant's admin and clerk accounts — list, create,
// disable or enable, reset a password, change the role.
import { h, clear, field, fieldError, formValues, table } from '../dom.js'
import { dateTime } from '../format.js'
import { label } from '../i18n.js'

const USERNAME = /^[A-Za-z0-9_.@-]{3,64}$/

export default {
  id: 'users',
  title: '账号',
  roles: ['admin'],
  async render (root, ctx) {
    const list = h('div', { 'data-testid': 'users' }, h('p', { class: 'muted' }, '加载中…'))
    const createButton = h('button', { type: 'submit', class: 'primary' }, '创建账号')
    const form = h('form', { 'data-testid': 'user-create', class: 'card', novalidate: true, onsubmit: create },
      h('h2', {}, '新建账号'),
      h('div', { class: 'row' },
        field('用户名', h('input', { name: 'username', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off' }), '3–64 位字母、数字或 _ . @ -'),
        field('初始密码', h('input', { name: 'password', type: 'password', autocomplete: 'new-password' }), '8–128 个字符'),
        field('角色', h('select', { name: 'role', value: 'clerk' },
          h('option', { value: 'clerk' }, '店员（仅核销与会员）'),
          h('option', { value: 'admin' }, '管理员')))),
      createButton)
    root.append(h('h1', {}, '账号'), form, h('h2', {}, '全部账号'), list)
    await load()

    async function load () {
      let res
      try {
        res = await ctx.api('GET', '/admin/v1/users')
      } catch (err) {
        if (err.status !== 401) clear(list).appendChild(h('p', { class: 'error' }, '加载失败：' + err.userMessage))
        return
      }
      const rows = (res.users || []).map(row)
      clear(list).appendChild(table(['用户名', '角色', '状态', '创建时间', '最近登录', '操作'], rows, { 'data-testid': 'users-table' }))
    }

    function row (u) {
      const self = u.username === ctx.user.username
      const resetBox = h('div', { class: 'reset', hidden: true })
      const role = h('select', { name: 'role', 'aria-label': '角色', value: u.role, onchange: () => patch(u, { role: role.value }, '角色已改为' + label('role', role.value)) },
        h('option', { value: 'clerk' }, '店员'),
        h('option', { value: 'admin' }, '管理员'))
      return h('tr', { 'data-username': u.username, 'data-disabled': String(Boolean(u.disabled)) },
        h('td', { class: 'mono' }, u.username, self ? h('span', { class: 'muted' }, '（当前账号）') : null),
        h('td', {}, role),
        h('td', { 'data-testid': 'user-state' }, u.disabled ? h('span', { class: 'badge no' }, '已停用') : h('span', { class: 'badge yes' }, '正常')),
        h('td', {}, dateTime(u.created_at)),
        h('td', {}, dateTime(u.last_login_at)),
        h('td', {},
          h('div', { class: 'actions' },
            h('button', { type: 'button', class: u.disabled ? null : 'danger', 'data-action': u.disabled ? 'enable' : 'disable',
              onclick: () => patch(u, { disabled: !u.disabled }, u.disabled ? `已启用 ${u.username}` : `已停用 ${u.username}，其登录立即失效`) },
            u.disabled ? '启用' : '停用'),
            h('button', { type: 'button', 'data-action': 'reset-password', onclick: () => openReset(u, resetBox) }, '重置密码')),
          resetBox))
    }

    function openReset (u, box) {
      const input = h('input', { name: 'password', type: 'password', autocomplete: 'new-password', placeholder: '新密码（8–128 个字符）' })
      const f = h('form', { 'data-testid': 'reset-password', novalidate: true, onsubmit: async (ev) => {
        ev.preventDefault()
        fieldError(f, null)
        const p = input.value
        if (p.length < 8 || p.length > 128) return fieldError(f, 'password', '密码为 8–128 个字符')
        if (await patch(u, { password: p }, `已重置 ${u.username} 的密码，其登录立即失效`, f)) box.hidden = true
      } },
      field('新密码', input),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary' }, '确定'),
        h('button', { type: 'button', onclick: () => { box.hidden = true } }, '取消')))
      clear(box).appendChild(f)
      box.hidden = false
      input.focus()
    }

    /** PATCH one user; true when done. Errors go to form (if given) or a toast. */
    async function patch (u, body, done, f) {
      try {
        await ctx.api('PATCH', '/admin/v1/users/' + encodeURIComponent(u.username), body)
        ctx.toast(done)
        await load()
        return true
      } catch (err) {
        if (err.status === 401) return false
        const msg = err.code === 'conflict' ? '不能停用或降级最后一个管理员' : err.userMessage
        if (f && err.details.field) fieldError(f, err.details.field, msg)
        else ctx.toast(msg, 'error')
        await load()
        return false
      }
    }

    async function create (ev) {
      ev.preventDefault()
      fieldError(form, null)
      const v = formValues(form)
      v.username = v.username.trim()
      if (!USERNAME.test(v.username)) return fieldError(form, 'username', '用户名为 3–64 位字母、数字或 _ . @ -')
      if (v.password.length < 8 || v.password.length > 128) return fieldError(form, 'password', '密码为 8–128 个字符')
      createButton.disabled = true
      try {
        await ctx.api('POST', '/admin/v1/users', { username: v.username, password: v.password, role: v.role })
        ctx.toast(`已创建${label('role', v.role)} ${v.username}`)
        form.reset()
        await load()
      } catch (err) {
        if (err.status === 401) return
        if (err.code === 'conflict') fieldError(form, 'username', '该用户名已存在')
        else if (err.details.field && form.elements[err.details.field]) fieldError(form, err.details.field, err.userMessage)
        else ctx.toast(err.userMessage, 'error')
      } finally {
        createButton.disabled = false
      }
    }
  }
}
