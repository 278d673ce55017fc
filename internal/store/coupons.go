package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/wxcoupon/coupon/internal/service"
)

// couponRow is a row of coupons (商家券 held by users).
type couponRow struct {
	StockID      string     `gorm:"column:stock_id;primaryKey"`
	CouponCode   string     `gorm:"column:coupon_code;primaryKey"`
	OpenID       string     `gorm:"column:openid"`
	Status       string     `gorm:"column:status"`
	OutRequestNo string     `gorm:"column:out_request_no"`
	Returns      int        `gorm:"column:returns"`
	ReceivedAt   time.Time  `gorm:"column:received_at"`
	ConsumedAt   *time.Time `gorm:"column:consumed_at"`
	CheckedAt    *time.Time `gorm:"column:checked_at"`
	UpdatedAt    time.Time  `gorm:"column:updated_at"`
}

func (couponRow) TableName() string { return "coupons" }

// notificationRow is a handled WeChat Pay notification.
type notificationRow struct {
	ID         string    `gorm:"column:id;primaryKey"`
	EventType  string    `gorm:"column:event_type"`
	ReceivedAt time.Time `gorm:"column:received_at"`
}

func (notificationRow) TableName() string { return "wechatpay_notifications" }

func toCoupon(r couponRow) service.Coupon {
	return service.Coupon{StockID: r.StockID, CouponCode: r.CouponCode, OpenID: r.OpenID,
		Status: service.CouponStatus(r.Status), OutRequestNo: r.OutRequestNo, Returns: r.Returns,
		ReceivedAt: r.ReceivedAt.UTC(), ConsumedAt: utcPtr(r.ConsumedAt), CheckedAt: utcPtr(r.CheckedAt)}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func dbTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := dbTime(*t)
	return &u
}

// RecordCoupon inserts the coupon unless it is recorded; the stored row wins
// (a confirm and a COUPON.SEND racing make one record). A confirm that knows
// the out_request_no fills it into a row the notification made.
func (s *Store) RecordCoupon(ctx context.Context, c service.Coupon) (service.Coupon, bool, error) {
	if c.StockID == "" || c.CouponCode == "" || c.OpenID == "" {
		return service.Coupon{}, false, errors.New("record coupon: empty stock id, code or openid")
	}
	if c.Status == "" {
		c.Status = service.CouponIssued
	}
	row := couponRow{StockID: c.StockID, CouponCode: c.CouponCode, OpenID: c.OpenID, Status: string(c.Status),
		OutRequestNo: c.OutRequestNo, Returns: c.Returns, ReceivedAt: dbTime(c.ReceivedAt),
		ConsumedAt: dbTimePtr(c.ConsumedAt), CheckedAt: dbTimePtr(c.CheckedAt), UpdatedAt: now()}
	if c.ReceivedAt.IsZero() {
		row.ReceivedAt = now()
	}
	var created bool
	err := s.retryDeadlock(ctx, func() error {
		res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		created = res.Error == nil && res.RowsAffected == 1
		return res.Error
	})
	if err != nil {
		return service.Coupon{}, false, wrapf(err, "record coupon %s of stock %s", c.CouponCode, c.StockID)
	}
	if created {
		return toCoupon(row), true, nil
	}
	if c.OutRequestNo != "" {
		err := s.db.WithContext(ctx).Model(&couponRow{}).
			Where("stock_id = ? AND coupon_code = ? AND openid = ? AND out_request_no = ''", c.StockID, c.CouponCode, c.OpenID).
			Update("out_request_no", c.OutRequestNo).Error
		if err != nil {
			return service.Coupon{}, false, wrapf(err, "record coupon %s of stock %s", c.CouponCode, c.StockID)
		}
	}
	stored, err := s.GetCoupon(ctx, c.StockID, c.CouponCode)
	return stored, false, err
}

// RecordCoupons records several coupons (a confirm's) in one statement when
// none is recorded yet, the usual case; otherwise each goes through
// RecordCoupon. The answer is in the order of cs.
func (s *Store) RecordCoupons(ctx context.Context, cs []service.Coupon) ([]service.Coupon, []bool, error) {
	rows := make([]couponRow, len(cs))
	t := now()
	for i, c := range cs {
		if c.StockID == "" || c.CouponCode == "" || c.OpenID == "" {
			return nil, nil, errors.New("record coupons: empty stock id, code or openid")
		}
		if c.Status == "" {
			c.Status = service.CouponIssued
		}
		rows[i] = couponRow{StockID: c.StockID, CouponCode: c.CouponCode, OpenID: c.OpenID, Status: string(c.Status),
			OutRequestNo: c.OutRequestNo, Returns: c.Returns, ReceivedAt: dbTime(c.ReceivedAt),
			ConsumedAt: dbTimePtr(c.ConsumedAt), CheckedAt: dbTimePtr(c.CheckedAt), UpdatedAt: t}
		if c.ReceivedAt.IsZero() {
			rows[i].ReceivedAt = t
		}
	}
	var inserted int64
	err := s.retryDeadlock(ctx, func() error {
		res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows)
		inserted = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return nil, nil, wrapf(err, "record %d coupons", len(cs))
	}
	out, created := make([]service.Coupon, len(cs)), make([]bool, len(cs))
	if inserted == int64(len(rows)) {
		for i, r := range rows {
			out[i], created[i] = toCoupon(r), true
		}
		return out, created, nil
	}
	// Some were recorded already (a notification, a racing confirm): each
	// gets RecordCoupon's answer (the stored row, the out_request_no filled in).
	for i, c := range cs {
		if out[i], created[i], err = s.RecordCoupon(ctx, c); err != nil {
			return nil, nil, err
		}
	}
	return out, created, nil
}

