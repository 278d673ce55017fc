package wxcard

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wxcoupon/coupon/internal/service"
)

// parseCard reads the catalogue fields out of card/get's "card" object.
func parseCard(raw json.RawMessage) (service.Card, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return service.Card{}, fmt.Errorf("card object: %w", err)
	}
	var cardType string
	if err := json.Unmarshal(top["card_type"], &cardType); err != nil {
		return service.Card{}, fmt.Errorf("card_type: %w", err)
	}
	var typed struct {
		BaseInfo struct {
			ID            string          `json:"id"`
			Status        string          `json:"status"`
			Title         string          `json:"title"`
			BrandName     string          `json:"brand_name"`
			LogoURL       string          `json:"logo_url"`
			Color         string          `json:"color"`
			BindOpenID    bool            `json:"bind_openid"`
			UseCustomCode bool            `json:"use_custom_code"`
			GetLimit      service.FlexInt `json:"get_limit"`
			Sku           struct {
				Quantity      service.FlexInt `json:"quantity"`
				TotalQuantity service.FlexInt `json:"total_quantity"`
			} `json:"sku"`
			DateInfo struct {
				Type           any             `json:"type"`
				BeginTimestamp service.FlexInt `json:"begin_timestamp"`
				EndTimestamp   service.FlexInt `json:"end_timestamp"`
				FixedTerm      service.FlexInt `json:"fixed_term"`
				FixedBeginTerm service.FlexInt `json:"fixed_begin_term"`
			} `json:"date_info"`
		} `json:"base_info"`
	}
	body, ok := top[strings.ToLower(cardType)]
	if !ok {
		return service.Card{}, fmt.Errorf("card object has no %q", strings.ToLower(cardType))
	}
	if err := json.Unmarshal(body, &typed); err != nil {
		return service.Card{}, fmt.Errorf("base_info: %w", err)
	}
	bi := typed.BaseInfo
	return service.Card{
		CardID:        bi.ID,
		CardType:      cardType,
		Title:         bi.Title,
		BrandName:     bi.BrandName,
		LogoURL:       bi.LogoURL,
		Color:         bi.Color,
		Status:        service.CardStatus(bi.Status),
		Quantity:      int64(bi.Sku.Quantity),
		TotalQuantity: int64(bi.Sku.TotalQuantity),
		DateInfo: service.DateInfo{
			Type:           service.ParseDateType(bi.DateInfo.Type),
			BeginTimestamp: int64(bi.DateInfo.BeginTimestamp),
			EndTimestamp:   int64(bi.DateInfo.EndTimestamp),
			FixedTerm:      int(bi.DateInfo.FixedTerm),
			FixedBeginTerm: int(bi.DateInfo.FixedBeginTerm),
		},
		BindOpenID:    bi.BindOpenID,
		UseCustomCode: bi.UseCustomCode,
		GetLimit:      int(bi.GetLimit),
		Definition:    raw,
	}, nil
}
