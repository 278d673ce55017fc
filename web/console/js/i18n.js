// Chinese text for the contract's error codes and the API's enumerations.

const ERRORS = {
  invalid_argument: '输入有误，请检查后重试',
  unauthenticated: '登录已失效，请重新登录',
  forbidden: '无权执行此操作',
  not_found: '未找到',
  conflict: '操作冲突：当前状态不允许此操作',
  method_not_allowed: '不支持此操作',
  payload_too_large: '内容过大',
  unsupported_media_type: '文件格式不支持（仅限 JPG、PNG）',
  rate_limited: '操作过于频繁，请稍后再试',
  upstream_error: '微信返回错误',
  upstream_unavailable: '微信服务暂时不可用，请稍后重试',
  internal: '服务器内部错误，请稍后重试',
  code_not_owned: '该券不属于此用户',
  network: '网络错误，无法连接服务器',
  bad_response: '服务器返回了无法识别的内容'
}

/** The Chinese message for a contract error code; fallback (or a generic one) otherwise. */
export function errorText (code, fallback) {
  return ERRORS[code] || fallback || '操作失败'
}

// WeChat's errcodes that a clerk or merchant meets, in words.
const WECHAT = {
  40056: '券码无效',
  40099: '该券码已被核销',
  40127: '卡券已被用户删除或转赠中',
  40079: '不在有效期内',
  40078: '卡券状态不允许此操作',
  41012: '缺少卡券 ID'
}

/** Words for WeChat's errcode in details, or ''. */
export function wechatText (details) {
  const code = details && details.wechat_errcode
  return code ? (WECHAT[code] || '') : ''
}

const LABELS = {
  role: { admin: '管理员', clerk: '店员', user: '用户' },
  // A code's or a coupon's status in the service.
  status: {
    issued: '未使用',
    consumed: '已核销',
    unavailable: '已失效',
    deleted: '已删除',
    gifted: '已转赠',
    expired: '已过期'
  },
  // WeChat's user_card_status and WeChat Pay's coupon state.
  wechat: {
    NORMAL: '正常',
    CONSUMED: '已核销',
    EXPIRE: '已过期',
    GIFTING: '转赠中',
    GIFT_TIMEOUT: '转赠超时',
    GIFT_SUCC: '已转赠',
    DELETE: '已删除',
    UNAVAILABLE: '已失效',
    SENDED: '可用',
    USED: '已核销',
    DEACTIVATED: '已失效',
    EXPIRED: '已过期'
  },
  ledger: { bonus: '积分', balance: '余额' },
  ledgerStatus: { pending: '待微信确认', done: '已完成', applied: '已完成' },
  result: { ok: '成功', success: '成功', error: '失败', denied: '拒绝', failed: '失败' },
  action: {
    'user.create': '创建账号',
    'user.update': '修改账号',
    'user.delete': '删除账号',
    'user.password': '修改密码',
    'user.login': '登录',
    'image.upload': '上传图片',
    'card.create': '创建卡券',
    'card.sync': '同步卡券',
    'card.update': '修改卡券',
    'card.delete': '删除卡券',
    'card.stock': '修改库存',
    'card.activation_form': '设置开卡表单',
    'code.consume': '核销卡券',
    'code.unavailable': '设为失效',
    'code.update': '更改券码',
    'member.bonus': '会员积分',
    'member.balance': '会员余额',
    'stock.create': '创建商家券批次',
    'stock.update': '修改商家券批次',
    'stock.budget': '修改批次预算',
    'coupon.consume': '核销商家券',
    'coupon.deactivate': '使商家券失效',
    'coupon.return': '退券',
    'wechatpay.callback': '设置商家券回调'
  }
}

/** label('status', 'consumed') → "已核销"; an unknown value is shown as it is. */
export function label (kind, value) {
  if (value === null || value === undefined || value === '') return '—'
  const t = LABELS[kind] && LABELS[kind][value]
  return t || String(value)
}
