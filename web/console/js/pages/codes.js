// 核销: look a code up and consume it, at the counter on a phone. The code is
// typed, comes from a keyboard-wedge scanner (the code, then Enter), or from
// the camera where the browser has BarcodeDetector. Card codes (卡券) use the
// code API, 商家券 the coupon API; a code one of them does not know is tried
// with the other.
import { h, clear, field } from '../dom.js'
import { dateTime } from '../format.js'
import { label, wechatText } from '../i18n.js'

const KINDS = {
  card: { name: '卡券', idName: 'card_id', idLabel: '卡券 ID（可选）' },
  coupon: { name: '商家券', idName: 'stock_id', idLabel: '批次号（可选）' }
}

export default {
  id: 'codes',
  title: '核销',
  roles: ['admin', 'clerk'],
  render (root, ctx) {
    let kind = 'card'
    let scanner = null

    const kindButtons = Object.entries(KINDS).map(([k, v]) =>
      h('button', { type: 'button', 'data-kind': k, 'aria-pressed': String(k === kind), onclick: () => setKind(k) }, v.name))
    const codeInput = h('input', {
      name: 'code', autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', inputmode: 'text',
      enterkeyhint: 'search', placeholder: '输入或扫描券码，回车查询', required: true, class: 'big'
    })
    const idInput = h('input', { name: 'id', autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false' })
    const idField = field(KINDS[kind].idLabel, idInput)
    const lookupButton = h('button', { type: 'submit', class: 'primary' }, '查询')
    const scanButton = h('button', { type: 'button', 'data-testid': 'scan', onclick: startScan, hidden: !canScan() }, '扫码')
    const form = h('form', { 'data-testid': 'lookup-form', class: 'card', novalidate: true, onsubmit: (ev) => { ev.preventDefault(); lookUp() } },
      h('div', { class: 'segmented', role: 'group', 'aria-label': '券的种类' }, kindButtons),
      field('券码', codeInput),
      h('details', {}, h('summary', { class: 'muted' }, '指定卡券 ID / 批次号'), idField),
      h('div', { class: 'actions' }, lookupButton, scanButton))
    const scanArea = h('div', { class: 'card scanner', 'data-testid': 'scanner', hidden: true })
    const result = h('div', { 'data-testid': 'lookup-result', 'aria-live': 'polite' })

    root.append(h('h1', {}, '核销'), form, scanArea, result)
    codeInput.focus()

    function setKind (k) {
      kind = k
      for (const b of kindButtons) b.setAttribute('aria-pressed', String(b.dataset.kind === k))
      idField.querySelector('label').textContent = KINDS[k].idLabel
      codeInput.focus()
    }

    let seq = 0
    async function lookUp () {
      const code = codeInput.value.trim()
      const id = idInput.value.trim()
      if (!code) { codeInput.focus(); return }
      const mine = ++seq
      lookupButton.disabled = true
      clear(result).appendChild(h('p', { class: 'muted' }, '查询中…'))
      try {
        let found
        try {
          found = await fetchOne(kind, code, id)
        } catch (err) {
          // A scanner does not say which kind it read: try the other one.
          const unknown = err.status === 404 || (err.status === 400 && ['code', 'coupon_code'].includes(err.details.field))
          if (!unknown || id) throw err
          const other = kind === 'card' ? 'coupon' : 'card'
          found = await fetchOne(other, code, '').catch(() => { throw err })
          setKind(other)
        }
        if (mine !== seq) return
        show(found)
      } catch (err) {
        if (mine !== seq || err.status === 401) return
        clear(result).appendChild(h('div', { class: 'result error', 'data-testid': 'lookup-error', role: 'alert' },
          h('strong', {}, err.status === 404 ? '未找到该券码' : '查询失败'),
          err.status === 404 ? '请核对券码，或切换“卡券 / 商家券”后重试' : err.userMessage))
      } finally {
        if (mine === seq) lookupButton.disabled = false
      }
    }

    async function fetchOne (k, code, id) {
      if (k === 'card') {
        const q = id ? '?card_id=' + encodeURIComponent(id) : ''
        const v = await ctx.api('GET', '/admin/v1/codes/' + encodeURIComponent(code) + q)
        return {
          kind: k, code: v.code, id: v.card_id, holder: v.openid, status: v.status, providerStatus: v.user_card_status,
          canConsume: v.can_consume, from: v.begin_time, to: v.end_time,
          receivedAt: v.record && v.record.received_at, consumedAt: v.record && v.record.consumed_at
        }
      }
      const q = id ? '?stock_id=' + encodeURIComponent(id) : ''
      const v = await ctx.api('GET', '/admin/v1/coupons/' + encodeURIComponent(code) + q)
      const wp = v.wechatpay || {}
      return {
        kind: k, code: v.coupon_code, id: v.stock_id, name: wp.stock_name, holder: v.openid, status: v.status,
        canConsume: v.can_consume, from: wp.available_start_time, to: wp.expire_time,
        receivedAt: (v.record && v.record.received_at) || wp.received_at, consumedAt: (v.record && v.record.consumed_at) || wp.use_time
      }
    }

    function show (v) {
      clear(result)
      const consumeButton = h('button', { type: 'button', class: 'primary big wide', 'data-testid': 'consume' }, '确认核销')
      const outcome = h('div', { 'data-testid': 'consume-result', 'aria-live': 'assertive' })
      const statusEl = h('dd', { 'data-testid': 'status' }, label('status', v.status),
        v.providerStatus ? h('span', { class: 'muted' }, `（微信：${label('wechat', v.providerStatus)}）`) : null)
      const banner = h('div', { class: v.canConsume ? 'result ok' : 'result warn', 'data-testid': 'can-consume' },
        h('strong', {}, v.canConsume ? '可以核销' : '不可核销'),
        v.canConsume ? KINDS[v.kind].name + '有效，确认后核销' : '当前状态：' + label('status', v.status))
      consumeButton.addEventListener('click', () => consume(v, consumeButton, outcome, banner, statusEl))
      result.appendChild(h('div', { class: 'card', 'data-testid': 'code-view', 'data-can-consume': String(v.canConsume) },
        banner,
        h('dl', { class: 'facts' },
          h('dt', {}, '券码'), h('dd', { class: 'mono', 'data-testid': 'code' }, v.code),
          h('dt', {}, v.kind === 'card' ? '卡券 ID' : '批次'), h('dd', { class: 'mono' }, v.name ? `${v.name}（${v.id}）` : v.id || '—'),
          h('dt', {}, '持有人'), h('dd', { class: 'mono', 'data-testid': 'holder' }, v.holder || '—'),
          h('dt', {}, '状态'), statusEl,
          h('dt', {}, '有效期'), h('dd', {}, `${dateTime(v.from)} 至 ${dateTime(v.to)}`),
          h('dt', {}, '领取时间'), h('dd', {}, dateTime(v.receivedAt)),
          v.consumedAt ? [h('dt', {}, '核销时间'), h('dd', {}, dateTime(v.consumedAt))] : null),
        v.canConsume ? consumeButton : null,
        outcome))
    }

    async function consume (v, button, outcome, banner, statusEl) {
      if (button.disabled) return
      button.disabled = true
      clear(outcome)
      const path = v.kind === 'card'
        ? '/admin/v1/codes/' + encodeURIComponent(v.code) + '/consume'
        : '/admin/v1/coupons/' + encodeURIComponent(v.code) + '/consume'
      const body = v.kind === 'card' ? { card_id: v.id } : { stock_id: v.id }
      try {
        const done = await ctx.api('POST', path, body)
        button.hidden = true
        banner.hidden = true
        statusEl.textContent = label('status', 'consumed')
        outcome.appendChild(h('div', { class: 'result ok', role: 'status', 'data-outcome': 'consumed' },
          h('strong', {}, '核销成功'),
          `券码 ${v.code} 已于 ${dateTime(done.consumed_at || new Date().toISOString())} 核销`))
        ctx.toast('核销成功')
        codeInput.value = ''
        codeInput.focus()
      } catch (err) {
        if (err.status === 401) return
        const already = err.code === 'conflict'
        outcome.appendChild(h('div', { class: 'result error', role: 'alert', 'data-outcome': already ? 'conflict' : 'error' },
          h('strong', {}, already ? '核销失败：该券已核销或不可用' : '核销失败'),
          already ? (wechatText(err.details) || '此券码已被核销、已失效或已过期，不能再次核销') : err.userMessage))
        // A retry after a network error or timeout is safe: a code is consumed at most once.
        button.disabled = already
        if (already) { button.hidden = true; banner.hidden = true }
      }
    }

    function canScan () {
      return 'BarcodeDetector' in window && Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)
    }

    async function startScan () {
      if (scanner) return
      const video = h('video', { playsinline: true, muted: true, 'aria-label': '摄像头画面' })
      const note = h('p', { class: 'muted' }, '将条码或二维码对准摄像头')
      const stopButton = h('button', { type: 'button', onclick: stopScan }, '停止扫码')
      clear(scanArea).append(video, note, stopButton)
      scanArea.hidden = false
      let stream
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false })
      } catch (_) {
        note.textContent = '无法打开摄像头，请检查浏览器权限，或直接输入券码'
        note.className = 'error'
        return
      }
      const wanted = ['qr_code', 'code_128', 'code_39', 'ean_13', 'pdf417', 'data_matrix']
      let formats = wanted
      try { formats = (await window.BarcodeDetector.getSupportedFormats()).filter((f) => wanted.includes(f)) } catch (_) {}
      const detector = new window.BarcodeDetector(formats.length ? { formats } : undefined)
      scanner = { stream, timer: 0 }
      video.srcObject = stream
      await video.play().catch(() => {})
      const tick = async () => {
        if (!scanner) return
        try {
          const found = await detector.detect(video)
          const text = found && found[0] && String(found[0].rawValue || '').trim()
          if (text) {
            stopScan()
            codeInput.value = text
            lookUp()
            return
          }
        } catch (_) { /* a frame that could not be read: try the next */ }
        if (scanner) scanner.timer = setTimeout(tick, 250)
      }
      tick()
    }

    function stopScan () {
      if (scanner) {
        clearTimeout(scanner.timer)
        for (const t of scanner.stream.getTracks()) t.stop()
        scanner = null
      }
      clear(scanArea)
      scanArea.hidden = true
    }

    // Leaving the page switches the camera off.
    window.addEventListener('hashchange', stopScan, { once: true })
  }
}
