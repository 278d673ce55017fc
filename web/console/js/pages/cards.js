// 卡券: the catalogue (status, stock, issued, consumed), creating a card of
// any type through a form that refuses what the service would (the service's
// field errors shown beside the field when it refuses anyway), editing the
// fields WeChat lets change, stock ±, and deletion after an in-page
// confirmation. Admin only.
import { h, clear, field, fieldError, formValues, table } from '../dom.js'
import { newRequestId } from '../api.js'
import { count, dateTime } from '../format.js'
import {
  CARD_TYPES, buildCard, buildUpdate, cardFields, defaultValues, editFields, labelOf, typeLabel,
  typeObject, valuesFromCard, checkCardObject, checkCardUpdate
} from '../cardform.js'
import { row, applyWhen, showErrors, serverRefusal, confirmBox, onceKey } from '../formkit.js'

const STATUS = {
  CARD_STATUS_NOT_VERIFY: '审核中',
  CARD_STATUS_VERIFY_FAIL: '审核未通过',
  CARD_STATUS_VERIFY_OK: '审核通过',
  CARD_STATUS_DELETE: '已删除',
  CARD_STATUS_DISPATCH: '已投放'
}
const PAGE_SIZE = 20
const MAX_STOCK = 100_000_000

const statusText = (s) => STATUS[s] || s || '—'

function validity (di) {
  if (!di || !di.type) return '—'
  const day = (s) => dateTime(s).slice(0, 10)
  switch (di.type) {
    case 'DATE_TYPE_FIX_TIME_RANGE': return `${day(di.begin_timestamp)} 至 ${day(di.end_timestamp)}`
    case 'DATE_TYPE_FIX_TERM':
      return `领取后 ${di.fixed_begin_term || 0} 天生效，有效 ${di.fixed_term || 0} 天` +
        (di.end_timestamp ? `，${day(di.end_timestamp)} 截止` : '')
    case 'DATE_TYPE_PERMANENT': return '永久有效'
  }
  return di.type
}

