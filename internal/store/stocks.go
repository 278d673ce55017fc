package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/wxcoupon/coupon/internal/service"
)

// stockRow is a row of stocks.
type stockRow struct {
	StockID            string     `gorm:"column:stock_id;primaryKey"`
	OutRequestNo       *string    `gorm:"column:out_request_no"` // NULL: created elsewhere
	RequestDigest      string     `gorm:"column:request_digest"`
	StockName          string     `gorm:"column:stock_name"`
	StockType          string     `gorm:"column:stock_type"`
	Status             string     `gorm:"column:status"`
	GoodsName          string     `gorm:"column:goods_name"`
	AvailableBeginTime *time.Time `gorm:"column:available_begin_time"`
	AvailableEndTime   *time.Time `gorm:"column:available_end_time"`
	MaxCoupons         int64      `gorm:"column:max_coupons"`
	MaxCouponsPerUser  int64      `gorm:"column:max_coupons_per_user"`
	MaxCouponsByDay    int64      `gorm:"column:max_coupons_by_day"`
	Sent               int64      `gorm:"column:sent"`
	Definition         string     `gorm:"column:definition"` // JSON of service.StockDefinition
	CreatedAt          time.Time  `gorm:"column:created_at"`
	UpdatedAt          time.Time  `gorm:"column:updated_at"`
}

func (stockRow) TableName() string { return "stocks" }

func fromStock(s service.Stock) (stockRow, error) {
	def, err := json.Marshal(s.Definition)
	if err != nil {
		return stockRow{}, fmt.Errorf("encode definition: %w", err)
	}
	r := stockRow{
		StockID: s.StockID, RequestDigest: s.RequestDigest, StockName: s.Definition.StockName,
		StockType: string(s.Definition.StockType), Status: string(s.Status), GoodsName: s.Definition.GoodsName,
		MaxCoupons:        s.Definition.StockSendRule.MaxCoupons,
		MaxCouponsPerUser: s.Definition.StockSendRule.MaxCouponsPerUser,
		MaxCouponsByDay:   s.Definition.StockSendRule.MaxCouponsByDay,
		Sent:              s.Sent, Definition: string(def),
		CreatedAt: dbTime(s.CreatedAt), UpdatedAt: dbTime(s.UpdatedAt),
	}
	if s.OutRequestNo != "" {
		r.OutRequestNo = &s.OutRequestNo
	}
	begin, end := s.Window()
	if !begin.IsZero() {
		b := dbTime(begin)
		r.AvailableBeginTime = &b
	}
	if !end.IsZero() {
		e := dbTime(end)
		r.AvailableEndTime = &e
	}
	return r, nil
}

func toStock(r stockRow) (service.Stock, error) {
	s := service.Stock{StockID: r.StockID, RequestDigest: r.RequestDigest, Status: service.StockStatus(r.Status),
		Sent: r.Sent, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.OutRequestNo != nil {
		s.OutRequestNo = *r.OutRequestNo
	}
	if err := json.Unmarshal([]byte(r.Definition), &s.Definition); err != nil {
		return service.Stock{}, fmt.Errorf("decode definition of stock %s: %w", r.StockID, err)
	}
	return s, nil
}

// UpsertStock inserts the stock or replaces the stored one with the same
// StockID. A replaced stock keeps its created_at, and its out_request_no and
// request digest when s has none. Zero CreatedAt / UpdatedAt mean now. An
// out_request_no held by another stock is service.ErrConflict.
func (s *Store) UpsertStock(ctx context.Context, st service.Stock) error {
	if st.StockID == "" {
		return errors.New("upsert stock: empty stock id")
	}
	t := now()
	if st.CreatedAt.IsZero() {
		st.CreatedAt = t
	}
	if st.UpdatedAt.IsZero() {
		st.UpdatedAt = t
	}
	row, err := fromStock(st)
	if err != nil {
		return fmt.Errorf("upsert stock %s: %w", st.StockID, err)
	}
	cols := []string{"stock_name", "stock_type", "status", "goods_name", "available_begin_time",
		"available_end_time", "max_coupons", "max_coupons_per_user", "max_coupons_by_day", "sent",
		"definition", "updated_at"}
	if row.OutRequestNo != nil {
		cols = append(cols, "out_request_no", "request_digest")
	}
	// Not INSERT … ON DUPLICATE KEY UPDATE: MySQL would apply it to a clash on
	// out_request_no too and overwrite another stock. Update when the stock
	// exists, insert otherwise; an insert that clashes because the same stock
	// was inserted meanwhile becomes an update.
	for attempt := 0; ; attempt++ {
		exists, err := s.stockExists(ctx, st.StockID)
		if err != nil {
			return err
		}
		if exists {
			err := s.db.WithContext(ctx).Model(&stockRow{}).Where("stock_id = ?", st.StockID).
				Select(cols).UpdateColumns(&row).Error
			return wrapf(err, "update stock %s", st.StockID)
		}
		err = s.db.WithContext(ctx).Create(&row).Error
		if err == nil || !isDuplicate(err) || attempt > 0 {
			return wrapf(err, "insert stock %s", st.StockID)
		}
		if exists, xerr := s.stockExists(ctx, st.StockID); xerr != nil || !exists {
			return wrapf(err, "insert stock %s", st.StockID) // another stock holds out_request_no
		}
	}
}

func (s *Store) stockExists(ctx context.Context, stockID string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&stockRow{}).Where("stock_id = ?", stockID).Count(&n).Error
	return n > 0, wrapf(err, "find stock %s", stockID)
}

// GetStock returns service.ErrNotFound when the stock is not in the catalogue.
func (s *Store) GetStock(ctx context.Context, stockID string) (service.Stock, error) {
	return s.takeStock(ctx, "stock_id = ?", stockID)
}

// GetStockByRequestNo finds the stock created with out_request_no.
func (s *Store) GetStockByRequestNo(ctx context.Context, outRequestNo string) (service.Stock, error) {
	if outRequestNo == "" {
		return service.Stock{}, fmt.Errorf("get stock by empty out_request_no: %w", service.ErrNotFound)
	}
	return s.takeStock(ctx, "out_request_no = ?", outRequestNo)
}

func (s *Store) takeStock(ctx context.Context, where string, arg string) (service.Stock, error) {
	var row stockRow
	if err := s.db.WithContext(ctx).Where(where, arg).Take(&row).Error; err != nil {
		return service.Stock{}, wrapf(err, "get stock where %s %s", where, arg)
	}
	return toStock(row)
}

// ListStocks returns a page of stocks, newest first, and how many match the
// filter. Count 0 means DefaultPageSize; counts above MaxPageSize are capped.
func (s *Store) ListStocks(ctx context.Context, f service.StockFilter) ([]service.Stock, int64, error) {
	offset, count := page(f.Offset, f.Count)
	filtered := func() *gorm.DB {
		q := s.db.WithContext(ctx).Model(&stockRow{})
		if f.Status != "" {
			q = q.Where("status = ?", string(f.Status))
		}
		return q
	}
	var total int64
	if err := filtered().Count(&total).Error; err != nil {
		return nil, 0, wrapf(err, "count stocks")
	}
	var rows []stockRow
	err := filtered().Order("created_at DESC").Order("stock_id DESC").Offset(offset).Limit(count).Find(&rows).Error
	if err != nil {
		return nil, 0, wrapf(err, "list stocks")
	}
	out := make([]service.Stock, len(rows))
	for i, r := range rows {
		if out[i], err = toStock(r); err != nil {
			return nil, 0, fmt.Errorf("list stocks: %w", err)
		}
	}
	return out, total, nil
}
