// 操作记录 (admins only): who did what through the merchant API, newest first.
import { h, clear, table } from '../dom.js'
import { count, dateTime } from '../format.js'
import { label, errorText } from '../i18n.js'

const PAGE = 50

export default {
  id: 'audit',
  title: '操作记录',
  roles: ['admin'],
  async render (root, ctx) {
    const box = h('div', { 'data-testid': 'audit' }, h('p', { class: 'muted' }, '加载中…'))
    let offset = 0
    root.append(h('div', { class: 'row' },
      h('h1', {}, '操作记录'),
      h('button', { type: 'button', onclick: () => load(offset) }, '刷新')), box)
    await load(0)

    async function load (at) {
      let res
      try {
        res = await ctx.api('GET', `/admin/v1/audit?offset=${at}&count=${PAGE}`)
      } catch (err) {
        if (err.status !== 401) clear(box).appendChild(h('p', { class: 'error' }, '加载失败：' + err.userMessage))
        return
      }
      offset = at
      const entries = res.entries || []
      clear(box)
      if (!entries.length && at === 0) { box.appendChild(h('p', { class: 'muted' }, '暂无记录')); return }
      box.appendChild(table(['时间', '操作人', '角色', '操作', '对象', '结果'], entries.map((e) => h('tr', {},
        h('td', {}, dateTime(e.at)),
        h('td', { class: 'mono' }, e.actor || '—'),
        h('td', {}, label('role', e.role)),
        h('td', { title: e.action }, label('action', e.action)),
        h('td', { class: 'mono' }, e.target || '—'),
        h('td', {}, result(e.result)))), { 'data-testid': 'audit-table' }))
      box.appendChild(h('div', { class: 'pager' },
        h('button', { type: 'button', disabled: at === 0, onclick: () => load(Math.max(0, at - PAGE)) }, '上一页'),
        h('span', { class: 'muted' }, `第 ${count(at + 1)}–${count(at + entries.length)} 条`),
        h('button', { type: 'button', disabled: entries.length < PAGE, onclick: () => load(at + PAGE) }, '下一页')))
    }
  }
}

function result (r) {
  if (r === 'ok') return h('span', { class: 'badge yes' }, '成功')
  const why = /^\d+$/.test(r) ? `HTTP ${r}` : errorText(r, r)
  return h('span', { class: 'badge no', title: r }, '失败：' + why)
}
