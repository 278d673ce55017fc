package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
)

// cardRow is a row of cards.
type cardRow struct {
	CardID    string `gorm:"column:card_id;primaryKey"`
	CardType  string `gorm:"column:card_type"`
	Title     string `gorm:"column:title"`
	BrandName string `gorm:"column:brand_name"`
	LogoURL   string `gorm:"column:logo_url"`
	Color     string `gorm:"column:color"`
	Status    string `gorm:"column:status"`
	// The stock (stock.go): WeChat's figure as of the last sync, the codes
	// recorded since that sync, and the sync's generation.
	QuantitySynced    int64     `gorm:"column:quantity"`
	ReceivedSinceSync int64     `gorm:"column:received_since_sync"`
	SyncGen           int64     `gorm:"column:sync_gen"`
	TotalQuantity     int64     `gorm:"column:total_quantity"`
	DateInfo          string    `gorm:"column:date_info"` // JSON of service.DateInfo
	BindOpenID        bool      `gorm:"column:bind_openid"`
	UseCustomCode     bool      `gorm:"column:use_custom_code"`
	GetLimit          int       `gorm:"column:get_limit"`
	Definition        string    `gorm:"column:definition"`
	CreatedAt         time.Time `gorm:"column:created_at"`
	UpdatedAt         time.Time `gorm:"column:updated_at"`
}

func (cardRow) TableName() string { return "cards" }

func fromCard(c service.Card) (cardRow, error) {
	di, err := json.Marshal(c.DateInfo)
	if err != nil {
		return cardRow{}, fmt.Errorf("encode date_info: %w", err)
	}
	return cardRow{
		CardID:         c.CardID,
		CardType:       c.CardType,
		Title:          c.Title,
		BrandName:      c.BrandName,
		LogoURL:        c.LogoURL,
		Color:          c.Color,
		Status:         string(c.Status),
		QuantitySynced: c.Quantity, // the provider's figure: see UpsertCard
		TotalQuantity:  c.TotalQuantity,
		DateInfo:       string(di),
		BindOpenID:     c.BindOpenID,
		UseCustomCode:  c.UseCustomCode,
		GetLimit:       c.GetLimit,
		Definition:     string(c.Definition),
		CreatedAt:      dbTime(c.CreatedAt),
		UpdatedAt:      dbTime(c.UpdatedAt),
	}, nil
}

func toCard(r cardRow) (service.Card, error) {
	var di service.DateInfo
	if r.DateInfo != "" {
		if err := json.Unmarshal([]byte(r.DateInfo), &di); err != nil {
			return service.Card{}, fmt.Errorf("card %s: decode date_info: %w", r.CardID, err)
		}
	}
	var def []byte
	if r.Definition != "" {
		def = []byte(r.Definition)
	}
	return service.Card{
		CardID:        r.CardID,
		CardType:      r.CardType,
		Title:         r.Title,
		BrandName:     r.BrandName,
		LogoURL:       r.LogoURL,
		Color:         r.Color,
		Status:        service.CardStatus(r.Status),
		Quantity:      r.available(),
		TotalQuantity: r.TotalQuantity,
		DateInfo:      di,
		BindOpenID:    r.BindOpenID,
		UseCustomCode: r.UseCustomCode,
		GetLimit:      r.GetLimit,
		Definition:    def,
		CreatedAt:     r.CreatedAt.UTC(),
		UpdatedAt:     r.UpdatedAt.UTC(),
	}, nil
}

func toCards(rows []cardRow) ([]service.Card, error) {
	out := make([]service.Card, 0, len(rows))
	for _, r := range rows {
		c, err := toCard(r)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// codeRow is a row of issued_codes.
type codeRow struct {
	ID         int64      `gorm:"column:id;primaryKey;autoIncrement"`
	CardID     string     `gorm:"column:card_id"`
	Code       string     `gorm:"column:code"`
	OpenID     string     `gorm:"column:openid"`
	Status     string     `gorm:"column:status"`
	OuterStr   string     `gorm:"column:outer_str"`
	ReceivedAt time.Time  `gorm:"column:received_at"`
	ConsumedAt *time.Time `gorm:"column:consumed_at"`
	UpdatedAt  time.Time  `gorm:"column:updated_at"`
}

func (codeRow) TableName() string { return "issued_codes" }

// codeWithTitle is a code joined with its card's title.
type codeWithTitle struct {
	Row   codeRow `gorm:"embedded"`
	Title string  `gorm:"column:title"`
}

func fromCode(c service.IssuedCode) codeRow {
	r := codeRow{
		CardID:     c.CardID,
		Code:       c.Code,
		OpenID:     c.OpenID,
		Status:     string(c.Status),
		OuterStr:   c.OuterStr,
		ReceivedAt: dbTime(c.ReceivedAt),
		UpdatedAt:  dbTime(c.UpdatedAt),
	}
	if c.ConsumedAt != nil {
		t := dbTime(*c.ConsumedAt)
		r.ConsumedAt = &t
	}
	return r
}

func toCode(r codeRow, title string) service.IssuedCode {
	c := service.IssuedCode{
		CardID:     r.CardID,
		Code:       r.Code,
		OpenID:     r.OpenID,
		Status:     service.CodeStatus(r.Status),
		OuterStr:   r.OuterStr,
		ReceivedAt: r.ReceivedAt.UTC(),
		UpdatedAt:  r.UpdatedAt.UTC(),
		Title:      title,
	}
	if r.ConsumedAt != nil {
		t := r.ConsumedAt.UTC()
		c.ConsumedAt = &t
	}
	return c
}

// adminRow is a row of admin_users.
type adminRow struct {
	ID           int64      `gorm:"column:id;primaryKey;autoIncrement"`
	Username     string     `gorm:"column:username"`
	PasswordHash string     `gorm:"column:password_hash"`
	Role         string     `gorm:"column:role"`
	CreatedAt    time.Time  `gorm:"column:created_at"`
	TokenVersion int64      `gorm:"column:token_version"`
	Disabled     bool       `gorm:"column:disabled"`
	LastLoginAt  *time.Time `gorm:"column:last_login_at"`
}

func (adminRow) TableName() string { return "admin_users" }

func fromAdmin(u service.AdminUser) adminRow {
	return adminRow{
		ID:           u.ID,
		Username:     u.Username,
		PasswordHash: u.PasswordHash,
		Role:         string(u.Role),
		CreatedAt:    dbTime(u.CreatedAt),
		TokenVersion: u.TokenVersion,
		Disabled:     u.Disabled,
	}
}

func toAdmin(r adminRow) service.AdminUser {
	u := service.AdminUser{
		ID:           r.ID,
		Username:     r.Username,
		PasswordHash: r.PasswordHash,
		Role:         service.Role(r.Role),
		CreatedAt:    r.CreatedAt.UTC(),
		TokenVersion: r.TokenVersion,
		Disabled:     r.Disabled,
	}
	if r.LastLoginAt != nil {
		t := r.LastLoginAt.UTC()
		u.LastLoginAt = &t
	}
	return u
}
