package sandbox

import (
	"net/http"

	"github.com/wxcoupon/coupon/internal/wechatpay"
)

// Driver endpoints (sandbox/pay/*): not WeChat Pay's; they let tests and a
// local front end play the user and the merchant platform. faults is in
// faults.go, send-coupon in send.go, notifications in notify.go.

type merchantReply struct {
	MchID       string `json:"mchid"`
	AppID       string `json:"appid"`
	SerialNo    string `json:"serial_no"`
	PrivateKey  string `json:"private_key"`
	PublicKeyID string `json:"public_key_id"`
	PublicKey   string `json:"public_key"`
	APIv3Key    string `json:"apiv3_key"`
	APIv2Key    string `json:"apiv2_key"`
}

// driverMerchant is GET sandbox/pay/merchant: the sandbox merchant's fixed
// test credentials (PEM text), what a test writes into WECHATPAY_*.
func (c *call) driverMerchant() any {
	m := c.e.Merchant()
	return merchantReply{
		MchID: m.MchID, AppID: m.AppID, SerialNo: m.SerialNo, PrivateKey: m.PrivateKeyPEM,
		PublicKeyID: m.PublicKeyID, PublicKey: m.PublicKeyPEM, APIv3Key: m.APIv3Key, APIv2Key: m.APIv2Key,
	}
}

// driverStats is GET sandbox/pay/stats: calls received per /v3/ path
// (without the leading slash and the query), faulted and refused ones
// included.
func (c *call) driverStats() any {
	return c.locked(func(st *state) any {
		calls := make(map[string]int, len(st.calls))
		for k, v := range st.calls {
			calls[k] = v
		}
		return map[string]any{"calls": calls}
	})
}

// driverReset is POST sandbox/pay/reset: forget all state; queued
// notifications are dropped and the one in flight is cancelled. The
// callbacks URL goes back to Options.NotifyURL.
func (c *call) driverReset() any {
	c.e.Reset()
	return driverOK
}

// Reset forgets all state, as POST sandbox/pay/reset does.
func (e *Emulator) Reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.st.cancelNotes()
	*e.st = *newState(e.initialNotifyURL)
}

// driverStockState is POST sandbox/pay/stock-state {"stock_id","state"}:
// plays the merchant platform pausing (PAUSED), resuming (RUNNING) or
// stopping (STOPED, final) a stock. Not in api.md's table: the API has no
// such call, the platform does.
func (c *call) driverStockState() any {
	var req struct {
		StockID string `json:"stock_id"`
		State   string `json:"state"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	switch req.State {
	case StateRunning, StatePaused, StateStopped:
	default:
		return driverErr("state must be RUNNING, PAUSED or STOPED")
	}
	return c.locked(func(st *state) any {
		s, found := st.stocks[req.StockID]
		if !found {
			return notFound("批次 %s 不存在", req.StockID)
		}
		if s.state == StateStopped && req.State != StateStopped {
			return invalid("批次已停止，不能恢复")
		}
		s.state = req.State
		return map[string]string{"stock_id": s.id, "stock_state": s.effectiveState(c.now)}
	})
}

type heldCouponRequest struct {
	OpenID     string `json:"openid"`
	StockID    string `json:"stock_id"`
	CouponCode string `json:"coupon_code"`
}

// held finds the coupon a driver request names; openid, when the request
// must give it, must hold it (else 404).
func (st *state) held(req heldCouponRequest, needOpenID bool) (*coupon, *apiError) {
	if req.StockID == "" || req.CouponCode == "" || needOpenID && req.OpenID == "" {
		if needOpenID {
			return nil, driverErr("openid, stock_id and coupon_code are required")
		}
		return nil, driverErr("stock_id and coupon_code are required")
	}
	cp, err := st.findCoupon(req.StockID, req.CouponCode)
	if err != nil {
		return nil, err
	}
	if needOpenID && cp.openid != req.OpenID {
		return nil, notFound("用户 %s 没有券 %s", req.OpenID, req.CouponCode)
	}
	return cp, nil
}

type couponLinkReply struct {
	StockID    string `json:"stock_id"`
	OpenID     string `json:"openid"`
	Nonce      string `json:"nonce"`
	Associate  string `json:"associate"`
	Ciphertext string `json:"ciphertext"` // Base64, not URL-encoded: encode it to put it in a path
}

// driverCouponLink is POST sandbox/pay/coupon-link {"openid","stock_id",
// "coupon_code"}: the parameters WeChat appends when that coupon opens the
// mini-program (§3.10), the code sealed with the APIv3 key under a fresh
// 12-character nonce and associated data COUPON_CODE.
func (c *call) driverCouponLink() any {
	var req heldCouponRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	return c.locked(func(st *state) any {
		cp, err := st.held(req, true)
		if err != nil {
			return err
		}
		nonce := wechatpay.NewNonceN(12)
		ct, cerr := wechatpay.EncryptAESGCM([]byte(c.e.Merchant().APIv3Key), nonce, wechatpay.CouponCodeAssociatedData, []byte(cp.code))
		if cerr != nil {
			return &apiError{status: http.StatusInternalServerError, code: "SYSTEM_ERROR", message: cerr.Error()}
		}
		return couponLinkReply{StockID: cp.stockID, OpenID: cp.openid, Nonce: nonce,
			Associate: wechatpay.CouponCodeAssociatedData, Ciphertext: ct}
	})
}

// driverExpireCoupon is POST sandbox/pay/expire-coupon {"stock_id",
// "coupon_code"}: a SENDED coupon expires now (EXPIRED, final); in another
// state it is 400. WeChat Pay sends no event for it (§5.1).
func (c *call) driverExpireCoupon() any {
	var req heldCouponRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	return c.locked(func(st *state) any {
		cp, err := st.held(req, false)
		if err != nil {
			return err
		}
		if state := cp.stateAt(c.now); state != CouponSended {
			return invalid("券状态为 %s，不能过期", state)
		}
		cp.state, cp.expire = CouponExpired, c.now
		return map[string]string{"coupon_state": CouponExpired}
	})
}

// driverDeleteCoupon is POST sandbox/pay/delete-coupon {"openid",
// "stock_id","coupon_code"}: the holder deletes the coupon from the wallet
// (DELETED, final), whatever its state but DELETED (the wallet lets users
// remove used and expired coupons too). No event (§5.1).
func (c *call) driverDeleteCoupon() any {
	var req heldCouponRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	return c.locked(func(st *state) any {
		cp, err := st.held(req, true)
		if err != nil {
			return err
		}
		if cp.state == CouponDeleted {
			return invalid("券已删除")
		}
		cp.state = CouponDeleted
		return map[string]string{"coupon_state": CouponDeleted}
	})
}