// GetCoupons reads the coupons of keys that are recorded, in one query.
func (s *Store) GetCoupons(ctx context.Context, keys []service.CouponKey) ([]service.Coupon, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	var stocks, codes []string
	want := make(map[service.CouponKey]bool, len(keys))
	for _, k := range keys {
		if !slices.Contains(stocks, k.StockID) {
			stocks = append(stocks, k.StockID)
		}
		codes = append(codes, k.CouponCode)
		want[k] = true
	}
	// Both columns of the primary key: point look-ups of the pairs (and of a
	// few pairs not asked for, dropped below).
	var rows []couponRow
	if err := s.db.WithContext(ctx).Where("stock_id IN ? AND coupon_code IN ?", stocks, codes).Find(&rows).Error; err != nil {
		return nil, wrapf(err, "read %d coupons", len(keys))
	}
	out := make([]service.Coupon, 0, len(rows))
	for _, r := range rows {
		if want[service.CouponKey{StockID: r.StockID, CouponCode: r.CouponCode}] {
			out = append(out, toCoupon(r))
		}
	}
	return out, nil
}

// GetCoupon reads one coupon; service.ErrNotFound when not recorded.
func (s *Store) GetCoupon(ctx context.Context, stockID, couponCode string) (service.Coupon, error) {
	var row couponRow
	err := s.db.WithContext(ctx).Where("stock_id = ? AND coupon_code = ?", stockID, couponCode).Take(&row).Error
	if err != nil {
		return service.Coupon{}, wrapf(err, "read coupon %s of stock %s", couponCode, stockID)
	}
	return toCoupon(row), nil
}

// FindCoupons reads the records of a code in every stock (at most a few).
func (s *Store) FindCoupons(ctx context.Context, couponCode string) ([]service.Coupon, error) {
	var rows []couponRow
	if err := s.db.WithContext(ctx).Where("coupon_code = ?", couponCode).Limit(10).Find(&rows).Error; err != nil {
		return nil, wrapf(err, "find coupon %s", couponCode)
	}
	out := make([]service.Coupon, len(rows))
	for i, r := range rows {
		out[i] = toCoupon(r)
	}
	return out, nil
}

// couponOrder: newest first, then by code (indexes (stock_id, received_at)
// and (stock_id, status, received_at); InnoDB appends the primary key, so
// coupon_code). A cursor key is a coupon_code, unique only within a stock.
var couponOrder = listOrder{time: "received_at", key: "coupon_code"}

// ListCoupons returns a page of coupons, newest first, how many match (counted
// only when f.After is nil) and the cursor of the page's last coupon when more
// follow. A cursor is accepted only with f.StockID (codes are unique within a
// stock).
func (s *Store) ListCoupons(ctx context.Context, f service.CouponFilter) ([]service.Coupon, int64, *service.Cursor, error) {
	if f.After != nil && f.StockID == "" {
		return nil, 0, nil, service.Invalid("after", "a cursor pages the coupons of one stock")
	}
	filtered := func() *gorm.DB {
		q := s.db.WithContext(ctx).Model(&couponRow{})
		if f.OpenID != "" {
			q = q.Where("openid = ?", f.OpenID)
		}
		if f.StockID != "" {
			q = q.Where("stock_id = ?", f.StockID)
		}
		if f.Status != "" {
			q = q.Where("status = ?", string(f.Status))
		}
		return q
	}
	var total int64
	if f.After == nil {
		if err := filtered().Count(&total).Error; err != nil {
			return nil, 0, nil, wrapf(err, "count coupons")
		}
	}
	q, count, err := couponOrder.paged(filtered(), service.Page{Offset: f.Offset, Count: f.Count, After: f.After})
	if err != nil {
		return nil, 0, nil, err
	}
	var rows []couponRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, 0, nil, wrapf(err, "list coupons")
	}
	nxt := next(len(rows), count, func() service.Cursor {
		return service.Cursor{At: rows[count-1].ReceivedAt, Key: rows[count-1].CouponCode}
	})
	if nxt != nil {
		rows = rows[:count]
	}
	out := make([]service.Coupon, len(rows))
	for i, r := range rows {
		out[i] = toCoupon(r)
	}
	return out, total, nxt, nil
}

