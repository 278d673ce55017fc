package service_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/testenv"
)

// activationFakes play the card catalogue and WeChat's code calls for
// Activate: the encrypt_code is the code itself, held by oHolder.
type activationFakes struct {
	service.CardProvider // only RevealCode is called
	service.CodeProvider // only CodeHolder is called
}

func (activationFakes) RevealCode(_ context.Context, enc string) (string, error) { return enc, nil }

func (activationFakes) CodeHolder(_ context.Context, cardID, _ string) (service.Holding, error) {
	return service.Holding{CardID: cardID, OpenID: "oHolder", Status: service.CodeIssued}, nil
}

func (activationFakes) GetCard(_ context.Context, cardID string) (service.Card, error) {
	return service.Card{CardID: cardID, Definition: []byte(`{"member_card":{"supply_bonus":true}}`)}, nil
}

type countingActivations struct {
	*fakeMemberWeChat
	numbers []string
}

func (c *countingActivations) ActivateMember(_ context.Context, a service.MemberActivation) error {
	c.numbers = append(c.numbers, a.MembershipNumber)
	return nil
}

// A custom code too long for MEMBER_NUMBER_PATTERN's text is refused before
// WeChat is called (WeChat takes 20 bytes); a 12-digit code is activated.
func TestActivateRefusesTooLongMembershipNumber(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openMySQLStore(t, testenv.MySQLDSN(t))
	wx := &countingActivations{fakeMemberWeChat: newFakeMemberWeChat()}
	f := activationFakes{}
	s := service.NewMembers(st, f, f, f, wx, cache.NewMemory(), service.MembersConfig{NumberPattern: "VIP{code}"},
		slog.New(slog.NewTextHandler(io.Discard, nil)), nil)

	long := "CUSTOM-CODE-19BYTES" // with VIP, 22 bytes
	_, err := s.Activate(ctx, "oHolder", service.ActivateRequest{CardID: ledgerCard, EncryptCode: long})
	var se *service.Error
	if !errors.As(err, &se) || se.Kind != service.KindConflict || se.Details["field"] != "membership_number" {
		t.Fatalf("activate with a %d-byte code: %v; want conflict on membership_number", len(long), err)
	}
	if len(wx.numbers) != 0 {
		t.Errorf("WeChat was asked to activate %v", wx.numbers)
	}
	if _, err := st.GetMember(ctx, ledgerCard, long); !errors.Is(err, service.ErrNotFound) {
		t.Errorf("member stored: %v", err)
	}
	m, err := s.Activate(ctx, "oHolder", service.ActivateRequest{CardID: ledgerCard, EncryptCode: "123456789012"})
	if err != nil || m.MembershipNumber != "VIP123456789012" || len(wx.numbers) != 1 {
		t.Errorf("activate with a 12-digit code = %+v, %v (WeChat got %v)", m, err, wx.numbers)
	}
}
