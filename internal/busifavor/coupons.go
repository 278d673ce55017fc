package busifavor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/wechatpay"
)

// CouponClient is the part of the WeChat Pay client the coupon provider uses.
type CouponClient interface {
	MchID() string
	UseCoupon(ctx context.Context, in wechatpay.CouponUse) (wechatpay.CouponUsed, error)
	GetUserCoupon(ctx context.Context, openID, couponCode, appID string) (wechatpay.UserCoupon, error)
	ListUserCoupons(ctx context.Context, openID string, q wechatpay.UserCouponQuery) (wechatpay.UserCouponList, error)
	DeactivateCoupon(ctx context.Context, in wechatpay.CouponDeactivate) (wechatpay.CouponDeactivated, error)
	ReturnCoupon(ctx context.Context, in wechatpay.CouponReturn) (wechatpay.CouponReturned, error)
	PluginSign(coupons []wechatpay.PluginCoupon) (string, error)
	DecryptCouponCode(nonce, ciphertext string) (string, error)
	OpenNotification(header http.Header, body []byte) (wechatpay.Notification, []byte, error)
}

// Coupons implements service.CouponProvider over WeChat Pay.
type Coupons struct {
	pay   CouponClient
	appID string // the mini-program: openids are computed under it
}

var (
	_ service.CouponProvider = (*Coupons)(nil)
	_ CouponClient           = (*wechatpay.Client)(nil)
)

// NewCoupons returns the coupon provider; appID is the mini-program's.
func NewCoupons(pay CouponClient, appID string) *Coupons { return &Coupons{pay: pay, appID: appID} }

// maxListPages bounds the search of a merchant-code coupon in a user's list.
const maxListPages = 10

// UserCoupon reads one coupon of a user (§3.3), or for merchant-code stocks
// finds it in the user's list filtered by stock (§3.2).
func (p *Coupons) UserCoupon(ctx context.Context, openID, stockID, code string, merchantCode bool) (service.CouponHolding, error) {
	if !merchantCode {
		out, err := p.pay.GetUserCoupon(ctx, openID, code, p.appID)
		if err != nil {
			return service.CouponHolding{}, mapCouponErr(err)
		}
		if out.StockID != stockID {
			return service.CouponHolding{}, &service.Error{Kind: service.KindNotFound,
				Message: "the user holds no such coupon of this stock"}
		}
		return holding(openID, out), nil
	}
	for page := 0; page < maxListPages; page++ {
		list, err := p.pay.ListUserCoupons(ctx, openID, wechatpay.UserCouponQuery{AppID: p.appID, StockID: stockID,
			BelongMerchant: p.pay.MchID(), Offset: page * 50, Limit: 50})
		if err != nil {
			return service.CouponHolding{}, mapCouponErr(err)
		}
		for _, c := range list.Data {
			if c.CouponCode == code && c.StockID == stockID {
				return holding(openID, c), nil
			}
		}
		if len(list.Data) < 50 {
			break
		}
	}
	return service.CouponHolding{}, &service.Error{Kind: service.KindNotFound, Message: "the user holds no such coupon of this stock"}
}

// RecentUserCoupons reads the first page of the user's coupons (§3.2, no
// filter but the merchant): one call for several coupons.
func (p *Coupons) RecentUserCoupons(ctx context.Context, openID string, limit int) ([]service.CouponHolding, int64, error) {
	list, err := p.pay.ListUserCoupons(ctx, openID, wechatpay.UserCouponQuery{AppID: p.appID,
		BelongMerchant: p.pay.MchID(), Limit: limit})
	if err != nil {
		return nil, 0, mapCouponErr(err)
	}
	out := make([]service.CouponHolding, len(list.Data))
	for i, c := range list.Data {
		out[i] = holding(openID, c)
	}
	return out, list.TotalCount, nil
}

func holding(openID string, c wechatpay.UserCoupon) service.CouponHolding {
	return service.CouponHolding{StockID: c.StockID, CouponCode: c.CouponCode, OpenID: openID,
		Status: couponStatus(c.CouponState), StockName: c.StockName, SendRequestNo: c.SendRequestNo,
		ReceivedAt: c.ReceiveTime.Time, AvailableFrom: c.AvailableStartTime.Time, ExpiresAt: c.ExpireTime.Time,
		UsedAt: c.UseTime.Time}
}

