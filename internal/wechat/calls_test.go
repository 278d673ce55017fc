package wechat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/wechat"
)

func TestCode2Session(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	emu := newEmulator(t)
	c := newClient(t, emu.config(cache.NewMemory()))
	code := emu.login("oUserSession0000000000000001")

	s, err := c.Code2Session(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	if s.OpenID != "oUserSession0000000000000001" || s.SessionKey == "" {
		t.Fatalf("Code2Session = %+v; want the openid and a session key", s)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("login", "session", s)
	for _, text := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), logs.String()} {
		if strings.Contains(text, s.SessionKey) {
			t.Errorf("formatted session %q shows the session key", text)
		}
	}

	_, err = c.Code2Session(ctx, code)
	if !wechat.IsCode(err, 40163) {
		t.Errorf("second Code2Session with the same code = %v; want errcode 40163", err)
	}
	_, err = c.Code2Session(ctx, "never-issued")
	if !wechat.IsCode(err, 40029) {
		t.Errorf("Code2Session with an unknown code = %v; want errcode 40029", err)
	}
	emu.wantCalls(map[string]int{"sns/jscode2session": 3, "cgi-bin/token": 0})
}

func TestCode2SessionNeedsMiniProgram(t *testing.T) {
	t.Parallel()
	emu := newEmulator(t)
	cfg := emu.config(cache.NewMemory())
	cfg.MiniAppID, cfg.MiniAppSecret = "", ""
	if _, err := newClient(t, cfg).Code2Session(testCtx(t), "code"); err == nil {
		t.Fatal("Code2Session without a mini-program: no error")
	}
}

// couponDef is a valid GENERAL_COUPON definition (the object under "card").
func couponDef(extra map[string]any) json.RawMessage {
	now := time.Now().Unix()
	base := map[string]any{
		"logo_url": "http://mmbiz.qpic.cn/mmbiz/demo/0", "code_type": "CODE_TYPE_TEXT",
		"brand_name": "微信餐厅", "title": "10元代金券 <&>", "color": "Color010",
		"notice": "使用时向服务员出示此券", "description": "不可与其他优惠同享",
		"sku":       map[string]any{"quantity": 100},
		"date_info": map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": now - 3600, "end_timestamp": now + 30*86400},
	}
	for k, v := range extra {
		base[k] = v
	}
	raw, _ := json.Marshal(map[string]any{
		"card_type":      "GENERAL_COUPON",
		"general_coupon": map[string]any{"base_info": base, "default_detail": "满100减10"},
	})
	return raw
}

// receive plays wx.addCard for openid with a cardExt the test signs, and
// returns the encrypt_code.
func (e *emulator) receive(ctx context.Context, c *wechat.Client, openid, cardID string) string {
	e.t.Helper()
	ticket, err := c.APITicket(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), wechat.NewNonce()
	ext, _ := json.Marshal(map[string]string{"timestamp": ts, "nonce_str": nonce,
		"signature": wechat.CardSignature(ticket, ts, cardID, nonce)})
	var out struct {
		CardList []struct {
			Code      string `json:"code"`
			IsSuccess bool   `json:"is_success"`
		} `json:"card_list"`
	}
	e.driver(http.MethodPost, "add-card", map[string]any{"openid": openid,
		"card_list": []map[string]string{{"card_id": cardID, "card_ext": string(ext)}}}, &out)
	if len(out.CardList) != 1 || !out.CardList[0].IsSuccess {
		e.t.Fatalf("add-card = %+v", out)
	}
	return out.CardList[0].Code
}

