// 会员: look a member up by its code (and card), see points and stored value,
// add or spend points, top up or charge the balance. Each intended change
// gets ONE request_id, made here: a double click, or a retry after a lost
// answer, sends the same id and the service applies the change once.
import { h, clear, field, fieldError, formValues, table } from '../dom.js'
import { count, yuan, fenFromYuan, dateTime, signed } from '../format.js'
import { label } from '../i18n.js'
import { newRequestId } from '../api.js'

const PAGE = 20
const MAX_RECORD_BYTES = 42 // WeChat's record: 14 汉字

export default {
  id: 'members',
  title: '会员',
  roles: ['admin', 'clerk'],
  render (root, ctx) {
    const isAdmin = ctx.user.role === 'admin'
    const cardList = h('datalist', { id: 'member-cards' })
    const lookupButton = h('button', { type: 'submit', class: 'primary' }, '查询')
    const form = h('form', { 'data-testid': 'member-lookup', class: 'card', novalidate: true, onsubmit: (ev) => { ev.preventDefault(); lookUp() } },
      h('div', { class: 'row' },
        field('会员卡券码', h('input', { name: 'code', autocomplete: 'off', spellcheck: 'false', placeholder: '输入或扫描会员卡号，回车查询', required: true })),
        field('会员卡 ID', h('input', { name: 'card_id', autocomplete: 'off', spellcheck: 'false', list: 'member-cards', placeholder: '留空则按券码识别' }))),
      cardList,
      h('div', { class: 'actions' }, lookupButton))
    const view = h('div', { 'data-testid': 'member-result', 'aria-live': 'polite' })
    root.append(h('h1', {}, '会员'), form, view)
    form.elements.code.focus()

    if (isAdmin) {
      // Suggest the member cards of the catalogue (admins may list cards).
      ctx.api('GET', '/admin/v1/cards?offset=0&count=100').then((res) => {
        for (const c of (res && res.cards) || []) {
          if (c.card_type === 'MEMBER_CARD') cardList.appendChild(h('option', { value: c.card_id }, c.title))
        }
      }).catch(() => {})
    }

    let seq = 0
    async function lookUp () {
      fieldError(form, null)
      const code = form.elements.code.value.trim()
      let cardId = form.elements.card_id.value.trim()
      if (!code) return fieldError(form, 'code', '请输入会员卡券码')
      const mine = ++seq
      lookupButton.disabled = true
      clear(view).appendChild(h('p', { class: 'muted' }, '查询中…'))
      try {
        if (!cardId) {
          // The code alone: WeChat says which card it belongs to.
          cardId = (await ctx.api('GET', '/admin/v1/codes/' + encodeURIComponent(code))).card_id
        }
        const m = await ctx.api('GET', `/admin/v1/members/${encodeURIComponent(code)}?card_id=${encodeURIComponent(cardId)}`)
        if (mine !== seq) return
        showMember(m)
      } catch (err) {
        if (mine !== seq || err.status === 401) return
        clear(view).appendChild(h('div', { class: 'result error', role: 'alert', 'data-testid': 'member-error' },
          h('strong', {}, err.status === 404 ? '未找到该会员' : '查询失败'),
          err.status === 404 ? '请核对券码和会员卡 ID（会员需先激活）' : err.userMessage))
      } finally {
        if (mine === seq) lookupButton.disabled = false
      }
    }

    function showMember (m) {
      clear(view)
      const bonusEl = h('b', { 'data-testid': 'bonus' }, count(m.bonus))
      const balanceEl = h('b', { 'data-testid': 'balance' }, yuan(m.balance))
      const fields = (m.form && m.form.fields) || []
      view.appendChild(h('div', { class: 'card', 'data-testid': 'member-view' },
        h('div', {},
          h('span', { class: 'stat' }, '积分', bonusEl),
          h('span', { class: 'stat' }, '余额', balanceEl)),
        h('dl', { class: 'facts' },
          h('dt', {}, '会员号'), h('dd', { class: 'mono' }, m.membership_number || '—'),
          h('dt', {}, '券码'), h('dd', { class: 'mono' }, m.code),
          h('dt', {}, '会员卡'), h('dd', { class: 'mono' }, m.title ? `${m.title}（${m.card_id}）` : m.card_id),
          h('dt', {}, '持有人'), h('dd', { class: 'mono' }, m.openid || '—'),
          h('dt', {}, '激活时间'), h('dd', {}, dateTime(m.activated_at)),
          h('dt', {}, '微信状态'), h('dd', {}, label('wechat', m.user_card_status)),
          fields.map((f) => [h('dt', {}, fieldName(f.name)), h('dd', {}, f.value || (f.values || []).join('、') || '—')]))))

      const ledger = h('div', { 'data-testid': 'ledger' })
      const onChanged = (kind, total) => {
        if (kind === 'bonus') bonusEl.textContent = count(total)
        else balanceEl.textContent = yuan(total)
        if (isAdmin) loadLedger(m, ledger, 0)
      }
      view.appendChild(h('div', { class: 'row forms' },
        changeForm(m, 'bonus', onChanged),
        changeForm(m, 'balance', onChanged)))
      if (isAdmin) {
        view.appendChild(h('h2', {}, '积分与余额记录'))
        view.appendChild(ledger)
        loadLedger(m, ledger, 0)
      }
    }

    /** The form of one kind of change (bonus: points; balance: fen). */
    function changeForm (m, kind, onChanged) {
      const isBonus = kind === 'bonus'
      const status = h('div', { 'data-testid': kind + '-status', 'aria-live': 'polite' })
      const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': kind + '-submit' }, isBonus ? '提交积分变动' : '提交余额变动')
      const f = h('form', { 'data-testid': kind + '-form', class: 'card', novalidate: true, onsubmit: send },
        h('h2', {}, isBonus ? '积分' : '余额（元）'),
        h('div', { class: 'segmented', role: 'radiogroup' },
          h('label', { class: 'choice' }, h('input', { type: 'radio', name: 'direction', value: 'add', checked: true }), isBonus ? ' 增加' : ' 充值'),
          h('label', { class: 'choice' }, h('input', { type: 'radio', name: 'direction', value: 'sub' }), isBonus ? ' 扣减' : ' 扣款')),
        isBonus
          ? field('积分数', h('input', { name: 'delta', inputmode: 'numeric', autocomplete: 'off', placeholder: '例如 100' }))
          : field('金额（元）', h('input', { name: 'amount', inputmode: 'decimal', autocomplete: 'off', placeholder: '例如 12.50' })),
        field('说明（显示给会员，最多 14 个汉字）', h('input', { name: 'record', autocomplete: 'off', placeholder: isBonus ? '消费积分' : '门店充值' })),
        submit, status)

      // The change being made: its body and its request_id, kept until the
      // service has answered it for good, so that a retry is the same change.
      let pending = null
      let busy = false

      async function send (ev) {
        ev.preventDefault()
        if (busy) return
        fieldError(f, null)
        const v = formValues(f)
        let magnitude
        if (isBonus) {
          magnitude = /^\s*\d{1,9}\s*$/.test(v.delta) ? Number(v.delta) : null
          if (!magnitude) return fieldError(f, 'delta', '请输入大于 0 的整数积分')
        } else {
          magnitude = fenFromYuan(v.amount)
          if (!magnitude) return fieldError(f, 'amount', '请输入大于 0 的金额，最多两位小数')
        }
        const record = v.record.trim() || (isBonus ? (v.direction === 'add' ? '积分增加' : '积分扣减') : (v.direction === 'add' ? '余额充值' : '余额扣款'))
        if (new TextEncoder().encode(record).length > MAX_RECORD_BYTES) return fieldError(f, 'record', '说明最多 14 个汉字（42 字节）')
        const body = { card_id: m.card_id, delta: v.direction === 'sub' ? -magnitude : magnitude, record }
        const key = JSON.stringify(body)
        if (!pending || pending.key !== key) pending = { key, id: newRequestId() }
        busy = true
        submit.disabled = true
        clear(status).appendChild(h('p', { class: 'muted' }, '提交中…'))
        try {
          const res = await ctx.api('POST', `/admin/v1/members/${encodeURIComponent(m.code)}/${kind}`, { ...body, request_id: pending.id })
          pending = null
          f.reset()
          const total = res[kind]
          const shown = isBonus ? `${signed(body.delta)} 积分，当前 ${count(total)}` : `${body.delta > 0 ? '+' : '-'}${yuan(Math.abs(body.delta))}，当前余额 ${yuan(total)}`
          clear(status).appendChild(h('div', { class: 'result ok', role: 'status' }, h('strong', {}, '已记账'), shown))
          ctx.toast(isBonus ? '积分已更新' : '余额已更新')
          onChanged(kind, total)
        } catch (err) {
          if (err.status === 401) return
          // Answered for good (refused): the next submit is a new change.
          // Not answered (network, WeChat unreachable): keep the id, a retry
          // completes the same change once.
          const final = err.status >= 400 && err.status < 500
          if (final) pending = null
          if (err.code === 'conflict' && err.details.field === 'delta') {
            fieldError(f, isBonus ? 'delta' : 'amount', isBonus ? '积分不足，不能扣减这么多' : '余额不足，不能扣这么多')
            clear(status)
          } else if (err.code === 'invalid_argument' && err.details.field && f.elements[err.details.field]) {
            fieldError(f, err.details.field, err.userMessage)
            clear(status)
          } else {
            clear(status).appendChild(h('div', { class: 'result error', role: 'alert' },
              h('strong', {}, final ? '未能记账' : '未确认，请重试'),
              final ? err.userMessage : err.userMessage + '。重试不会重复记账。'))
          }
        } finally {
          busy = false
          submit.disabled = false
        }
      }
      return f
    }

    async function loadLedger (m, box, offset) {
      try {
        const res = await ctx.api('GET', `/admin/v1/members/${encodeURIComponent(m.code)}/ledger?card_id=${encodeURIComponent(m.card_id)}&offset=${offset}&count=${PAGE}`)
        const rows = (res.entries || []).map((e) => h('tr', { 'data-ledger-id': String(e.id) },
          h('td', {}, dateTime(e.at)),
          h('td', {}, label('ledger', e.kind)),
          h('td', { class: 'num' }, e.kind === 'balance' ? (e.delta > 0 ? '+' : '-') + yuan(Math.abs(e.delta)) : signed(e.delta)),
          h('td', { class: 'num' }, e.kind === 'balance' ? yuan(e.total) : count(e.total)),
          h('td', {}, e.record || '—'),
          h('td', {}, e.actor || '—'),
          h('td', {}, e.status ? label('ledgerStatus', e.status) : '已完成')))
        clear(box)
        if (!rows.length) { box.appendChild(h('p', { class: 'muted' }, '暂无记录')); return }
        box.appendChild(table(['时间', '类型', '变动', '变动后', '说明', '操作人', '状态'], rows))
        box.appendChild(pager(offset, res.total, (o) => loadLedger(m, box, o)))
      } catch (err) {
        if (err.status === 401) return
        clear(box).appendChild(h('p', { class: 'error' }, '记录加载失败：' + err.userMessage))
      }
    }
  }
}

function pager (offset, total, go) {
  return h('div', { class: 'pager' },
    h('button', { type: 'button', disabled: offset === 0, onclick: () => go(Math.max(0, offset - PAGE)) }, '上一页'),
    h('span', { class: 'muted' }, `第 ${count(offset + 1)}–${count(Math.min(offset + PAGE, total))} 条，共 ${count(total)} 条`),
    h('button', { type: 'button', disabled: offset + PAGE >= total, onclick: () => go(offset + PAGE) }, '下一页'))
}

const FORM_FIELDS = {
  USER_FORM_INFO_FLAG_MOBILE: '手机号',
  USER_FORM_INFO_FLAG_NAME: '姓名',
  USER_FORM_INFO_FLAG_SEX: '性别',
  USER_FORM_INFO_FLAG_BIRTHDAY: '生日',
  USER_FORM_INFO_FLAG_EMAIL: '邮箱',
  USER_FORM_INFO_FLAG_LOCATION: '地址',
  USER_FORM_INFO_FLAG_IDCARD: '身份证号'
}
function fieldName (n) { return FORM_FIELDS[n] || n }
