package wxcard

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/wechat"
)

// MemberClient is the part of the WeChat client the member calls use.
type MemberClient interface {
	ActivateMember(ctx context.Context, a wechat.MemberActivation) error
	SetActivationForm(ctx context.Context, cardID string, form json.RawMessage) error
	ActivateTempInfo(ctx context.Context, ticket string) (wechat.MemberForm, error)
	ActivateURL(ctx context.Context, cardID, outerStr string) (string, error)
	UpdateMember(ctx context.Context, u wechat.MemberUpdate) (wechat.MemberTotals, error)
	GetMemberInfo(ctx context.Context, cardID, code string) (wechat.MemberInfo, error)
}

// Members implements service.MemberProvider over WeChat's card/membercard/*.
type Members struct {
	wx MemberClient
}

var _ service.MemberProvider = (*Members)(nil)

// NewMembers returns the member-card provider over wx.
func NewMembers(wx MemberClient) *Members { return &Members{wx: wx} }

// ActivateMember is card/membercard/activate.
func (p *Members) ActivateMember(ctx context.Context, a service.MemberActivation) error {
	err := p.wx.ActivateMember(ctx, wechat.MemberActivation{CardID: a.CardID, Code: a.Code, MembershipNumber: a.MembershipNumber,
		InitBonus: a.InitBonus, InitBonusRecord: a.InitBonusRecord, InitBalance: a.InitBalance})
	return mapCodeErr(err, a.Code)
}

// ActivationForm is activatetempinfo/get. WeChat's refusals of the ticket
// (72011 another account's, 72012 expired) are upstream_error with the errcode.
func (p *Members) ActivationForm(ctx context.Context, ticket string) (service.MemberForm, error) {
	f, err := p.wx.ActivateTempInfo(ctx, ticket)
	if err != nil {
		return service.MemberForm{}, mapErr(err)
	}
	return toForm(f), nil
}

func toForm(f wechat.MemberForm) service.MemberForm {
	out := service.MemberForm{Fields: []service.FormField{}}
	for _, list := range [][]wechat.FormField{f.CommonFields, f.CustomFields} {
		for _, x := range list {
			out.Fields = append(out.Fields, service.FormField{Name: x.Name, Value: x.Value, Values: x.ValueList})
		}
	}
	return out
}

// SetActivationForm is activateuserform/set.
func (p *Members) SetActivationForm(ctx context.Context, cardID string, form []byte) error {
	return mapCardErr(p.wx.SetActivationForm(ctx, cardID, form), cardID)
}

// ActivationURL is activate/geturl, its query decoded once with a URL parser
// (§13.7: the values go to the 开卡组件 as decoded strings).
func (p *Members) ActivationURL(ctx context.Context, cardID, outerStr string) (service.ActivationURL, error) {
	raw, err := p.wx.ActivateURL(ctx, cardID, outerStr)
	if err != nil {
		if wechat.IsCode(err, 72026) {
			return service.ActivationURL{}, &service.Error{Kind: service.KindConflict,
				Message: fmt.Sprintf("card %s is not activated with WeChat's form (wx_activate)", cardID), Details: wechatDetails(err), Err: err}
		}
		return service.ActivationURL{}, mapCardErr(err, cardID)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return service.ActivationURL{}, &service.Error{Kind: service.KindUpstream, Message: "WeChat answered an unreadable url", Err: err}
	}
	q := u.Query()
	return service.ActivationURL{URL: raw, EncryptCardID: q.Get("encrypt_card_id"), OuterStr: q.Get("outer_str"), Biz: q.Get("biz")}, nil
}

// PushTotals is updateuser with absolute totals.
func (p *Members) PushTotals(ctx context.Context, t service.TotalsPush) (service.MemberTotals, error) {
	u := wechat.MemberUpdate{CardID: t.CardID, Code: t.Code, Bonus: t.Bonus, Balance: t.Balance,
		RecordBonus: t.RecordBonus, RecordBalance: t.RecordBalance}
	if t.Bonus != nil {
		u.AddBonus = &t.AddBonus
	}
	if t.Balance != nil {
		u.AddBalance = &t.AddBalance
	}
	got, err := p.wx.UpdateMember(ctx, u)
	if err != nil {
		return service.MemberTotals{}, mapErr(err)
	}
	return service.MemberTotals{Bonus: got.Bonus, Balance: got.Balance}, nil
}

// MemberInfo is userinfo/get.
func (p *Members) MemberInfo(ctx context.Context, cardID, code string) (service.ProviderMember, error) {
	info, err := p.wx.GetMemberInfo(ctx, cardID, code)
	if err != nil {
		return service.ProviderMember{}, mapCodeErr(err, code)
	}
	return service.ProviderMember{OpenID: info.OpenID, MembershipNumber: info.MembershipNumber, Bonus: info.Bonus,
		Balance: info.Balance, ProviderStatus: info.UserCardStatus, Active: info.HasActive, Form: toForm(info.UserInfo)}, nil
}
