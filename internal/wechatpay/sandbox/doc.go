// Package sandbox is an in-memory emulator of WeChat Pay API v3 商家券
// (merchant coupons, "busifavor"), faithful where a client can see it: it
// checks every request's signature, signs every answer, validates what
// WeChat Pay validates and answers with WeChat Pay's error bodies
// {code, message, detail} (see shared/wechatpay-busifavor.md §1–§3, §5, §7).
//
// # Use
//
//	emu := sandbox.New(sandbox.Options{Logger: log})
//	m := emu.Merchant() // MchID, AppID, SerialNo, PrivateKeyPEM, PublicKeyID, PublicKeyPEM, APIv3Key, APIv2Key
//
// Emulator is an http.Handler serving paths relative to its root:
// WeChat Pay's /v3/marketing/busifavor/… and the drivers under
// /sandbox/pay/. Mount it with http.StripPrefix; the WeChat emulator
// (internal/wechat/sandbox) routes /v3/ and /sandbox/pay/ to it, so one
// root serves both and WECHATPAY_API_BASE may equal WECHAT_API_BASE.
// The request signature covers the URL as the client sent it
// (r.RequestURI), so a client signs its full path, mount prefix included.
//
// The sandbox merchant is fixed: mchid 1900000001, appid wxsandboxmini
// (the WeChat emulator's mini-program; wxsandbox, its Official Account, is
// bound too), and the public test keys of the reference's vectors
// (package wechatpaytest): merchant certificate serial
// 5A1C0F7D3E2B4A6980C1D2E3F40516273849ABCD, 微信支付公钥 id
// PUB_KEY_ID_0100000000000000000000000001. Fixed keys cost nothing at
// start and make the vectors hold against the emulator. GET
// sandbox/pay/merchant answers them as PEM text.
//
// # Endpoints
//
// WeChat Pay's (signed; counted in stats; faultable):
//
//	POST   stocks                                 create (§2.1)
//	GET    stocks/{stock_id}                      query, with send counts (§2.2)
//	PATCH  stocks/{stock_id}                      modify info, 204 (§2.4)
//	PATCH  stocks/{stock_id}/budget               max_coupons or max_coupons_by_day (§2.3)
//	POST   stocks/{stock_id}/couponcodes          upload codes, MERCHANT_UPLOAD (§2.5)
//	GET    stocks/{stock_id}/couponcodes[/{code}] list / one code
//	DELETE stocks/{stock_id}/couponcodes/{code}   delete an AVAILABLE code
//	POST   coupons/use | deactivate | return      the state machine of §3.9
//	POST   coupons/associate | disassociate       tie an unused coupon to an order (§3.6)
//	POST   coupons/send                           403 NO_AUTH (no grant, §3.8)
//	GET    users/{openid}/coupons                 list (§3.2)
//	GET    users/{openid}/coupons/{code}/appids/{appid}   one (§3.3)
//	POST   callbacks, GET callbacks               notification URL (§3.7)
//
// Drivers (unsigned, plain JSON):
//
//	GET  sandbox/pay/merchant       the merchant's ids and keys
//	GET  sandbox/pay/stats          {"calls":{"v3/marketing/busifavor/stocks":1,…}}, by path as requested
//	POST sandbox/pay/faults         {"path","http_status"?,"code"?,"delay_ms"?,"times"}
//	POST sandbox/pay/send-coupon    {"openid","send_coupon_params":[…],"send_coupon_merchant","sign"} → the plugin's event.detail
//	POST sandbox/pay/coupon-link    {"openid","stock_id","coupon_code"} → {"stock_id","openid","nonce","associate","ciphertext"}
//	POST sandbox/pay/expire-coupon  {"stock_id","coupon_code"}
//	POST sandbox/pay/delete-coupon  {"openid","stock_id","coupon_code"}
//	POST sandbox/pay/stock-state    {"stock_id","state"} — pause, resume or stop a stock (the merchant platform's part)
//	GET  sandbox/pay/notifications  every COUPON.SEND made and its delivery
//	POST sandbox/pay/signtest       {"url"?} — one WECHATPAY/SIGNTEST/ probe to url or the callbacks URL → {"http_status"}
//	POST sandbox/pay/reset          forget everything
//
// A fault's path is the /v3/ path as requested, without the query (the
// leading slash optional), e.g. v3/marketing/busifavor/stocks/1234; a code
// alone gets WeChat Pay's status for it (SYSTEM_ERROR 500,
// FREQUENCY_LIMITED 429, …), a status alone WeChat Pay's code for it
// (500 SYSTEM_ERROR, 502/503/504 SERVICE_UNAVAILABLE, …).
//
// # Choices where the reference says unconfirmed
//
// Errors follow the reference's §7.3: unknown stock, coupon or code → 404
// RESOURCE_NOT_EXISTS; business refusals (use of a used, expired,
// deactivated, deleted or not yet effective coupon; deactivate of a
// non-SENDED, return of a non-USED coupon; budget with both targets, a
// current_* mismatch or a target below what was sent; a request number
// reused with other content) → 400 INVALID_REQUEST; field rules → 400
// PARAM_ERROR whose message names the field as a JSON pointer
// (输入源“/body/stock_send_rule/max_coupons”…) and whose detail is
// {"location":"body","value":<the value>} (location "query" for query
// parameters). Further:
//
//   - Signature: timestamps within ±5 minutes (Options.SkewTolerance);
//     nonces may repeat; an unknown mchid or serial is SIGN_ERROR. Error
//     answers are signed too.
//   - Request numbers: a replay with the same content (same path, same
//     JSON whatever the key order) gets the original answer, whatever
//     happened since; failed requests are not remembered. Every body field
//     is content: a retried use must resend the same use_time, and a
//     coupon used again after a return needs a new use_request_no (the old
//     one replays the first answer and changes nothing).
//   - Create: the stock is RUNNING at once. Lengths count characters
//     (runes); 4-byte UTF-8 characters are refused. belong_merchant other
//     than the caller, and appids not bound to the merchant
//     (mini_programs_appid, notify_appid, custom_entrance appids, appid
//     parameters), are 400 INVALID_REQUEST. The window may not exceed one
//     year nor have ended already. discount_percent is 1–99.
//     transaction_minimum may not be below discount_amount (NORMAL: a
//     coupon worth more than the smallest order would pay the user); no
//     relation is required between exchange_price and the threshold. max_coupons_per_user ≤ max_coupons and
//     max_coupons_by_day ≤ max_coupons. max_amount / max_amount_by_day
//     ("not yet open") are accepted for NORMAL stocks only, at least one
//     face value, by_day ≤ total. transferable/shareable true are refused
//     (not open). available_day_after_receive is 1–365,
//     wait_days_after_receive 1–30.
//   - Modify: stock_name, merchant_logo_url, merchant_name and
//     natural_person_limit ("not yet modifiable") are refused with
//     PARAM_ERROR naming them; coupon_use_rule may carry only use_method
//     and the mini-program fields; custom_entrance.store_id is refused.
//   - Budget: target_max_coupons may not fall below max_coupons_by_day;
//     target_max_coupons_by_day may not exceed max_coupons.
//   - States: a RUNNING stock whose window has ended reads STOPED; PAUSED
//     and STOPED stocks refuse sends (NOTRUNNING) while issued coupons stay
//     usable; STOPED is final.
//   - Coupons: use checks [available_start_time, expire_time] but not the
//     weekly hours; an openid given to use that does not hold the coupon is
//     INVALID_REQUEST; a coupon returned after its expiry reads EXPIRED;
//     expire_time is 23:59:59 UTC+8 of the last day, capped by the window.
//     Getting a code the user does not hold is 404. Lists: offset is an
//     item offset, limit 1–50 (default 20), newest first.
//   - Callbacks: http:// URLs are accepted (local tests); GET before any
//     URL is set answers {"mchid"} without notify_url.
//   - Codes: a bad uploaded code fails with LENGTH_LIMIT or (the
//     emulator's name) CHARACTER_INVALID; only AVAILABLE codes can be
//     deleted.
//   - Sends (§7.2): DUPREQUEST returns the earlier coupon's code; outer
//     errcodes are answered with HTTP 200, as the plugin reports them; a
//     send_coupon_merchant other than the sandbox merchant is an outer
//     PARAM_ERROR; natural_person_limit is stored but never applied (the
//     emulator knows no persons, so NATURELIMIT never occurs).
//   - Associate: a coupon tied to one order cannot be tied to another
//     until untied; only SENDED coupons can be tied or untied.
//   - COUPON.SEND: openid is reported only when the stock has
//     notify_config.notify_appid (as WeChat Pay); each attempt is signed
//     afresh over the same body; success is any 2xx; retries follow
//     Options.NotifyRetryDelays (default every 60 s, 11 attempts).
package sandbox