export default {
  id: 'cards',
  title: '卡券',
  roles: ['admin'],
  async render (root, ctx) {
    let offset = 0
    const panel = h('div', { 'data-testid': 'card-panel' })
    const listArea = h('div', { 'data-testid': 'card-list' })
    const pager = h('div', { class: 'pager' })

    root.appendChild(h('div', { class: 'page-head' },
      h('h1', {}, '卡券'),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', 'data-testid': 'new-card', onclick: () => openCreate() }, '新建卡券'),
        h('button', { type: 'button', 'data-testid': 'sync-cards', onclick: sync }, '从微信同步'),
        h('button', { type: 'button', 'data-testid': 'reload-cards', onclick: () => loadList() }, '刷新'))))
    root.appendChild(panel)
    root.appendChild(listArea)
    root.appendChild(pager)

    async function sync (ev) {
      ev.target.disabled = true
      try {
        const res = await ctx.api('POST', '/admin/v1/cards/sync')
        ctx.toast(`已从微信同步 ${count(res.synced)} 张卡券`)
        await loadList()
      } catch (err) {
        ctx.toast(err.userMessage || '同步失败', 'error')
      } finally {
        ev.target.disabled = false
      }
    }

    // The catalogue. The list answers status and stock; issued and consumed
    // are the totals of each card's code records (local: no WeChat call per
    // row, unlike the card's detail, which reads card/get).
    async function loadList () {
      const res = await ctx.api('GET', `/admin/v1/cards?offset=${offset}&count=${PAGE_SIZE}`)
      const cards = res.cards || []
      clear(listArea)
      clear(pager)
      if (cards.length === 0) {
        listArea.appendChild(h('p', { class: 'muted', 'data-testid': 'no-cards' }, '还没有卡券。点“新建卡券”创建第一张。'))
        return
      }
      const rows = cards.map((c) => {
        const issued = h('td', { class: 'num', 'data-col': 'issued' }, '…')
        const consumed = h('td', { class: 'num', 'data-col': 'consumed' }, '…')
        const tr = h('tr', { 'data-card-id': c.card_id },
          h('td', { 'data-col': 'title' }, h('span', { class: 'swatch swatch-' + c.color, 'aria-hidden': 'true' }), ' ', c.title,
            h('div', { class: 'muted mono small' }, c.card_id)),
          h('td', { 'data-col': 'type' }, typeLabel(c.card_type)),
          h('td', { 'data-col': 'status' }, h('span', { class: 'badge status-' + c.status }, statusText(c.status))),
          h('td', { class: 'num', 'data-col': 'quantity' }, count(c.quantity), h('div', { class: 'muted small' }, '共 ' + count(c.total_quantity))),
          issued,
          consumed,
          h('td', { 'data-col': 'validity' }, validity(c.date_info)),
          h('td', {}, h('button', { type: 'button', class: 'link', 'data-testid': 'manage-card', onclick: () => openDetail(c.card_id) }, '管理')))
        return { c, tr, issued, consumed }
      })
      listArea.appendChild(table(['卡券', '类型', '状态', '库存', '已领取', '已核销', '有效期', ''], rows.map((r) => r.tr), { 'data-testid': 'cards-table' }))
      const total = res.total ?? cards.length
      pager.appendChild(h('span', { class: 'muted' }, `共 ${count(total)} 张，第 ${offset + 1}–${offset + cards.length} 张`))
      if (offset > 0) pager.appendChild(h('button', { type: 'button', onclick: () => { offset = Math.max(0, offset - PAGE_SIZE); loadList() } }, '上一页'))
      if (offset + cards.length < total) pager.appendChild(h('button', { type: 'button', onclick: () => { offset += PAGE_SIZE; loadList() } }, '下一页'))
      // Counts, four cards at a time.
      const codes = (id, status) => ctx.api('GET', `/admin/v1/cards/${encodeURIComponent(id)}/codes?count=1${status ? '&status=' + status : ''}`)
      const queue = rows.slice()
      await Promise.all([0, 1, 2, 3].map(async () => {
        for (let r = queue.shift(); r; r = queue.shift()) {
          try {
            const [all, used] = await Promise.all([codes(r.c.card_id), codes(r.c.card_id, 'consumed')])
            r.issued.textContent = count(all.total)
            r.consumed.textContent = count(used.total)
          } catch (_) {
            r.issued.textContent = r.consumed.textContent = '—'
          }
        }
      }))
    }

    function closePanel () { clear(panel) }

    // Creation.
    function openCreate (cardType = 'GENERAL_COUPON', carried = {}) {
      clear(panel)
      const fields = cardFields(cardType)
      const values = { ...defaultValues(cardType), ...carried }
      const status = h('p', { class: 'form-status error', 'data-testid': 'card-form-status', role: 'alert', hidden: true })
      const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'create-card' }, '创建')
      const key = onceKey(() => 'console-' + newRequestId())
      const typeSelect = h('select', { name: 'card_type', 'data-testid': 'card-type', value: cardType },
        CARD_TYPES.map((t) => h('option', { value: t.type }, `${t.label}（${t.type}）`)))
      typeSelect.addEventListener('change', () => {
        // Keep what was typed in fields the new type shares.
        openCreate(typeSelect.value, formValues(form))
      })
      const groups = []
      for (const desc of fields) {
        let g = groups.find((x) => x.name === desc.group)
        if (!g) groups.push(g = { name: desc.group, rows: [] })
        g.rows.push(row(desc, values[desc.name], { onUpload: upload }))
      }
      const form = h('form', { class: 'card card-form', 'data-testid': 'card-form', novalidate: true, onsubmit: onSubmit },
        h('h2', {}, '新建卡券'),
        field('卡券类型', typeSelect),
        groups.map((g) => g.name === '更多选项'
          ? h('details', { class: 'group more' }, h('summary', {}, g.name), h('div', { class: 'grid' }, g.rows))
          : h('fieldset', { class: 'group' }, h('legend', {}, g.name), h('div', { class: 'grid' }, g.rows))),
        status,
        h('div', { class: 'actions' }, submit, h('button', { type: 'button', onclick: closePanel }, '取消')))
      form.addEventListener('change', () => applyWhen(form, fields, formValues(form)))
      applyWhen(form, fields, values)
      panel.appendChild(form)
      form.querySelector('[name="base_info.brand_name"]').focus()

      async function onSubmit (ev) {
        ev.preventDefault()
        const { body, errors } = buildCard(cardType, formValues(form))
        if (showErrors(form, errors, status, labelOf)) return
        submit.disabled = true
        try {
          const res = await ctx.api('POST', '/admin/v1/cards', body, { headers: { 'Idempotency-Key': key.for(body) } })
          key.reset()
          ctx.toast(`已创建卡券“${body.card[body.card.card_type.toLowerCase()].base_info.title}”`)
          closePanel()
          await loadList()
          markRow(res.card_id)
        } catch (err) {
          const obj = typeObject(cardType, body.card)
          serverRefusal(form, err, status, labelOf, (f) => {
            const local = checkCardObject(cardType, obj)
            return local && local.field === f ? local.message : null
          })
        } finally {
          submit.disabled = false
        }
      }
    }

    async function upload (file) {
      const fd = new FormData()
      fd.append('file', file)
      const res = await ctx.api('POST', '/admin/v1/images?kind=logo', fd)
      return res.url
    }

    function markRow (cardId) {
      const tr = listArea.querySelector(`tr[data-card-id="${CSS.escape(cardId)}"]`)
      if (tr) tr.classList.add('fresh')
    }

    // One card: facts, stock ±, edit, delete.
    async function openDetail (cardId) {
      clear(panel)
      panel.appendChild(h('p', { class: 'muted loading' }, '正在读取卡券…'))
      let d
      try {
        d = await ctx.api('GET', '/admin/v1/cards/' + encodeURIComponent(cardId))
      } catch (err) {
        clear(panel)
        panel.appendChild(h('p', { class: 'error' }, err.userMessage || '读取失败'))
        return
      }
      clear(panel)
      const deleted = d.status === 'CARD_STATUS_DELETE'
      const box = h('div', { class: 'card card-detail', 'data-testid': 'card-detail', 'data-card-id': d.card_id })
      panel.appendChild(box)
      box.appendChild(h('div', { class: 'page-head' },
        h('h2', {}, d.title || d.card_id),
        h('button', { type: 'button', class: 'link', onclick: closePanel }, '关闭')))
      box.appendChild(h('dl', { class: 'facts' },
        h('dt', {}, '卡券 ID'), h('dd', { class: 'mono' }, d.card_id),
        h('dt', {}, '类型'), h('dd', {}, typeLabel(d.card_type)),
        h('dt', {}, '状态'), h('dd', { 'data-testid': 'detail-status' }, statusText(d.status)),
        h('dt', {}, '库存'), h('dd', { 'data-testid': 'detail-quantity' }, `${count(d.quantity)}（共 ${count(d.total_quantity)}）`),
        h('dt', {}, '已领取'), h('dd', { 'data-testid': 'detail-issued' }, count(d.issued)),
        h('dt', {}, '已核销'), h('dd', { 'data-testid': 'detail-consumed' }, count(d.consumed)),
        h('dt', {}, '有效期'), h('dd', {}, validity(d.date_info))))
      if (deleted) {
        box.appendChild(h('p', { class: 'muted' }, '此卡券已删除，不能再修改；已领取的券仍然有效。'))
        return
      }
      box.appendChild(stockForm(d))
      box.appendChild(editForm(d))
      const delArea = h('div', { class: 'delete-area' })
      const delButton = h('button', { type: 'button', class: 'danger', 'data-testid': 'delete-card' }, '删除卡券')
      delButton.addEventListener('click', () => {
        if (delArea.querySelector('[data-testid=delete-confirm]')) return
        delArea.appendChild(confirmBox(`确定删除“${d.title}”？删除后不能再领取，已领取的券仍然有效。此操作不能撤销。`, '确认删除', async () => {
          try {
            await ctx.api('DELETE', '/admin/v1/cards/' + encodeURIComponent(d.card_id))
            ctx.toast(`已删除卡券“${d.title}”`)
            await openDetail(d.card_id)
            await loadList()
          } catch (err) {
            ctx.toast(err.userMessage || '删除失败', 'error')
          }
        }, 'delete-confirm'))
      })
      delArea.appendChild(delButton)
      box.appendChild(h('h3', {}, '删除'))
      box.appendChild(delArea)
    }

    function stockForm (d) {
      const status = h('p', { class: 'form-status error', 'data-testid': 'stock-status', role: 'alert', hidden: true })
      const delta = h('input', { name: 'delta', inputmode: 'numeric', autocomplete: 'off', placeholder: '数量', 'aria-label': '增减数量' })
      const up = h('button', { type: 'button', class: 'primary', 'data-testid': 'stock-increase' }, '增加库存')
      const down = h('button', { type: 'button', 'data-testid': 'stock-reduce' }, '减少库存')
      const form = h('form', { class: 'stock-form', 'data-testid': 'stock-form', novalidate: true, onsubmit: (ev) => { ev.preventDefault(); change(1) } },
        h('h3', {}, '库存'),
        h('div', { class: 'row' },
          h('div', { class: 'field' }, delta, h('div', { class: 'field-error', 'data-error-for': 'delta', role: 'alert', hidden: true })),
          h('div', { class: 'actions' }, up, down)),
        status)
      up.addEventListener('click', () => change(1))
      down.addEventListener('click', () => change(-1))
      async function change (sign) {
        const s = delta.value.trim()
        let n = /^\d+$/.test(s) ? Number(s) : NaN
        if (!(n >= 1 && n <= MAX_STOCK)) return showErrors(form, { delta: `请输入 1 到 ${MAX_STOCK} 的整数` }, status)
        if (sign < 0 && n > d.quantity) return showErrors(form, { delta: `库存只有 ${count(d.quantity)}，不能减少 ${count(n)}` }, status)
        if (sign > 0 && d.total_quantity + n > MAX_STOCK) return showErrors(form, { delta: `总库存不能超过 ${MAX_STOCK}` }, status)
        n *= sign
        fieldError(form, null)
        up.disabled = down.disabled = true
        try {
          const res = await ctx.api('POST', `/admin/v1/cards/${encodeURIComponent(d.card_id)}/stock`, { delta: n })
          ctx.toast(`库存已${n > 0 ? '增加' : '减少'} ${count(Math.abs(n))}，现有 ${count(res.quantity)}`)
          await openDetail(d.card_id)
          await loadList()
        } catch (err) {
          serverRefusal(form, err, status, (f) => (f === 'delta' ? '数量' : f), (f, e) => {
            // The stock changed since the page read it (codes received meanwhile).
            if (f === 'delta' && typeof e.details.quantity === 'number') return `库存现为 ${count(e.details.quantity)}，不能减少 ${count(-n)}`
            if (f === 'delta' && typeof e.details.total_quantity === 'number') return `总库存不能超过 ${MAX_STOCK}`
            return null
          })
        } finally {
          up.disabled = down.disabled = false
        }
      }
      return form
    }

    function editForm (d) {
      const cardType = d.card_type
      const fields = editFields(cardType)
      const before = valuesFromCard(cardType, typeObject(cardType, d.card))
      const current = d.date_info || {}
      const status = h('p', { class: 'form-status error', 'data-testid': 'card-edit-status', role: 'alert', hidden: true })
      const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'save-card' }, '保存修改')
      const form = h('form', { class: 'card-edit-form', 'data-testid': 'card-edit-form', novalidate: true, onsubmit: onSubmit },
        h('h3', {}, '修改'),
        h('p', { class: 'hint' }, '只列出微信允许修改的项目；有效期只能延长。修改名称、Logo、提醒或说明后卡券将重新审核。'),
        h('div', { class: 'grid' }, fields.map((desc) => row(desc, before[desc.name], { onUpload: upload }))),
        status,
        h('div', { class: 'actions' }, submit))
      form.addEventListener('change', () => applyWhen(form, fields, formValues(form)))
      applyWhen(form, fields, before)
      async function onSubmit (ev) {
        ev.preventDefault()
        const { patch, errors } = buildUpdate(cardType, formValues(form), before, current)
        if (showErrors(form, errors, status, labelOf)) return
        submit.disabled = true
        try {
          const res = await ctx.api('PATCH', '/admin/v1/cards/' + encodeURIComponent(d.card_id), patch)
          ctx.toast(res.send_check ? '已保存，卡券将重新审核' : '已保存')
          await openDetail(d.card_id)
          await loadList()
        } catch (err) {
          serverRefusal(form, err, status, labelOf, (f) => {
            const local = checkCardUpdate(cardType, patch, current)
            return local && local.field === f ? local.message : null
          })
        } finally {
          submit.disabled = false
        }
      }
      return form
    }

    await loadList()
  }
}
