package busifavor

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/wechatpay"
)

// fakePay is a WeChat Pay client whose calls are function fields.
type fakePay struct {
	create func(wechatpay.StockCreate) (wechatpay.StockCreated, error)
	get    func(string) (wechatpay.Stock, error)
}

var _ Client = (*fakePay)(nil)

func (f *fakePay) MchID() string { return "1900000001" }
func (f *fakePay) CreateStock(_ context.Context, in wechatpay.StockCreate) (wechatpay.StockCreated, error) {
	return f.create(in)
}
func (f *fakePay) GetStock(_ context.Context, id string) (wechatpay.Stock, error) { return f.get(id) }
func (f *fakePay) ModifyStock(context.Context, string, wechatpay.StockModify) error {
	return nil
}
func (f *fakePay) ModifyBudget(context.Context, string, wechatpay.BudgetModify) (wechatpay.Budget, error) {
	return wechatpay.Budget{}, nil
}
func (f *fakePay) SetCallback(context.Context, wechatpay.CallbackSet) (wechatpay.Callback, error) {
	return wechatpay.Callback{}, nil
}

func definition() service.StockDefinition {
	return service.StockDefinition{
		StockName: "满10减1", BelongMerchant: "1900000001", Comment: "c", GoodsName: "全场通用",
		StockType: service.StockNormal, OutRequestNo: "r1", CouponCodeMode: service.CodeModeWeChatPay,
		CouponUseRule: service.StockUseRule{
			CouponAvailableTime: service.StockAvailableTime{
				AvailableBeginTime: "2026-01-01T00:00:00+08:00", AvailableEndTime: "2026-03-01T23:59:59+08:00",
				AvailableDayAfterReceive: 3, WaitDaysAfterReceive: 1,
				AvailableWeek:          &service.StockWeek{WeekDay: []int{1, 2}, AvailableDayTime: []service.StockDayTime{{BeginTime: 1, EndTime: 3600}}},
				IrregularAvailableTime: []service.StockTimePeriod{{BeginTime: "2026-01-02T00:00:00+08:00", EndTime: "2026-01-03T00:00:00+08:00"}},
			},
			FixedNormalCoupon: &service.FixedNormalCoupon{DiscountAmount: 100, TransactionMinimum: 1000},
			UseMethod:         "MINI_PROGRAMS", MiniProgramsAppID: "wxsandboxmini", MiniProgramsPath: "pages/use",
		},
		StockSendRule: service.StockSendRule{MaxCoupons: 10, MaxCouponsPerUser: 1, MaxCouponsByDay: 5, PreventAPIAbuse: true},
		CustomEntrance: &service.StockEntrance{CodeDisplayMode: "QRCODE",
			MiniProgramsInfo: &service.StockMiniProgram{MiniProgramsAppID: "wxsandboxmini", MiniProgramsPath: "p", EntranceWords: "去看看"}},
		DisplayPatternInfo: &service.StockDisplay{Description: "须知", BackgroundColor: "Color020"},
		NotifyConfig:       &service.StockNotifyConfig{NotifyAppID: "wxsandboxmini"},
	}
}

// What the service defines reaches WeChat Pay and comes back unchanged
// (apart from the request number, which WeChat Pay does not report).
func TestDefinitionRoundTrip(t *testing.T) {
	t.Parallel()
	var sent wechatpay.StockCreate
	pay := &fakePay{
		create: func(in wechatpay.StockCreate) (wechatpay.StockCreated, error) {
			sent = in
			return wechatpay.StockCreated{StockID: "98065001"}, nil
		},
		get: func(id string) (wechatpay.Stock, error) {
			return wechatpay.Stock{StockID: id, StockState: "PAUSED", StockName: sent.StockName,
				BelongMerchant: sent.BelongMerchant, Comment: sent.Comment, GoodsName: sent.GoodsName,
				StockType: sent.StockType, CouponUseRule: sent.CouponUseRule, StockSendRule: sent.StockSendRule,
				CustomEntrance: sent.CustomEntrance, DisplayPatternInfo: sent.DisplayPatternInfo,
				CouponCodeMode: sent.CouponCodeMode, NotifyConfig: sent.NotifyConfig,
				SendCountInformation: &wechatpay.SendCountInformation{TotalSendNum: 4}}, nil
		},
	}
	p := New(pay)
	def := definition()
	created, err := p.CreateStock(context.Background(), def)
	if err != nil || created.StockID != "98065001" {
		t.Fatalf("CreateStock = %+v, %v", created, err)
	}
	if sent.OutRequestNo != "r1" || sent.CouponUseRule.CouponAvailableTime.AvailableBeginTime.IsZero() {
		t.Errorf("sent %+v, want the request number and the window", sent)
	}
	got, err := p.GetStock(context.Background(), "98065001")
	if err != nil {
		t.Fatal(err)
	}
	def.OutRequestNo = ""
	if !reflect.DeepEqual(got.Definition, def) {
		t.Errorf("round trip:\ngot  %+v\nwant %+v", got.Definition, def)
	}
	if got.Status != service.StockPaused || got.Sent != 4 || got.StockID != "98065001" {
		t.Errorf("stock = %s %s sent %d, want 98065001 PAUSED sent 4", got.StockID, got.Status, got.Sent)
	}
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	refusal := func(status int, code string) error {
		return &wechatpay.Error{API: "busifavor/stocks/get", HTTPStatus: status, Code: code, Message: "说明"}
	}
	tests := []struct {
		name string
		err  error
		want service.Kind
		code string // wechatpay_code in the details; "" for none
	}{
		{"not found", refusal(404, "RESOURCE_NOT_EXISTS"), service.KindNotFound, "RESOURCE_NOT_EXISTS"},
		{"state", refusal(400, "INVALID_REQUEST"), service.KindConflict, "INVALID_REQUEST"},
		{"parameter", refusal(400, "PARAM_ERROR"), service.KindInvalid, "PARAM_ERROR"},
		{"signature", refusal(401, "SIGN_ERROR"), service.KindUpstream, "SIGN_ERROR"},
		{"no auth", refusal(403, "NO_AUTH"), service.KindUpstream, "NO_AUTH"},
		{"unavailable after SYSTEM_ERROR", &wechatpay.UnavailableError{API: "x", Err: refusal(500, "SYSTEM_ERROR")}, service.KindUpstreamUnavailable, "SYSTEM_ERROR"},
		{"unavailable in transport", &wechatpay.UnavailableError{API: "x", Err: errors.New("dial tcp: refused")}, service.KindUpstreamUnavailable, ""},
		{"bad answer signature", fmt.Errorf("verify: %w", wechatpay.ErrBadSignature), service.KindUpstream, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := New(&fakePay{get: func(string) (wechatpay.Stock, error) { return wechatpay.Stock{}, tc.err }})
			_, err := p.GetStock(context.Background(), "1")
			var se *service.Error
			if !errors.As(err, &se) || se.Kind != tc.want {
				t.Fatalf("err = %v, want kind %s", err, tc.want)
			}
			if got, _ := se.Details["wechatpay_code"].(string); got != tc.code {
				t.Errorf("wechatpay_code = %q, want %q", got, tc.code)
			}
		})
	}
}
