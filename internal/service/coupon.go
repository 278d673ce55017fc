package service

import (
	"context"
	"net/http"
	"time"
)

// A 商家券 coupon is one WeChat Pay coupon a mini-program user holds,
// identified by (StockID, CouponCode). WeChat Pay is the truth about it: the
// local record is written only after WeChat Pay said so, and follows it.

// CouponStatus is a coupon's status in the contract's words.
type CouponStatus string

const (
	CouponIssued      CouponStatus = "issued"
	CouponConsumed    CouponStatus = "consumed"
	CouponUnavailable CouponStatus = "unavailable" // deactivated
	CouponExpired     CouponStatus = "expired"
	CouponDeleted     CouponStatus = "deleted"
)

// Final reports whether a coupon never leaves the status (a consumed coupon
// may be returned, so it is not final).
func (s CouponStatus) Final() bool {
	return s == CouponUnavailable || s == CouponExpired || s == CouponDeleted
}

// Valid reports whether s is one of the contract's statuses.
func (s CouponStatus) Valid() bool {
	switch s {
	case CouponIssued, CouponConsumed, CouponUnavailable, CouponExpired, CouponDeleted:
		return true
	}
	return false
}

// Coupon is the local record of a coupon.
type Coupon struct {
	StockID      string
	CouponCode   string
	OpenID       string
	Status       CouponStatus
	OutRequestNo string // the send's number, issued by this server
	Returns      int    // 退券 so far: the generation of the next use_request_no
	ReceivedAt   time.Time
	ConsumedAt   *time.Time
	CheckedAt    *time.Time // when WeChat Pay's view was last read
	StockName    string     // filled by lists from the stock catalogue
}

// CouponKey names one coupon.
type CouponKey struct {
	StockID    string
	CouponCode string
}

// CouponFilter selects coupons.
type CouponFilter struct {
	OpenID  string
	StockID string
	Status  CouponStatus
	Offset  int
	Count   int     // 0: a default page size
	After   *Cursor // keyset page after this coupon (needs StockID; Offset is then 0)
}

// CouponHolding is WeChat Pay's view of one coupon of a user.
type CouponHolding struct {
	StockID       string
	CouponCode    string
	OpenID        string
	Status        CouponStatus
	StockName     string
	SendRequestNo string
	ReceivedAt    time.Time
	AvailableFrom time.Time
	ExpiresAt     time.Time
	UsedAt        time.Time
}

// SendParam is one item of the send-coupon plugin's parameters.
type SendParam struct {
	StockID      string
	OutRequestNo string
}

// CouponSent is a decrypted COUPON.SEND notification.
type CouponSent struct {
	NotificationID string
	StockID        string
	CouponCode     string
	OpenID         string
	SentAt         time.Time
}

// CouponNotification is a verified, opened notification: Sent is set for
// COUPON.SEND, nil for any other event type.
type CouponNotification struct {
	ID        string
	EventType string
	Sent      *CouponSent
}

// CouponStore keeps coupon records and the ids of handled notifications.
type CouponStore interface {
	// RecordCoupon inserts c unless (StockID, CouponCode) is recorded already;
	// either way it returns the stored record, and whether it was inserted.
	RecordCoupon(ctx context.Context, c Coupon) (Coupon, bool, error)
	// RecordCoupons records several as RecordCoupon does, in the order of cs.
	RecordCoupons(ctx context.Context, cs []Coupon) ([]Coupon, []bool, error)
	// GetCoupon returns ErrNotFound when the coupon is not recorded.
	GetCoupon(ctx context.Context, stockID, couponCode string) (Coupon, error)
	// GetCoupons returns the recorded coupons among keys (any order).
	GetCoupons(ctx context.Context, keys []CouponKey) ([]Coupon, error)
	// FindCoupons returns the records of couponCode in any stock.
	FindCoupons(ctx context.Context, couponCode string) ([]Coupon, error)
	// ListCoupons returns coupons newest first and the number matching.
	// The total is counted only when f.After is nil; next is the cursor of the
	// page's last coupon when more follow (a cursor needs f.StockID).
	ListCoupons(ctx context.Context, f CouponFilter) ([]Coupon, int64, *Cursor, error)
	// SetCouponStatus sets the status (consumed: consumed_at = at, kept when
	// set; returned: issued with returns+1 when returned is true) and the
	// time WeChat Pay's view was read; ErrNotFound when not recorded.
	SetCouponStatus(ctx context.Context, stockID, couponCode string, status CouponStatus, at time.Time, returned bool) (Coupon, error)
	// SetCouponConsumed records a consumption made after returns returns:
	// nothing changes when the coupon was returned since or is final.
	// ErrNotFound when not recorded.
	SetCouponConsumed(ctx context.Context, stockID, couponCode string, at time.Time, returns int) (Coupon, error)
	// StaleCoupons returns up to limit issued or consumed coupons received
	// since since, those read from WeChat Pay longest ago (or never) first.
	StaleCoupons(ctx context.Context, since time.Time, limit int) ([]Coupon, error)
	// MarkNotification records a handled notification id: false when it was
	// recorded already.
	MarkNotification(ctx context.Context, id, eventType string) (bool, error)
	// NotificationSeen reports whether the id was handled.
	NotificationSeen(ctx context.Context, id string) (bool, error)
}

// CouponProvider is WeChat Pay for the coupons users hold. Failures are *Error
// as for StockProvider (not_found for a coupon it does not know for that
// user, conflict for a refusal of the coupon's state).
type CouponProvider interface {
	// UserCoupon reads one coupon of a user; merchantCode: the stock names
	// codes itself, so the code is looked up within the stock.
	UserCoupon(ctx context.Context, openID, stockID, couponCode string, merchantCode bool) (CouponHolding, error)
	// RecentUserCoupons reads one page of up to limit of the user's coupons
	// (WeChat Pay's codes and merchant codes alike), newest first as far as
	// WeChat Pay orders them so, and how many the user holds in all.
	RecentUserCoupons(ctx context.Context, openID string, limit int) ([]CouponHolding, int64, error)
	// UseCoupon redeems; the same requestNo and useTime is the same request.
	UseCoupon(ctx context.Context, stockID, couponCode, requestNo string, useTime time.Time) (CouponHolding, error)
	DeactivateCoupon(ctx context.Context, stockID, couponCode, requestNo, reason string) error
	ReturnCoupon(ctx context.Context, stockID, couponCode, requestNo string) error
	// PluginSign signs the send-coupon plugin's parameters: the sending
	// merchant and the sign (the APIv2 key stays inside).
	PluginSign(items []SendParam) (merchant, sign string, err error)
	// DecryptCouponCode opens the coupon code of a jump link (§3.10).
	DecryptCouponCode(nonce, associate, ciphertext string) (string, error)
	// OpenNotification verifies and decrypts a notification: ErrBadNotifySignature
	// when the signature fails, ErrNotificationUnreadable when it does not open.
	OpenNotification(header http.Header, body []byte) (CouponNotification, error)
}

// KeyValue is a shared short-lived memory (the cache).
type KeyValue interface {
	Get(ctx context.Context, key string) (string, bool, error)
	Set(ctx context.Context, key, value string, ttl time.Duration) error
}