func TestCardCalls(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	emu := newEmulator(t)
	c := newClient(t, emu.config(cache.NewMemory()))

	cardID, err := c.CreateCard(ctx, couponDef(nil))
	if err != nil || cardID == "" {
		t.Fatalf("CreateCard = %q, %v", cardID, err)
	}
	raw, err := c.GetCard(ctx, cardID)
	if err != nil {
		t.Fatal(err)
	}
	var card struct {
		CardType      string `json:"card_type"`
		GeneralCoupon struct {
			BaseInfo struct {
				ID    string `json:"id"`
				Title string `json:"title"`
				Sku   struct {
					Quantity int `json:"quantity"`
				} `json:"sku"`
			} `json:"base_info"`
		} `json:"general_coupon"`
	}
	if err := json.Unmarshal(raw, &card); err != nil {
		t.Fatal(err)
	}
	if bi := card.GeneralCoupon.BaseInfo; card.CardType != "GENERAL_COUPON" || bi.ID != cardID || bi.Title != "10元代金券 <&>" {
		t.Errorf("GetCard = %s; want the card as created", raw)
	}

	list, err := c.BatchGetCards(ctx, 0, 50)
	if err != nil || list.Total != 1 || len(list.CardIDs) != 1 || list.CardIDs[0] != cardID {
		t.Errorf("BatchGetCards = %+v, %v; want the one card", list, err)
	}
	if err := c.ModifyStock(ctx, cardID, 20); err != nil {
		t.Errorf("ModifyStock(+20) = %v", err)
	}
	if err := c.ModifyStock(ctx, cardID, -5); err != nil {
		t.Errorf("ModifyStock(-5) = %v", err)
	}
	if err := c.ModifyStock(ctx, cardID, -1000); !wechat.IsCode(err, 40122) {
		t.Errorf("ModifyStock below zero = %v; want errcode 40122", err)
	}
	raw, _ = c.GetCard(ctx, cardID)
	_ = json.Unmarshal(raw, &card)
	if got := card.GeneralCoupon.BaseInfo.Sku.Quantity; got != 115 {
		t.Errorf("stock after +20 and -5 = %d; want 115", got)
	}
	if _, err := c.UpdateCard(ctx, cardID, "GENERAL_COUPON", json.RawMessage(`{"base_info":{"notice":"新的提示"}}`)); err != nil {
		t.Errorf("UpdateCard = %v", err)
	}
	colors, err := c.GetColors(ctx)
	if err != nil || len(colors) == 0 || colors[0].Name == "" || colors[0].Value == "" {
		t.Errorf("GetColors = %v, %v", colors, err)
	}
	if err := c.DeleteCard(ctx, cardID); err != nil {
		t.Errorf("DeleteCard = %v", err)
	}
	if _, err := c.CreateCard(ctx, json.RawMessage(`{"card_type":"NO_SUCH_TYPE"}`)); !wechat.IsCode(err, 40071) {
		t.Errorf("CreateCard(bad type) = %v; want errcode 40071", err)
	}
	emu.wantCalls(map[string]int{"cgi-bin/token": 1, "card/create": 2})
}

// card/create is not idempotent, but errcode -1 means WeChat did nothing.
func TestCreateCardRetriedOnBusy(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	emu := newEmulator(t)
	c := newClient(t, emu.config(cache.NewMemory()))
	emu.fault(fault{Path: "card/create", Errcode: -1, Times: 1})
	if _, err := c.CreateCard(ctx, couponDef(nil)); err != nil {
		t.Fatal(err)
	}
	emu.wantCalls(map[string]int{"card/create": 2})
}

// An HTTP 500 may come after WeChat created the card: card/create is not sent
// again (a second card), while a 503 (refused before any work) is.
func TestCreateCardNotRetriedAfterHTTP500(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	emu := newEmulator(t)
	c := newClient(t, emu.config(cache.NewMemory()))
	emu.fault(fault{Path: "card/create", HTTPStatus: 500, Times: 1})
	if _, err := c.CreateCard(ctx, couponDef(nil)); err == nil {
		t.Fatal("CreateCard after an HTTP 500 = nil error, want the failure reported")
	}
	emu.wantCalls(map[string]int{"card/create": 1})
	emu.fault(fault{Path: "card/create", HTTPStatus: 503, Times: 1})
	if _, err := c.CreateCard(ctx, couponDef(nil)); err != nil {
		t.Fatalf("CreateCard after an HTTP 503 = %v, want it retried", err)
	}
	emu.wantCalls(map[string]int{"card/create": 3})
}