// SetCouponStatus records a status WeChat Pay reported. A final status is
// never left; a consumption keeps its first time; a return clears it and
// counts the return (the generation of the next use_request_no).
func (s *Store) SetCouponStatus(ctx context.Context, stockID, couponCode string, status service.CouponStatus,
	at time.Time, returned bool) (service.Coupon, error) {
	t := now()
	set := map[string]any{"status": string(status), "checked_at": t, "updated_at": t}
	q := s.db.WithContext(ctx).Model(&couponRow{}).Where("stock_id = ? AND coupon_code = ?", stockID, couponCode)
	switch {
	case returned:
		set["returns"] = gorm.Expr("returns + 1")
		set["consumed_at"] = nil
		q = q.Where("status = ?", string(service.CouponConsumed))
	case status == service.CouponConsumed:
		set["consumed_at"] = gorm.Expr("COALESCE(consumed_at, ?)", dbTime(at))
		q = q.Where("status NOT IN ?", finalCouponStatuses)
	case !status.Final():
		q = q.Where("status NOT IN ?", finalCouponStatuses)
	}
	var res *gorm.DB
	err := s.retryDeadlock(ctx, func() error {
		res = q.Updates(set)
		return res.Error
	})
	if err != nil {
		return service.Coupon{}, wrapf(err, "set coupon %s status", couponCode)
	}
	return s.GetCoupon(ctx, stockID, couponCode)
}

// SetCouponConsumed records a consumption made when the coupon had been
// returned returns times: consumed, the first consumption time kept. A coupon
// returned since (its returns moved on) or final is left as it is; either
// way the stored record is answered. ErrNotFound when not recorded.
func (s *Store) SetCouponConsumed(ctx context.Context, stockID, couponCode string, at time.Time, returns int) (service.Coupon, error) {
	t := now()
	err := s.retryDeadlock(ctx, func() error {
		return s.db.WithContext(ctx).Model(&couponRow{}).
			Where("stock_id = ? AND coupon_code = ? AND returns = ? AND status NOT IN ?", stockID, couponCode, returns, finalCouponStatuses).
			Updates(map[string]any{"status": string(service.CouponConsumed), "checked_at": t, "updated_at": t,
				"consumed_at": gorm.Expr("COALESCE(consumed_at, ?)", dbTime(at))}).Error
	})
	if err != nil {
		return service.Coupon{}, wrapf(err, "set coupon %s consumed", couponCode)
	}
	return s.GetCoupon(ctx, stockID, couponCode)
}

var finalCouponStatuses = []string{string(service.CouponUnavailable), string(service.CouponExpired), string(service.CouponDeleted)}

// CountCoupons counts a stock's recorded coupons.
func (s *Store) CountCoupons(ctx context.Context, stockID string) (service.CouponCounts, error) {
	var c service.CouponCounts
	q := s.db.WithContext(ctx).Model(&couponRow{}).Where("stock_id = ?", stockID)
	if err := q.Count(&c.Issued).Error; err != nil {
		return c, wrapf(err, "count coupons of %s", stockID)
	}
	err := s.db.WithContext(ctx).Model(&couponRow{}).Where("stock_id = ? AND status = ?", stockID, string(service.CouponConsumed)).
		Count(&c.Consumed).Error
	return c, wrapf(err, "count consumed coupons of %s", stockID)
}

// StaleCoupons returns up to limit issued or consumed coupons received since
// since, read longest ago (NULL, never, first in both dialects) first.
func (s *Store) StaleCoupons(ctx context.Context, since time.Time, limit int) ([]service.Coupon, error) {
	var rows []couponRow
	err := s.db.WithContext(ctx).
		Where("status IN ? AND received_at >= ?", []string{string(service.CouponIssued), string(service.CouponConsumed)}, dbTime(since)).
		Order("checked_at ASC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, wrapf(err, "list stale coupons")
	}
	out := make([]service.Coupon, len(rows))
	for i, r := range rows {
		out[i] = toCoupon(r)
	}
	return out, nil
}

// NotificationSeen reports whether a notification id was handled.
func (s *Store) NotificationSeen(ctx context.Context, id string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&notificationRow{}).Where("id = ?", id).Count(&n).Error
	return n > 0, wrapf(err, "read notification %s", id)
}

// MarkNotification records a handled notification id; false when it was
// recorded already.
func (s *Store) MarkNotification(ctx context.Context, id, eventType string) (bool, error) {
	row := notificationRow{ID: id, EventType: eventType, ReceivedAt: now()}
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
	if res.Error != nil {
		return false, wrapf(res.Error, "mark notification %s", id)
	}
	return res.RowsAffected == 1, nil
}

var (
	_ service.CouponStore   = (*Store)(nil)
	_ service.CouponCounter = (*Store)(nil)
)
