package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
)

// CreateCard submits a card definition (card/create): card is the object that
// goes under "card" ({"card_type": ..., "<card type>": {...}}). Not repeated
// after a failure that may have reached WeChat, so that no card is created
// twice.
func (c *Client) CreateCard(ctx context.Context, card json.RawMessage) (string, error) {
	if len(card) == 0 {
		return "", errors.New("wechat card/create: empty card")
	}
	var out struct {
		CardID string `json:"card_id"`
	}
	if err := c.do(ctx, "card/create", false, struct {
		Card json.RawMessage `json:"card"`
	}{card}, &out); err != nil {
		return "", err
	}
	if out.CardID == "" {
		return "", &UnavailableError{API: "card/create", Err: errors.New("no card_id in the answer")}
	}
	return out.CardID, nil
}

// GetCard returns the "card" object of card/get. An unknown card is 40073.
func (c *Client) GetCard(ctx context.Context, cardID string) (json.RawMessage, error) {
	var out struct {
		Card json.RawMessage `json:"card"`
	}
	if err := c.do(ctx, "card/get", true, map[string]string{"card_id": cardID}, &out); err != nil {
		return nil, err
	}
	if len(out.Card) == 0 || string(out.Card) == "null" {
		return nil, &UnavailableError{API: "card/get", Err: errors.New("no card in the answer")}
	}
	return out.Card, nil
}

// CardList is one page of card/batchget.
type CardList struct {
	CardIDs []string
	Total   int // cards matching the filter, over all pages
}

// BatchGetCards lists card ids (card/batchget): count is at most 50; statuses
// (CARD_STATUS_VERIFY_OK, …) filter when given.
func (c *Client) BatchGetCards(ctx context.Context, offset, count int, statuses ...string) (CardList, error) {
	req := struct {
		Offset     int      `json:"offset"`
		Count      int      `json:"count"`
		StatusList []string `json:"status_list,omitempty"`
	}{offset, count, statuses}
	var out struct {
		CardIDList []string `json:"card_id_list"`
		TotalNum   flexInt  `json:"total_num"`
	}
	if err := c.do(ctx, "card/batchget", true, req, &out); err != nil {
		return CardList{}, err
	}
	return CardList{CardIDs: out.CardIDList, Total: int(out.TotalNum)}, nil
}

// UpdateCard changes a card (card/update): fields is the object that goes
// under the card type's key ({"base_info": {...}, <type fields>}), cardType
// the card's type (GENERAL_COUPON, …). sendCheck is true when the change
// sends the card back to review.
func (c *Client) UpdateCard(ctx context.Context, cardID, cardType string, fields json.RawMessage) (sendCheck bool, err error) {
	if cardType == "" || len(fields) == 0 {
		return false, errors.New("wechat card/update: card type and fields are required")
	}
	req := map[string]any{"card_id": cardID, strings.ToLower(cardType): fields}
	var out struct {
		SendCheck flexBool `json:"send_check"`
	}
	if err := c.do(ctx, "card/update", true, req, &out); err != nil {
		return false, err
	}
	return bool(out.SendCheck), nil
}

// DeleteCard stops a card's distribution (card/delete); codes already in
// users' wallets stay usable.
func (c *Client) DeleteCard(ctx context.Context, cardID string) error {
	return c.do(ctx, "card/delete", false, map[string]string{"card_id": cardID}, nil)
}

// ModifyStock raises (delta > 0) or lowers (delta < 0) a card's stock
// (card/modifystock); 0 changes nothing and calls nothing. Not repeated after
// a failure that may have reached WeChat, so that no change is applied twice.
func (c *Client) ModifyStock(ctx context.Context, cardID string, delta int) error {
	if delta == 0 {
		return nil
	}
	req := struct {
		CardID   string `json:"card_id"`
		Increase int    `json:"increase_stock_value,omitempty"`
		Reduce   int    `json:"reduce_stock_value,omitempty"`
	}{CardID: cardID}
	if delta > 0 {
		req.Increase = delta
	} else {
		req.Reduce = -delta
	}
	return c.do(ctx, "card/modifystock", false, req, nil)
}

// Color is one of the card colours WeChat offers.
type Color struct {
	Name  string // e.g. Color010, what card definitions use
	Value string // e.g. #63b359
}

// GetColors lists the card colours (card/getcolors, a GET).
func (c *Client) GetColors(ctx context.Context) ([]Color, error) {
	var out struct {
		Colors []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"colors"`
	}
	if err := c.call(ctx, getAuthed("card/getcolors", url.Values{}), &out); err != nil {
		return nil, err
	}
	colors := make([]Color, 0, len(out.Colors))
	for _, col := range out.Colors {
		colors = append(colors, Color{Name: col.Name, Value: col.Value})
	}
	return colors, nil
}
