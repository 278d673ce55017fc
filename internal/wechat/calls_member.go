package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Member-card calls (card/membercard/*, wechat-card-api.md §13). Every one
// is safe to repeat: activate sets the same fields again, updateuser is sent
// with absolute totals (a repeat sets the same totals), the rest only read or
// replace.

// MemberActivation is the body of card/membercard/activate (§13.3).
type MemberActivation struct {
	CardID           string `json:"card_id"`
	Code             string `json:"code"`
	MembershipNumber string `json:"membership_number"`
	InitBonus        *int64 `json:"init_bonus,omitempty"`
	InitBonusRecord  string `json:"init_bonus_record,omitempty"`
	InitBalance      *int64 `json:"init_balance,omitempty"`
}

// ActivateMember activates a member card (接口激活).
func (c *Client) ActivateMember(ctx context.Context, a MemberActivation) error {
	return c.do(ctx, "card/membercard/activate", true, a, nil)
}

// SetActivationForm sets the one-click form (activateuserform/set); form is
// WeChat's object without card_id, already validated by the caller.
func (c *Client) SetActivationForm(ctx context.Context, cardID string, form json.RawMessage) error {
	var body map[string]json.RawMessage
	if err := json.Unmarshal(form, &body); err != nil {
		return fmt.Errorf("wechat card/membercard/activateuserform/set: form: %w", err)
	}
	if body == nil {
		body = map[string]json.RawMessage{}
	}
	id, _ := json.Marshal(cardID)
	body["card_id"] = id
	return c.do(ctx, "card/membercard/activateuserform/set", true, body, nil)
}

// FormField is one answer of the member form.
type FormField struct {
	Name      string   `json:"name"`
	Value     string   `json:"value"`
	ValueList []string `json:"value_list"`
}

// MemberForm is a submitted form: WeChat-formatted and merchant fields.
type MemberForm struct {
	CommonFields []FormField `json:"common_field_list"`
	CustomFields []FormField `json:"custom_field_list"`
}

// ActivateTempInfo reads what the user entered in the form behind an
// activate_ticket (activatetempinfo/get); the ticket must be percent-decoded
// already. 72011: not this account's ticket; 72012: expired.
func (c *Client) ActivateTempInfo(ctx context.Context, ticket string) (MemberForm, error) {
	var out struct {
		Info MemberForm `json:"info"`
	}
	if err := c.do(ctx, "card/membercard/activatetempinfo/get", true, map[string]string{"activate_ticket": ticket}, &out); err != nil {
		return MemberForm{}, err
	}
	return out.Info, nil
}

// ActivateURL is the 开卡组件's URL of a one-click card (activate/geturl);
// 72026 when the card is not one-click.
func (c *Client) ActivateURL(ctx context.Context, cardID, outerStr string) (string, error) {
	var out struct {
		URL string `json:"url"`
	}
	req := struct {
		CardID   string `json:"card_id"`
		OuterStr string `json:"outer_str,omitempty"`
	}{cardID, outerStr}
	if err := c.do(ctx, "card/membercard/activate/geturl", true, req, &out); err != nil {
		return "", err
	}
	if out.URL == "" {
		return "", &UnavailableError{API: "card/membercard/activate/geturl", Err: errors.New("no url in the answer")}
	}
	return out.URL, nil
}

// MemberUpdate is the body of card/membercard/updateuser (§13.8). Bonus and
// Balance are the new totals; Add* only the figures of the notification.
type MemberUpdate struct {
	CardID        string `json:"card_id"`
	Code          string `json:"code"`
	Bonus         *int64 `json:"bonus,omitempty"`
	AddBonus      *int64 `json:"add_bonus,omitempty"`
	RecordBonus   string `json:"record_bonus,omitempty"`
	Balance       *int64 `json:"balance,omitempty"`
	AddBalance    *int64 `json:"add_balance,omitempty"`
	RecordBalance string `json:"record_balance,omitempty"`
}

// MemberTotals is updateuser's answer: the totals after the call.
type MemberTotals struct {
	Bonus   int64
	Balance int64
	OpenID  string
}

// UpdateMember sets a member's totals (updateuser). Idempotent as sent:
// absolute totals make a repeat change nothing.
func (c *Client) UpdateMember(ctx context.Context, u MemberUpdate) (MemberTotals, error) {
	var out struct {
		ResultBonus   int64  `json:"result_bonus"`
		ResultBalance int64  `json:"result_balance"`
		OpenID        string `json:"openid"`
	}
	if err := c.do(ctx, "card/membercard/updateuser", true, u, &out); err != nil {
		return MemberTotals{}, err
	}
	return MemberTotals{Bonus: out.ResultBonus, Balance: out.ResultBalance, OpenID: out.OpenID}, nil
}

// MemberInfo is card/membercard/userinfo/get's answer (§13.9).
type MemberInfo struct {
	OpenID           string     `json:"openid"`
	Nickname         string     `json:"nickname"`
	MembershipNumber string     `json:"membership_number"`
	Bonus            int64      `json:"bonus"`
	Balance          int64      `json:"balance"`
	Sex              string     `json:"sex"`
	UserInfo         MemberForm `json:"user_info"`
	UserCardStatus   string     `json:"user_card_status"`
	HasActive        bool       `json:"has_active"`
}

// GetMemberInfo reads a member as WeChat holds it (userinfo/get).
func (c *Client) GetMemberInfo(ctx context.Context, cardID, code string) (MemberInfo, error) {
	var out MemberInfo
	if err := c.do(ctx, "card/membercard/userinfo/get", true, codeRef{Code: code, CardID: cardID}, &out); err != nil {
		return MemberInfo{}, err
	}
	return out, nil
}
