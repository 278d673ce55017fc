// The console's formatting module, without a browser: money from integer fen
// without floating point, zh-CN numbers, times.
import { test } from 'node:test'
import assert from 'node:assert/strict'

import { yuan, count, fenFromYuan, dateTime, signed } from '../../web/console/js/format.js'

test('yuan from fen', () => {
  assert.equal(yuan(1234), '¥12.34')
  assert.equal(yuan(0), '¥0.00')
  assert.equal(yuan(5), '¥0.05')
  assert.equal(yuan(-50), '-¥0.50')
  assert.equal(yuan(123456789), '¥1,234,567.89')
  assert.equal(yuan(Number.MAX_SAFE_INTEGER), '¥90,071,992,547,409.91', 'exact at the largest safe integer')
  assert.equal(yuan(1.5), '—', 'fen are whole')
  assert.equal(yuan(null), '—')
})

test('fen from what a clerk types', () => {
  assert.equal(fenFromYuan('12.5'), 1250)
  assert.equal(fenFromYuan('0.29'), 29, '0.29 * 100 is 28.999… in floating point')
  assert.equal(fenFromYuan('1.13'), 113)
  assert.equal(fenFromYuan(' 20 '), 2000)
  for (const bad of ['', '1.234', '-1', '1,000', 'abc', '1e3', '.5']) assert.equal(fenFromYuan(bad), null, bad)
})

test('counts and times', () => {
  assert.equal(count(12345), '12,345')
  assert.equal(count(undefined), '—')
  assert.equal(signed(5), '+5')
  assert.equal(signed(-3), '-3')
  assert.match(dateTime('2026-12-01T05:05:00Z'), /^2026-12-01 \d\d:05$/)
  assert.match(dateTime(1764565500), /^2025-12-01 \d\d:\d\d$/)
  assert.equal(dateTime(0), '—')
  assert.equal(dateTime('0001-01-01T00:00:00Z'), '—', "Go's zero time")
})
