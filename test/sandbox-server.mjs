// One way for the JavaScript test suites (the mini-program client's and the
// console's) to run the real service: built from ./cmd/server, in sandbox
// mode alone, on a free loopback port. Node's standard library only, so
// every suite can import it.

import { spawn, execFile } from 'node:child_process'
import { rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Builds ./cmd/server into a temporary directory and runs it in sandbox mode
 * on 127.0.0.1:<free port>; resolves once it logs {"msg":"listening"}.
 * Returns { base, wx (the emulator's root), stop(), logs() }.
 */
export async function startServer (name = 'js') {
  const dir = await mkdtemp(path.join(tmpdir(), `wxcoupon-${name}-`))
  const env = { ...process.env, PATH: `${process.env.PATH}:/usr/local/go/bin` }
  const bin = path.join(dir, 'server')
  try {
    await promisify(execFile)(process.env.GO || 'go', ['build', '-o', bin, './cmd/server'], { cwd: repoRoot, env, maxBuffer: 16 << 20 })
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw new Error(`go build ./cmd/server failed: ${err.stderr || err.message}`)
  }
  const child = spawn(bin, [], {
    cwd: dir,
    // The sandbox alone, whatever the developer's shell has exported.
    env: {
      ...env, SANDBOX: 'true', HTTP_ADDR: '127.0.0.1:0', SQLITE_PATH: path.join(dir, 'coupon.db'), LOG_LEVEL: 'info',
      MYSQL_DSN: '', REDIS_URL: '', WECHAT_APP_ID: '', WECHATPAY_MCH_ID: '', ADMIN_USERNAME: '', ADMIN_PASSWORD: '', CORS_ALLOWED_ORIGINS: ''
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const killOnExit = () => child.kill('SIGKILL')
  const onSignal = (sig) => {
    killOnExit()
    rmSync(dir, { recursive: true, force: true })
    process.exit(sig === 'SIGINT' ? 130 : 143)
  }
  process.on('exit', killOnExit)
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const stop = async () => {
    process.off('exit', killOnExit)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(t)
    }
    await rm(dir, { recursive: true, force: true })
  }

  let output = ''
  child.stderr.on('data', (b) => { output += b })
  const addr = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not log "listening" within 60s:\n' + output)), 60_000)
    let pending = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
      pending += chunk
      const lines = pending.split('\n')
      pending = lines.pop()
      for (const line of lines) {
        let rec
        try { rec = JSON.parse(line) } catch (_) { continue }
        if (rec.msg === 'listening') { clearTimeout(timer); resolve(rec.addr) }
      }
    })
    child.once('exit', (code, sig) => { clearTimeout(timer); reject(new Error(`server exited (${code ?? sig}) before listening:\n${output}`)) })
  }).catch(async (err) => { await stop(); throw err })
  const base = 'http://' + addr
  return { base, wx: base + '/sandbox/wechat', stop, logs: () => output }
}
