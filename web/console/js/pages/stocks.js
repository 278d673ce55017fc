// 商家券批次: WeChat Pay stocks — the list with status and counts, creating
// a stock through a form that refuses what the service would (its field
// errors shown beside the field when it refuses anyway), and changing a
// stock's budget (total or daily limit, one at a time). Admin only.
import { h, clear, formValues, table } from '../dom.js'
import { count, dateTime } from '../format.js'
import {
  STOCK_STATUSES, buildBudget, buildStock, checkStock, defaultStockValues, newRequestNo,
  stockFields, stockLabel, typeLabel
} from '../stockform.js'
import { row, applyWhen, showErrors, serverRefusal, onceKey } from '../formkit.js'

const PAGE_SIZE = 20
const CODE_MODE = { WECHATPAY_MODE: '微信支付生成', MERCHANT_API: '商户接口', MERCHANT_UPLOAD: '商户上传' }

export default {
  id: 'stocks',
  title: '商家券批次',
  roles: ['admin'],
  async render (root, ctx) {
    let offset = 0
    const panel = h('div', { 'data-testid': 'stock-panel' })
    const listArea = h('div', { 'data-testid': 'stock-list' })
    const pager = h('div', { class: 'pager' })
    root.appendChild(h('div', { class: 'page-head' },
      h('h1', {}, '商家券批次'),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', 'data-testid': 'new-stock', onclick: () => openCreate() }, '新建批次'),
        h('button', { type: 'button', 'data-testid': 'reload-stocks', onclick: () => loadList() }, '刷新'))))
    root.appendChild(panel)
    root.appendChild(listArea)
    root.appendChild(pager)

    async function loadList () {
      let res
      try {
        res = await ctx.api('GET', `/admin/v1/stocks?offset=${offset}&count=${PAGE_SIZE}`)
      } catch (err) {
        clear(listArea)
        if (err.status === 404) {
          // No WECHATPAY_MCH_ID: the service has no 商家券.
          root.querySelector('[data-testid=new-stock]').disabled = true
          listArea.appendChild(h('p', { class: 'muted', 'data-testid': 'stocks-off' }, '未配置微信支付商户号（WECHATPAY_MCH_ID），商家券不可用。'))
          return
        }
        throw err
      }
      const stocks = res.stocks || []
      clear(listArea)
      clear(pager)
      if (stocks.length === 0) {
        listArea.appendChild(h('p', { class: 'muted', 'data-testid': 'no-stocks' }, '还没有商家券批次。点“新建批次”创建。'))
        return
      }
      const rows = stocks.map((s) => h('tr', { 'data-stock-id': s.stock_id },
        h('td', { 'data-col': 'name' }, s.stock_name, h('div', { class: 'muted mono small' }, s.stock_id)),
        h('td', { 'data-col': 'type' }, typeLabel(s.stock_type), h('div', { class: 'muted small' }, CODE_MODE[s.coupon_code_mode] || s.coupon_code_mode)),
        h('td', { 'data-col': 'status' }, h('span', { class: 'badge status-' + s.status }, STOCK_STATUSES[s.status] || s.status)),
        h('td', { class: 'num', 'data-col': 'max_coupons' }, count(s.max_coupons)),
        h('td', { class: 'num', 'data-col': 'max_coupons_by_day' }, s.max_coupons_by_day ? count(s.max_coupons_by_day) : '不限'),
        h('td', { class: 'num', 'data-col': 'max_coupons_per_user' }, count(s.max_coupons_per_user)),
        h('td', { class: 'num', 'data-col': 'sent' }, count(s.sent)),
        h('td', { class: 'num', 'data-col': 'issued' }, count(s.issued)),
        h('td', { class: 'num', 'data-col': 'consumed' }, count(s.consumed)),
        h('td', { 'data-col': 'window' }, `${dateTime(s.available_begin_time)} 至 ${dateTime(s.available_end_time)}`),
        h('td', {}, h('button', { type: 'button', class: 'link', 'data-testid': 'budget-stock', onclick: () => openBudget(s) }, '预算'))))
      listArea.appendChild(table(['批次', '类型', '状态', '发放总数', '每日上限', '每人限领', '已发放', '已领取', '已核销', '可用时间', ''],
        rows, { 'data-testid': 'stocks-table' }))
      const total = res.total ?? stocks.length
      pager.appendChild(h('span', { class: 'muted' }, `共 ${count(total)} 个批次，第 ${offset + 1}–${offset + stocks.length} 个`))
      if (offset > 0) pager.appendChild(h('button', { type: 'button', onclick: () => { offset = Math.max(0, offset - PAGE_SIZE); loadList() } }, '上一页'))
      if (offset + stocks.length < total) pager.appendChild(h('button', { type: 'button', onclick: () => { offset += PAGE_SIZE; loadList() } }, '下一页'))
    }

    function closePanel () { clear(panel) }

    function openCreate () {
      clear(panel)
      const fields = stockFields()
      const values = defaultStockValues()
      const status = h('p', { class: 'form-status error', 'data-testid': 'stock-form-status', role: 'alert', hidden: true })
      const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'create-stock' }, '创建批次')
      // One out_request_no per intended stock: a retry of the same content
      // answers the stock already made.
      const requestNo = onceKey(newRequestNo)
      const form = h('form', { class: 'card stock-create-form', 'data-testid': 'stock-form', novalidate: true, onsubmit: onSubmit },
        h('h2', {}, '新建商家券批次'),
        h('p', { class: 'hint' }, '金额以元填写；商户号和通知 AppID 由服务填入。'),
        h('div', { class: 'grid' }, fields.map((desc) => row(desc, values[desc.name]))),
        status,
        h('div', { class: 'actions' }, submit, h('button', { type: 'button', onclick: closePanel }, '取消')))
      form.addEventListener('change', () => applyWhen(form, fields, formValues(form)))
      applyWhen(form, fields, values)
      panel.appendChild(form)
      form.querySelector('[name=stock_name]').focus()

      async function onSubmit (ev) {
        ev.preventDefault()
        const draft = buildStock(formValues(form), null)
        if (showErrors(form, draft.errors, status, stockLabel)) return
        const body = { ...draft.body, out_request_no: requestNo.for(draft.body) }
        submit.disabled = true
        try {
          const res = await ctx.api('POST', '/admin/v1/stocks', body)
          requestNo.reset()
          ctx.toast(`已创建批次“${body.stock_name}”（${res.stock_id}）`)
          closePanel()
          await loadList()
        } catch (err) {
          serverRefusal(form, err, status, stockLabel, (f) => {
            const local = checkStock(body)
            return local && local.field === f ? local.message : null
          })
        } finally {
          submit.disabled = false
        }
      }
    }

    function openBudget (s) {
      clear(panel)
      const status = h('p', { class: 'form-status error', 'data-testid': 'budget-status', role: 'alert', hidden: true })
      const form = h('form', { class: 'card budget-form', 'data-testid': 'budget-form', 'data-stock-id': s.stock_id, novalidate: true, onsubmit: (ev) => ev.preventDefault() },
        h('div', { class: 'page-head' },
          h('h2', {}, `预算：${s.stock_name}`),
          h('button', { type: 'button', class: 'link', onclick: closePanel }, '关闭')),
        h('p', { class: 'muted' }, `发放总数 ${count(s.max_coupons)}，每日上限 ${s.max_coupons_by_day ? count(s.max_coupons_by_day) : '不限'}，已发放 ${count(s.sent)}。一次改一项；总数不能低于已发放数，每日上限不能超过总数。`),
        budgetRow('target_max_coupons', '新的发放总数', s.max_coupons),
        budgetRow('target_max_coupons_by_day', '新的每日发放上限', s.max_coupons_by_day || ''),
        status)
      panel.appendChild(form)

      function budgetRow (name, label, value) {
        const input = h('input', { name, inputmode: 'numeric', autocomplete: 'off', 'aria-label': label, value: String(value) })
        const button = h('button', { type: 'button', class: 'primary', 'data-testid': 'save-' + name }, '修改')
        button.addEventListener('click', async () => {
          const { body, errors } = buildBudget(name, input.value, s)
          if (showErrors(form, errors, status, stockLabel)) return
          button.disabled = true
          try {
            const res = await ctx.api('POST', `/admin/v1/stocks/${encodeURIComponent(s.stock_id)}/budget`, body)
            ctx.toast(`预算已修改：发放总数 ${count(res.max_coupons)}，每日上限 ${res.max_coupons_by_day ? count(res.max_coupons_by_day) : '不限'}`)
            Object.assign(s, { max_coupons: res.max_coupons, max_coupons_by_day: res.max_coupons_by_day })
            await loadList()
            openBudget(s)
          } catch (err) {
            serverRefusal(form, err, status, stockLabel, (f, e) =>
              f === 'target_max_coupons' && typeof e.details.sent === 'number' ? `已发放 ${count(e.details.sent)} 张，总数不能低于此数` : null)
          } finally {
            button.disabled = false
          }
        })
        return h('div', { class: 'row', 'data-field': name },
          h('div', { class: 'field' }, h('label', {}, label), input,
            h('div', { class: 'field-error', 'data-error-for': name, role: 'alert', hidden: true })),
          h('div', { class: 'actions' }, button))
      }
    }

    await loadList()
  }
}