func couponStatus(state string) service.CouponStatus {
	switch state {
	case wechatpay.CouponStateSended:
		return service.CouponIssued
	case wechatpay.CouponStateUsed:
		return service.CouponConsumed
	case wechatpay.CouponStateExpired:
		return service.CouponExpired
	case wechatpay.CouponStateDeleted:
		return service.CouponDeleted
	case wechatpay.CouponStateDeactivated:
		return service.CouponUnavailable
	}
	return ""
}

// UseCoupon redeems (§3.1).
func (p *Coupons) UseCoupon(ctx context.Context, stockID, code, requestNo string, useTime time.Time) (service.CouponHolding, error) {
	out, err := p.pay.UseCoupon(ctx, wechatpay.CouponUse{CouponCode: code, StockID: stockID, AppID: p.appID,
		UseTime: wechatpay.Time{Time: useTime}, UseRequestNo: requestNo})
	if err != nil {
		return service.CouponHolding{}, mapCouponErr(err)
	}
	return service.CouponHolding{StockID: stockID, CouponCode: code, OpenID: out.OpenID,
		Status: service.CouponConsumed, UsedAt: out.WechatpayUseTime.Time}, nil
}

// DeactivateCoupon invalidates (§3.4).
func (p *Coupons) DeactivateCoupon(ctx context.Context, stockID, code, requestNo, reason string) error {
	_, err := p.pay.DeactivateCoupon(ctx, wechatpay.CouponDeactivate{CouponCode: code, StockID: stockID,
		DeactivateRequestNo: requestNo, DeactivateReason: reason})
	return mapCouponErr(err)
}

// ReturnCoupon gives a used coupon back (§3.5).
func (p *Coupons) ReturnCoupon(ctx context.Context, stockID, code, requestNo string) error {
	_, err := p.pay.ReturnCoupon(ctx, wechatpay.CouponReturn{CouponCode: code, StockID: stockID, ReturnRequestNo: requestNo})
	return mapCouponErr(err)
}

// PluginSign signs the send-coupon plugin's parameters (§4.1).
func (p *Coupons) PluginSign(items []service.SendParam) (string, string, error) {
	in := make([]wechatpay.PluginCoupon, len(items))
	for i, it := range items {
		in[i] = wechatpay.PluginCoupon{StockID: it.StockID, OutRequestNo: it.OutRequestNo}
	}
	sign, err := p.pay.PluginSign(in)
	return p.pay.MchID(), sign, err
}

// DecryptCouponCode opens a jump link's coupon code (§3.10). The associated
// data is fixed (COUPON_CODE); another value does not open.
func (p *Coupons) DecryptCouponCode(nonce, associate, ciphertext string) (string, error) {
	if associate != "COUPON_CODE" {
		return "", errors.New("associate is not COUPON_CODE")
	}
	return p.pay.DecryptCouponCode(nonce, ciphertext)
}

// OpenNotification verifies and decrypts a notification (§5.2).
func (p *Coupons) OpenNotification(header http.Header, body []byte) (service.CouponNotification, error) {
	n, plain, err := p.pay.OpenNotification(header, body)
	switch {
	case errors.Is(err, wechatpay.ErrBadSignature):
		return service.CouponNotification{}, fmt.Errorf("%w: %w", service.ErrBadNotifySignature, err)
	case err != nil:
		return service.CouponNotification{}, fmt.Errorf("%w: %w", service.ErrNotificationUnreadable, err)
	}
	out := service.CouponNotification{ID: n.ID, EventType: n.EventType}
	if n.EventType != "COUPON.SEND" {
		return out, nil
	}
	var e wechatpay.CouponSendEvent
	if err := json.Unmarshal(plain, &e); err != nil {
		return service.CouponNotification{}, fmt.Errorf("%w: resource is not JSON: %w", service.ErrNotificationUnreadable, err)
	}
	out.Sent = &service.CouponSent{NotificationID: n.ID, StockID: e.StockID, CouponCode: e.CouponCode,
		OpenID: e.OpenID, SentAt: e.SendTime.Time}
	return out, nil
}

// mapCouponErr maps as mapErr does, with coupon wording.
func mapCouponErr(err error) error {
	if err == nil {
		return nil
	}
	if wechatpay.IsNotFound(err) {
		return &service.Error{Kind: service.KindNotFound, Message: "WeChat Pay does not know this coupon",
			Details: payDetails(err), Err: err}
	}
	if wechatpay.IsInvalidRequest(err) {
		return &service.Error{Kind: service.KindConflict, Message: "WeChat Pay refused this in the coupon's present state",
			Details: payDetails(err), Err: err}
	}
	return mapErr(err, "")
}
