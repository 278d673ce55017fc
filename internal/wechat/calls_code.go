package wechat

import (
	"context"
	"errors"
)

// codeRef names a code; card_id is needed only for custom-code cards.
type codeRef struct {
	Code   string `json:"code"`
	CardID string `json:"card_id,omitempty"`
}

// DecryptCode turns the encrypt_code that wx.addCard (or wx.chooseCard)
// returned into the real code (card/code/decrypt). A bad one is 40075.
func (c *Client) DecryptCode(ctx context.Context, encryptCode string) (string, error) {
	var out struct {
		Code string `json:"code"`
	}
	if err := c.do(ctx, "card/code/decrypt", true, map[string]string{"encrypt_code": encryptCode}, &out); err != nil {
		return "", err
	}
	if out.Code == "" {
		return "", &UnavailableError{API: "card/code/decrypt", Err: errors.New("no code in the answer")}
	}
	return out.Code, nil
}

// CodeInfo is what card/code/get says about a code.
type CodeInfo struct {
	CardID         string
	OpenID         string // the holder
	CanConsume     bool
	OuterStr       string
	UserCardStatus string // NORMAL, CONSUMED, EXPIRE, GIFTING, GIFT_TIMEOUT, DELETE, UNAVAILABLE, …
	BeginTime      int64  // seconds
	EndTime        int64  // seconds
}

// GetCode asks who holds a code and in which state (card/code/get). With
// checkConsume, a code that cannot be consumed is an error (40099 consumed,
// 40127 deleted/unavailable/expired/gifting); without it, such a code comes
// back with its status. A code never received or gifted away is 40056.
func (c *Client) GetCode(ctx context.Context, cardID, code string, checkConsume bool) (CodeInfo, error) {
	req := struct {
		codeRef
		CheckConsume bool `json:"check_consume"` // always sent: WeChat's default is unconfirmed
	}{codeRef{Code: code, CardID: cardID}, checkConsume}
	// Current answers put the status at the top level, older ones inside
	// "card" (can_consume sometimes as the string "true"); both are read.
	var out struct {
		Card struct {
			CardID         string    `json:"card_id"`
			BeginTime      flexInt   `json:"begin_time"`
			EndTime        flexInt   `json:"end_time"`
			UserCardStatus string    `json:"user_card_status"`
			CanConsume     *flexBool `json:"can_consume"`
		} `json:"card"`
		OpenID         string    `json:"openid"`
		CanConsume     *flexBool `json:"can_consume"`
		OuterStr       string    `json:"outer_str"`
		UserCardStatus string    `json:"user_card_status"`
	}
	if err := c.do(ctx, "card/code/get", true, req, &out); err != nil {
		return CodeInfo{}, err
	}
	info := CodeInfo{
		CardID:         out.Card.CardID,
		OpenID:         out.OpenID,
		OuterStr:       out.OuterStr,
		UserCardStatus: out.UserCardStatus,
		BeginTime:      int64(out.Card.BeginTime),
		EndTime:        int64(out.Card.EndTime),
	}
	if info.UserCardStatus == "" {
		info.UserCardStatus = out.Card.UserCardStatus
	}
	switch {
	case out.CanConsume != nil:
		info.CanConsume = bool(*out.CanConsume)
	case out.Card.CanConsume != nil:
		info.CanConsume = bool(*out.Card.CanConsume)
	}
	return info, nil
}

// ConsumeResult is the answer of card/code/consume.
type ConsumeResult struct {
	CardID string
	OpenID string // who held the code
}

// ConsumeCode redeems a code (card/code/consume, 核销); irreversible. A
// consumed code is 40099; deleted, unavailable, expired or gifting 40127;
// unknown 40056. Not repeated after a failure that may have reached WeChat:
// the caller learns the code's state from GetCode.
func (c *Client) ConsumeCode(ctx context.Context, cardID, code string) (ConsumeResult, error) {
	var out struct {
		Card struct {
			CardID string `json:"card_id"`
		} `json:"card"`
		OpenID string `json:"openid"`
	}
	if err := c.do(ctx, "card/code/consume", false, codeRef{Code: code, CardID: cardID}, &out); err != nil {
		return ConsumeResult{}, err
	}
	return ConsumeResult{CardID: out.Card.CardID, OpenID: out.OpenID}, nil
}

// UpdateCode gives a code a new value (card/code/update), for custom-code
// cards.
func (c *Client) UpdateCode(ctx context.Context, cardID, code, newCode string) error {
	req := struct {
		codeRef
		NewCode string `json:"new_code"`
	}{codeRef{Code: code, CardID: cardID}, newCode}
	return c.do(ctx, "card/code/update", false, req, nil)
}

// UnavailableCode makes a code unusable (card/code/unavailable); irreversible.
// reason is optional.
func (c *Client) UnavailableCode(ctx context.Context, cardID, code, reason string) error {
	req := struct {
		codeRef
		Reason string `json:"reason,omitempty"`
	}{codeRef{Code: code, CardID: cardID}, reason}
	return c.do(ctx, "card/code/unavailable", false, req, nil)
}
