package sandbox_test

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/wechatpay"
	"github.com/wxcoupon/coupon/internal/wechatpay/sandbox"
)

// The reference's vectors R1 and R2 (§7.5): the exact requests, signed by
// the vectors' merchant key, pass the emulator's signature check.
const (
	r1Body = `{"coupon_code":"1234567890123456789012","stock_id":"1212","appid":"wx1234567890abcdef","use_time":"2023-11-15T06:13:20+08:00","use_request_no":"USE20231115000001","openid":"oTestOpenid0000000000000001"}`
	r1Auth = `WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6",timestamp="1700000000",serial_no="5A1C0F7D3E2B4A6980C1D2E3F40516273849ABCD",signature="pU1FiUQ97Jp5aUU0zCWU3rKqOWpVfdpWaVt5MKEynNqdM3kvQcr6Z0uwR7dyUu1sXZhzgRhEpqBiEzkhe2zVTq8XsUe85MbgLRzQ90i4b35pMbnT1WsTHlyY4r2ZOWmsg2u0ZYX7a90P3TXgouktvHx2cDXc02bpRzDM7gFXw3HYc9pPqBzHL8x/m8Kr0gVgbNUvFtduNXbeI21t/7Bc84i9YPfbPARIPEDcK78uQS4pjVuL569P/s3TCAHE3Wy+TKRzCHuYNCMRWzs4EAv/Ht+VWzLlMUsT4d+tiZQjdpeM91xBCVBmD3bDKkJZTDVgEzYBW7DfsBzAyCMl7SIG2g=="`
	r2Path = `/v3/marketing/busifavor/users/oTestOpenid0000000000000001/coupons?appid=wx1234567890abcdef&limit=20&offset=0`
	r2Auth = `WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6E7",timestamp="1700000000",serial_no="5A1C0F7D3E2B4A6980C1D2E3F40516273849ABCD",signature="H6reUcuqEoa/IPFKLSGvEd4wrEpbImQcC1JNbNFGKXcWlW3fXTxsmLK5mNiDNerLFK6jiAFAxiB7UOf7+lz+YSNuz2FQKhnmBkYKbdikD+tBz4xr2ZyxEcFAbjmIhDWMr+5W2qZKX6+MMG/yRsY/WwQnuyfwFmLuKCGKIQJRdlnrMcxCNSlB7SgC31W8x+bGiTMWgZhecv8RNuwm/oky1xKJuxS9IafeSAuKFJfmPD3gjsjd8wTkuVD19hKgVWCz1k7vcg+hrgbADQ3D+gqH0HcGlQEHTy21KJHgFyFyAgMhDFgKkQ9wgcQbpWxwqhh1NOTjcfikOQqi7kn0nHd/bA=="`
)

func vectorEnv(t *testing.T) *env {
	e := newEnv(t, sandbox.Options{BoundAppIDs: []string{"wx1234567890abcdef"}})
	e.clock.Set(time.Unix(1700000000, 0))
	return e
}

func TestVectorR1RequestSignatureAccepted(t *testing.T) {
	t.Parallel()
	e := vectorEnv(t)
	req, _ := http.NewRequest("POST", e.url+"/v3/marketing/busifavor/coupons/use", bytes.NewReader([]byte(r1Body)))
	req.Header.Set("Authorization", r1Auth)
	req.Header.Set("Content-Type", "application/json")
	r := e.send(req, true)
	// Past the signature check: the coupon is unknown.
	want(t, "R1", r, http.StatusNotFound, "RESOURCE_NOT_EXISTS")

	// The same request with one byte of the body changed is refused.
	tampered := bytes.Replace([]byte(r1Body), []byte(`"1212"`), []byte(`"1213"`), 1)
	req, _ = http.NewRequest("POST", e.url+"/v3/marketing/busifavor/coupons/use", bytes.NewReader(tampered))
	req.Header.Set("Authorization", r1Auth)
	want(t, "R1 tampered", e.send(req, true), http.StatusUnauthorized, "SIGN_ERROR")
}

