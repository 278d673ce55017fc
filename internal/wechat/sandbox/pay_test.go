package sandbox_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
	"github.com/wxcoupon/coupon/internal/wechatpay"
)

// The WeChat emulator serves WeChat Pay's emulator under the same root, as
// the server mounts it (/sandbox/wechat/): a client whose base URL is that
// root signs the full path it sends.
func TestServesWeChatPayUnderTheSameRoot(t *testing.T) {
	t.Parallel()
	emu := sandbox.New(sandbox.Options{})
	mux := http.NewServeMux()
	mux.Handle("/sandbox/wechat/", http.StripPrefix("/sandbox/wechat", emu))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	base := srv.URL + "/sandbox/wechat"

	resp, err := http.Get(base + "/sandbox/pay/merchant")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		MchID      string `json:"mchid"`
		PrivateKey string `json:"private_key"`
		SerialNo   string `json:"serial_no"`
	}
	err = json.NewDecoder(resp.Body).Decode(&m)
	resp.Body.Close()
	if err != nil || m.MchID != emu.Pay().Merchant().MchID || m.PrivateKey == "" {
		t.Fatalf("sandbox/pay/merchant = %+v, %v", m, err)
	}

	path := "/sandbox/wechat/v3/marketing/busifavor/callbacks"
	unsigned, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	unsigned.Body.Close()
	if unsigned.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned = %d, want 401", unsigned.StatusCode)
	}

	key, err := wechatpay.ParsePrivateKey([]byte(m.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	a, err := wechatpay.SignRequest(key, m.MchID, m.SerialNo, "GET", path, strconv.FormatInt(time.Now().Unix(), 10), wechatpay.NewNonce(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	req.Header.Set("Authorization", a.String())
	signed, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	signed.Body.Close()
	if signed.StatusCode != http.StatusOK || signed.Header.Get("Wechatpay-Signature") == "" {
		t.Errorf("signed = %d %v, want 200 and a signed answer", signed.StatusCode, signed.Header)
	}

	// WeChat's own paths are still WeChat's.
	tok, err := http.Get(base + "/cgi-bin/token?grant_type=client_credential&appid=" + sandbox.DefaultAppID + "&secret=" + sandbox.DefaultAppSecret)
	if err != nil {
		t.Fatal(err)
	}
	tok.Body.Close()
	if tok.StatusCode != http.StatusOK {
		t.Errorf("cgi-bin/token = %d", tok.StatusCode)
	}
}

// sandbox/reset forgets WeChat Pay's state too: it is one emulator root.
func TestResetForgetsWeChatPay(t *testing.T) {
	t.Parallel()
	emu := sandbox.New(sandbox.Options{})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/v3/marketing/busifavor/stocks/1") // unsigned: counted, refused
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	calls := func() int {
		resp, err := http.Get(srv.URL + "/sandbox/pay/stats")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var s struct {
			Calls map[string]int `json:"calls"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
			t.Fatal(err)
		}
		return len(s.Calls)
	}
	if calls() != 1 {
		t.Fatal("the WeChat Pay call was not counted")
	}
	resp, err = http.Post(srv.URL+"/sandbox/reset", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := calls(); n != 0 {
		t.Errorf("WeChat Pay stats after sandbox/reset: %d paths, want 0", n)
	}
}