func TestCodeCalls(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	emu := newEmulator(t)
	c := newClient(t, emu.config(cache.NewMemory()))
	cardID, err := c.CreateCard(ctx, couponDef(nil))
	if err != nil {
		t.Fatal(err)
	}
	const holder = "oHolder000000000000000000001"

	code, err := c.DecryptCode(ctx, emu.receive(ctx, c, holder, cardID))
	if err != nil || code == "" {
		t.Fatalf("DecryptCode = %q, %v", code, err)
	}
	if _, err := c.DecryptCode(ctx, "garbage"); !wechat.IsCode(err, 40075) {
		t.Errorf("DecryptCode(garbage) = %v; want errcode 40075", err)
	}

	info, err := c.GetCode(ctx, cardID, code, true)
	if err != nil {
		t.Fatal(err)
	}
	if info.CardID != cardID || info.OpenID != holder || !info.CanConsume || info.UserCardStatus != "NORMAL" ||
		info.BeginTime == 0 || info.EndTime <= info.BeginTime {
		t.Errorf("GetCode = %+v; want NORMAL, consumable, held by %s", info, holder)
	}

	res, err := c.ConsumeCode(ctx, cardID, code)
	if err != nil || res.CardID != cardID || res.OpenID != holder {
		t.Fatalf("ConsumeCode = %+v, %v", res, err)
	}
	if _, err := c.ConsumeCode(ctx, cardID, code); !wechat.IsCode(err, 40099) {
		t.Errorf("second ConsumeCode = %v; want errcode 40099", err)
	}
	if _, err := c.GetCode(ctx, cardID, code, true); !wechat.IsCode(err, 40099) {
		t.Errorf("GetCode(check_consume) of a consumed code = %v; want errcode 40099", err)
	}
	info, err = c.GetCode(ctx, cardID, code, false)
	if err != nil || info.UserCardStatus != "CONSUMED" || info.CanConsume {
		t.Errorf("GetCode(no check) of a consumed code = %+v, %v; want CONSUMED, not consumable", info, err)
	}

	other, err := c.DecryptCode(ctx, emu.receive(ctx, c, holder, cardID))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateCode(ctx, cardID, other, "888800001111"); err != nil {
		t.Fatalf("UpdateCode = %v", err)
	}
	if _, err := c.GetCode(ctx, cardID, other, false); !wechat.IsCode(err, 40056) {
		t.Errorf("GetCode(old code) = %v; want errcode 40056", err)
	}
	if err := c.UnavailableCode(ctx, cardID, "888800001111", "lost"); err != nil {
		t.Fatalf("UnavailableCode = %v", err)
	}
	info, err = c.GetCode(ctx, cardID, "888800001111", false)
	if err != nil || info.UserCardStatus != "UNAVAILABLE" {
		t.Errorf("GetCode after UnavailableCode = %+v, %v; want UNAVAILABLE", info, err)
	}
}

var (
	pngBytes = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 200)...)
	gifBytes = append([]byte("GIF89a"), bytes.Repeat([]byte{0}, 200)...)
)

// onlyReader hides any Seek method of the reader it wraps.
type onlyReader struct{ io.Reader }

// failingReader fails after its data.
type failingReader struct{ data []byte }

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, errors.New("disk on fire")
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestUploads(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	emu := newEmulator(t)
	c := newClient(t, emu.config(cache.NewMemory()))

	u, err := c.UploadImage(ctx, "logo.png", bytes.NewReader(pngBytes))
	if err != nil || !strings.HasPrefix(u, "http://mmbiz.qpic.cn/") {
		t.Fatalf("UploadImage = %q, %v", u, err)
	}
	if _, err := c.UploadImage(ctx, "logo.gif", bytes.NewReader(gifBytes)); !wechat.IsCode(err, 40005) {
		t.Errorf("UploadImage(GIF) = %v; want errcode 40005", err)
	}
	m, err := c.UploadTempMedia(ctx, "shop.gif", onlyReader{bytes.NewReader(gifBytes)})
	if err != nil || m.MediaID == "" || m.CreatedAt.IsZero() {
		t.Fatalf("UploadTempMedia = %+v, %v", m, err)
	}

	// A seekable image is rewound and sent again after a transient failure.
	emu.fault(fault{Path: "cgi-bin/media/uploadimg", Errcode: -1, Times: 1})
	if _, err := c.UploadImage(ctx, "logo.png", bytes.NewReader(pngBytes)); err != nil {
		t.Errorf("UploadImage after one -1 = %v", err)
	}
	emu.wantCalls(map[string]int{"cgi-bin/media/uploadimg": 4})
	// A stream cannot be sent twice.
	emu.fault(fault{Path: "cgi-bin/media/uploadimg", Errcode: -1, Times: 1})
	if _, err := c.UploadImage(ctx, "logo.png", onlyReader{bytes.NewReader(pngBytes)}); !wechat.IsCode(err, -1) {
		t.Errorf("UploadImage(stream) after one -1 = %v; want errcode -1, not retried", err)
	}
	emu.wantCalls(map[string]int{"cgi-bin/media/uploadimg": 5})

	// A failing reader is the caller's problem, not WeChat's.
	_, err = c.UploadImage(ctx, "logo.png", &failingReader{data: pngBytes})
	var ue *wechat.UnavailableError
	if err == nil || errors.As(err, &ue) || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("UploadImage(failing reader) = %v; want the reader's error, not *UnavailableError", err)
	}
}
