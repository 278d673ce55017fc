package wechat_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/wechat"
)

// memberDef is a MEMBER_CARD definition with points and balance; extra adds
// member_card fields.
func memberDef(extra map[string]any) json.RawMessage {
	var coupon map[string]any
	_ = json.Unmarshal(couponDef(nil), &coupon)
	obj := map[string]any{"base_info": coupon["general_coupon"].(map[string]any)["base_info"],
		"prerogative": "会员九折", "supply_bonus": true, "supply_balance": true}
	for k, v := range extra {
		obj[k] = v
	}
	raw, _ := json.Marshal(map[string]any{"card_type": "MEMBER_CARD", "member_card": obj})
	return raw
}

func ptr(v int64) *int64 { return &v }

func TestMemberCalls(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	emu := newEmulator(t)
	c := newClient(t, emu.config(cache.NewMemory()))

	cardID, err := c.CreateCard(ctx, memberDef(map[string]any{"wx_activate": true, "wx_activate_after_submit": true,
		"wx_activate_after_submit_url": "https://m.example.com/act"}))
	if err != nil {
		t.Fatal(err)
	}
	code, err := c.DecryptCode(ctx, emu.receive(ctx, c, "oMember", cardID))
	if err != nil {
		t.Fatal(err)
	}
	form := json.RawMessage(`{"required_form":{"common_field_id_list":["USER_FORM_INFO_FLAG_MOBILE"]}}`)
	if err := c.SetActivationForm(ctx, cardID, form); err != nil {
		t.Fatalf("SetActivationForm: %v", err)
	}
	var submitted struct {
		Ticket string `json:"activate_ticket"`
	}
	emu.driver(http.MethodPost, "member-form", map[string]any{"openid": "oMember", "card_id": cardID, "code": code,
		"fields": map[string]string{"USER_FORM_INFO_FLAG_MOBILE": "13800000000"}}, &submitted)
	got, err := c.ActivateTempInfo(ctx, submitted.Ticket)
	if err != nil || len(got.CommonFields) != 1 || got.CommonFields[0].Value != "13800000000" {
		t.Fatalf("ActivateTempInfo = %+v, %v", got, err)
	}
	if _, err := c.ActivateTempInfo(ctx, "not-a-ticket"); !wechat.IsCode(err, 72011) {
		t.Errorf("ActivateTempInfo(unknown) = %v, want 72011", err)
	}
	raw, err := c.ActivateURL(ctx, cardID, "guide")
	if u, perr := url.Parse(raw); err != nil || perr != nil || u.Query().Get("outer_str") != "guide" {
		t.Errorf("ActivateURL = %q, %v", raw, err)
	}

	if err := c.ActivateMember(ctx, wechat.MemberActivation{CardID: cardID, Code: code, MembershipNumber: "M1", InitBonus: ptr(50)}); err != nil {
		t.Fatalf("ActivateMember: %v", err)
	}
	// The same absolute totals twice (a retry) land once.
	for range 2 {
		tot, err := c.UpdateMember(ctx, wechat.MemberUpdate{CardID: cardID, Code: code, Bonus: ptr(80), AddBonus: ptr(30),
			Balance: ptr(1000), AddBalance: ptr(1000), RecordBonus: "消费"})
		if err != nil || tot.Bonus != 80 || tot.Balance != 1000 || tot.OpenID != "oMember" {
			t.Fatalf("UpdateMember = %+v, %v", tot, err)
		}
	}
	info, err := c.GetMemberInfo(ctx, cardID, code)
	if err != nil || !info.HasActive || info.MembershipNumber != "M1" || info.Bonus != 80 || info.Balance != 1000 ||
		len(info.UserInfo.CommonFields) != 1 || info.UserCardStatus != "NORMAL" {
		t.Errorf("GetMemberInfo = %+v, %v", info, err)
	}
	if _, err := c.UpdateMember(ctx, wechat.MemberUpdate{CardID: cardID, Code: code, Balance: ptr(-1)}); !wechat.IsCode(err, 40097) {
		t.Errorf("negative total = %v, want 40097", err)
	}
}
