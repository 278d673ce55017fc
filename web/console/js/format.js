// Numbers, money and times for China. Money is integer fen throughout:
// yuan are only ever text, made and parsed without floating point.

const grouping = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 0 })

/** 12345 → "12,345" (zh-CN grouping); not a number → "—". */
export function count (n) {
  if (n === null || n === undefined || n === '' || !Number.isFinite(Number(n))) return '—'
  return grouping.format(Number(n))
}

/** 1234 → "¥12.34", -50 → "-¥0.50" (integer arithmetic). */
export function yuan (fen) {
  const n = Number(fen)
  if (fen === null || fen === undefined || fen === '' || !Number.isSafeInteger(n)) return '—'
  const a = Math.abs(n)
  const cents = a % 100
  return (n < 0 ? '-' : '') + '¥' + grouping.format((a - cents) / 100) + '.' + String(cents).padStart(2, '0')
}

/**
 * "12.34" → 1234 fen; "12" → 1200; "0.5" → 50. At most two decimals, no
 * sign, no grouping; anything else → null.
 */
export function fenFromYuan (text) {
  const m = /^\s*(\d{1,12})(?:\.(\d{1,2}))?\s*$/.exec(String(text ?? ''))
  if (!m) return null
  return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'))
}

const two = (n) => String(n).padStart(2, '0')

/** Unix seconds or an ISO time → "2026-12-01 13:05" (local); empty or zero → "—". */
export function dateTime (v) {
  if (v === null || v === undefined || v === '' || v === 0 || v === '0') return '—'
  const d = typeof v === 'number' || /^\d+$/.test(String(v)) ? new Date(Number(v) * 1000) : new Date(v)
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1971) return '—'
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`
}

/** A signed count: 5 → "+5", -3 → "-3". */
export function signed (n) {
  const v = Number(n)
  return (v > 0 ? '+' : '') + count(v)
}