func TestVectorR2GetWithQueryAccepted(t *testing.T) {
	t.Parallel()
	e := vectorEnv(t)
	req, _ := http.NewRequest("GET", e.url+r2Path, nil)
	req.Header.Set("Authorization", r2Auth)
	r := e.send(req, true)
	want(t, "R2", r, http.StatusOK, "")
	if r.num("total_count") != 0 || r.num("limit") != 20 {
		t.Errorf("R2 answer = %s, want an empty page of 20", r.body)
	}
	// The query is signed as sent: reordering it breaks the signature.
	req, _ = http.NewRequest("GET", e.url+`/v3/marketing/busifavor/users/oTestOpenid0000000000000001/coupons?limit=20&appid=wx1234567890abcdef&offset=0`, nil)
	req.Header.Set("Authorization", r2Auth)
	want(t, "R2 query reordered", e.send(req, true), http.StatusUnauthorized, "SIGN_ERROR")
}

func TestSignatureRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	body := []byte(`{"notify_url":"https://example.com/notify"}`)
	cases := []struct {
		name   string
		tamper func(r *http.Request, a *wechatpay.Authorization)
	}{
		{"tampered body", func(r *http.Request, a *wechatpay.Authorization) {
			r.Body, r.ContentLength = httpBody(`{"notify_url":"https://evil.example/notify"}`)
		}},
		{"wrong serial", func(_ *http.Request, a *wechatpay.Authorization) {
			a.SerialNo = "0000000000000000000000000000000000000000"
		}},
		{"stale timestamp", func(_ *http.Request, a *wechatpay.Authorization) {
			// Re-signed correctly, but 6 minutes old.
			key, _ := wechatpay.ParsePrivateKey([]byte(e.emu.Merchant().PrivateKeyPEM))
			ts := strconv.FormatInt(e.clock.Now().Add(-6*time.Minute).Unix(), 10)
			*a, _ = wechatpay.SignRequest(key, a.MchID, a.SerialNo, "POST", bf+"callbacks", ts, a.NonceStr, body)
		}},
		{"future timestamp", func(_ *http.Request, a *wechatpay.Authorization) {
			key, _ := wechatpay.ParsePrivateKey([]byte(e.emu.Merchant().PrivateKeyPEM))
			ts := strconv.FormatInt(e.clock.Now().Add(6*time.Minute).Unix(), 10)
			*a, _ = wechatpay.SignRequest(key, a.MchID, a.SerialNo, "POST", bf+"callbacks", ts, a.NonceStr, body)
		}},
		{"other merchant", func(_ *http.Request, a *wechatpay.Authorization) { a.MchID = "1900000002" }},
		{"signature of another path", func(r *http.Request, _ *wechatpay.Authorization) {
			r.URL.RawQuery = "x=1"
		}},
		{"signature probe", func(_ *http.Request, a *wechatpay.Authorization) {
			a.Signature = wechatpay.SignTestPrefix + a.Signature
		}},
	}
	for _, tc := range cases {
		r := e.doWith("POST", bf+"callbacks", body, tc.tamper)
		want(t, tc.name, r, http.StatusUnauthorized, "SIGN_ERROR")
	}

	// No Authorization at all, and another scheme.
	for name, header := range map[string]string{"missing": "", "other scheme": "Bearer x"} {
		req, _ := http.NewRequest("GET", e.url+bf+"callbacks", nil)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		want(t, name, e.send(req, true), http.StatusUnauthorized, "SIGN_ERROR")
	}

	// A timestamp 4 minutes off is still inside the window.
	r := e.doWith("GET", bf+"callbacks", nil, func(_ *http.Request, a *wechatpay.Authorization) {
		key, _ := wechatpay.ParsePrivateKey([]byte(e.emu.Merchant().PrivateKeyPEM))
		ts := strconv.FormatInt(e.clock.Now().Add(-4*time.Minute).Unix(), 10)
		*a, _ = wechatpay.SignRequest(key, a.MchID, a.SerialNo, "GET", bf+"callbacks", ts, a.NonceStr, nil)
	})
	want(t, "4 minutes old", r, http.StatusOK, "")
	if r.str("mchid") != sandbox.DefaultMchID {
		t.Errorf("callbacks = %s", r.body)
	}
}
