package wechatpay_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/wechatpay"
	"github.com/wxcoupon/coupon/internal/wechatpay/wechatpaytest"
)

// payServer is a tiny WeChat Pay: it checks every request's signature with
// the merchant's public key and signs its answers with the platform key,
// unless a test makes it misbehave.
type payServer struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	handler  func(w http.ResponseWriter, r *http.Request, body []byte) (status int, answer []byte)
	tamper   func(h *wechatpay.SignedHeaders, body *[]byte) // after signing
	calls    int
	lastAuth wechatpay.Authorization
	lastBody []byte
	lastURI  string
}

func newPayServer(t *testing.T) *payServer {
	t.Helper()
	mp, err := wechatpay.ParsePublicKey([]byte(wechatpaytest.MerchantPublicKeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	pk, err := wechatpay.ParsePrivateKey([]byte(wechatpaytest.PlatformPrivateKeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	s := &payServer{t: t}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.calls++
		h, tamper := s.handler, s.tamper
		s.mu.Unlock()
		status, answer := http.StatusOK, []byte(`{}`)
		a, err := wechatpay.ParseAuthorization(r.Header.Get("Authorization"))
		if err == nil && (a.MchID != wechatpaytest.MchID || a.SerialNo != wechatpaytest.MerchantSerial) {
			err = errors.New("unknown merchant or serial")
		}
		if err == nil {
			// r.RequestURI is the request line as received.
			err = wechatpay.Verify(mp, a.Message(r.Method, r.RequestURI, body), a.Signature)
		}
		s.mu.Lock()
		s.lastAuth, s.lastBody, s.lastURI = a, body, r.RequestURI
		s.mu.Unlock()
		switch {
		case err != nil:
			status, answer = http.StatusUnauthorized, []byte(`{"code":"SIGN_ERROR","message":"签名错误"}`)
		case h != nil:
			status, answer = h(w, r, body)
		}
		hd, err := wechatpay.SignResponse(pk, wechatpaytest.PublicKeyID, strconv.FormatInt(time.Now().Unix(), 10), wechatpay.NewNonce(), answer)
		if err != nil {
			t.Error(err)
		}
		if tamper != nil {
			tamper(&hd, &answer)
		}
		hd.Set(w.Header())
		w.Header().Set("Request-ID", "req-1")
		if len(answer) > 0 {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		w.Write(answer)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *payServer) handle(h func(w http.ResponseWriter, r *http.Request, body []byte) (int, []byte)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handler = h
}

func (s *payServer) answer(status int, body string) {
	s.handle(func(http.ResponseWriter, *http.Request, []byte) (int, []byte) { return status, []byte(body) })
}

func (s *payServer) setTamper(f func(h *wechatpay.SignedHeaders, body *[]byte)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tamper = f
}

func (s *payServer) callCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func testConfig(t testing.TB, base string) wechatpay.Config {
	t.Helper()
	key, err := wechatpay.ParsePrivateKey([]byte(wechatpaytest.MerchantPrivateKeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := wechatpay.ParsePublicKey([]byte(wechatpaytest.PlatformPublicKeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	return wechatpay.Config{
		BaseURL: base, MchID: wechatpaytest.MchID, MchSerialNo: wechatpaytest.MerchantSerial,
		PrivateKey: key, PublicKeyID: wechatpaytest.PublicKeyID, PublicKey: pub,
		APIv3Key: []byte(wechatpaytest.APIv3Key), APIv2Key: wechatpaytest.APIv2Key,
		Timeout: 5 * time.Second,
	}
}

func newTestClient(t testing.TB, cfg wechatpay.Config) *wechatpay.Client {
	t.Helper()
	c, err := wechatpay.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCallsAreSignedOverTheExactBytesSent(t *testing.T) {
	s := newPayServer(t)
	var outcomes []string
	cfg := testConfig(t, s.srv.URL+"/prefix/")
	cfg.Hooks.OnCall = func(api, code string, _ time.Duration) { outcomes = append(outcomes, api+" "+code) }
	c := newTestClient(t, cfg)
	s.answer(200, `{"stock_id":"98065001","create_time":"2023-11-15T13:29:35.120+08:00","unknown":1}`)
	begin := time.Date(2023, 11, 15, 0, 0, 0, 0, wechatpay.ChinaTime)
	in := wechatpay.StockCreate{
		StockName: "满10减1 <&>", BelongMerchant: wechatpaytest.MchID, GoodsName: "全场通用", StockType: wechatpay.StockTypeNormal,
		CouponUseRule: wechatpay.CouponUseRule{
			CouponAvailableTime: &wechatpay.CouponAvailableTime{AvailableBeginTime: wechatpay.NewTime(begin), AvailableEndTime: wechatpay.NewTime(begin.AddDate(0, 1, 0).UTC()), AvailableDayAfterReceive: 7},
			FixedNormalCoupon:   &wechatpay.FixedNormalCoupon{DiscountAmount: 100, TransactionMinimum: 1000},
			UseMethod:           wechatpay.UseMethodOffline,
		},
		StockSendRule:  wechatpay.StockSendRule{MaxCoupons: 1000, MaxCouponsPerUser: 1},
		OutRequestNo:   "1900000001202311150001",
		CouponCodeMode: wechatpay.CodeModeWechatpay,
	}
	got, err := c.CreateStock(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if got.StockID != "98065001" || got.CreateTime.UnixMilli() != time.Date(2023, 11, 15, 5, 29, 35, 120e6, time.UTC).UnixMilli() {
		t.Fatalf("created %+v", got)
	}
	s.mu.Lock()
	body, uri := string(s.lastBody), s.lastURI
	s.mu.Unlock()
	if uri != "/prefix/v3/marketing/busifavor/stocks" {
		t.Fatalf("request URI %q", uri)
	}
	// Raw UTF-8, no HTML escaping, times in +08:00, no trailing newline.
	for _, want := range []string{`"stock_name":"满10减1 <&>"`, `"goods_name":"全场通用"`, `"available_end_time":"2023-12-15T00:00:00+08:00"`} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %s: %s", want, body)
		}
	}
	if strings.HasSuffix(body, "\n") || strings.Contains(body, "discount_coupon") {
		t.Errorf("body %q", body)
	}

	// A GET with a query and a path segment that needs escaping: the server
	// verifies the signature over the request line it received.
	s.answer(200, `{"data":[{"coupon_code":"1234567890123456789012","stock_id":"1212","coupon_state":"SENDED","use_time":"","coupon_use_rule":{"coupon_available_time":{"available_begin_time":"2023-11-15T00:00:00+08:00","available_end_time":"2023-12-31T23:59:59+08:00","available_week":{"week_day":["1","2"]}}}}],"total_count":1,"offset":0,"limit":20}`)
	list, err := c.ListUserCoupons(context.Background(), "o/Test Openid", wechatpay.UserCouponQuery{AppID: "wx1234567890abcdef", StockID: "1212"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Data) != 1 || list.Data[0].CouponState != wechatpay.CouponStateSended || !list.Data[0].UseTime.IsZero() ||
		fmt.Sprint(list.Data[0].CouponUseRule.CouponAvailableTime.AvailableWeek.WeekDay) != "[1 2]" {
		t.Fatalf("list %+v", list)
	}
	s.mu.Lock()
	uri = s.lastURI
	s.mu.Unlock()
	if uri != "/prefix/v3/marketing/busifavor/users/o%2FTest%20Openid/coupons?appid=wx1234567890abcdef&limit=20&offset=0&stock_id=1212" {
		t.Fatalf("request URI %q", uri)
	}

	// A 204 with an empty, signed body.
	s.answer(204, ``)
	if err := c.ModifyStock(context.Background(), "98065001", wechatpay.StockModify{OutRequestNo: "M1", Comment: "备注"}); err != nil {
		t.Fatal(err)
	}
	want := []string{"busifavor/stocks/create OK", "busifavor/users/coupons/list OK", "busifavor/stocks/modify OK"}
	if fmt.Sprint(outcomes) != fmt.Sprint(want) {
		t.Fatalf("hooks saw %v, want %v", outcomes, want)
	}
}

func TestAnswersThatFailVerificationAreRefused(t *testing.T) {
	cases := map[string]func(h *wechatpay.SignedHeaders, body *[]byte){
		"tampered body": func(_ *wechatpay.SignedHeaders, b *[]byte) { *b = bytes.Replace(*b, []byte("1212"), []byte("1213"), 1) },
		"wrong serial":  func(h *wechatpay.SignedHeaders, _ *[]byte) { h.Serial = "PUB_KEY_ID_0100000000000000000000000009" },
		"cert serial":   func(h *wechatpay.SignedHeaders, _ *[]byte) { h.Serial = "7132D72A03E93CDDF8C03BBD1F37EEDF43C7B6E8" },
		"stale timestamp": func(h *wechatpay.SignedHeaders, _ *[]byte) {
			h.Timestamp = strconv.FormatInt(time.Now().Unix()-301, 10)
		},
		"future timestamp": func(h *wechatpay.SignedHeaders, _ *[]byte) {
			h.Timestamp = strconv.FormatInt(time.Now().Unix()+400, 10)
		},
		"no signature":    func(h *wechatpay.SignedHeaders, _ *[]byte) { h.Signature = "" },
		"no nonce":        func(h *wechatpay.SignedHeaders, _ *[]byte) { h.Nonce = "" },
		"signature probe": func(h *wechatpay.SignedHeaders, _ *[]byte) { h.Signature = "WECHATPAY/SIGNTEST/" + h.Signature },
	}
	for name, tamper := range cases {
		t.Run(name, func(t *testing.T) {
			s := newPayServer(t)
			var code string
			cfg := testConfig(t, s.srv.URL)
			cfg.Hooks.OnCall = func(_, c string, _ time.Duration) { code = c }
			c := newTestClient(t, cfg)
			s.answer(200, `{"stock_id":"1212","openid":"o1","wechatpay_use_time":"2023-11-15T06:13:21+08:00"}`)
			var sig string
			s.setTamper(func(h *wechatpay.SignedHeaders, b *[]byte) { sig = h.Signature; tamper(h, b) })
			_, err := c.UseCoupon(context.Background(), wechatpay.CouponUse{CouponCode: "1", StockID: "1212", AppID: "wx1", UseTime: wechatpay.NewTime(time.Now()), UseRequestNo: "U1"})
			if !errors.Is(err, wechatpay.ErrBadSignature) || wechatpay.IsUnavailable(err) {
				t.Fatalf("err = %v, want ErrBadSignature", err)
			}
			if s.callCount() != 1 {
				t.Fatalf("%d calls: a refused answer must not be repeated", s.callCount())
			}
			if code != wechatpay.OutcomeBadSignature {
				t.Fatalf("hook outcome %q", code)
			}
			if strings.Contains(err.Error(), sig[:16]) {
				t.Fatalf("error quotes the signature: %v", err)
			}
		})
	}
	// The untampered answer is accepted (the cases above fail for their reason).
	s := newPayServer(t)
	s.answer(200, `{"stock_id":"1212"}`)
	if _, err := newTestClient(t, testConfig(t, s.srv.URL)).UseCoupon(context.Background(), wechatpay.CouponUse{CouponCode: "1"}); err != nil {
		t.Fatal(err)
	}
}

func TestErrorsAreTyped(t *testing.T) {
	cases := []struct {
		status int
		body   string
		check  func(error) bool
		code   string
	}{
		{404, `{"code":"RESOURCE_NOT_EXISTS","message":"批次不存在"}`, wechatpay.IsNotFound, "RESOURCE_NOT_EXISTS"},
		{400, `{"code":"PARAM_ERROR","message":"输入源“/body/coupon_use_rule/fixed_normal_coupon/discount_amount”映射到值字段“优惠金额”规则校验失败，值低于最小值 1","detail":{"location":"body","value":0}}`, wechatpay.IsParamError, "PARAM_ERROR"},
		{400, `{"code":"INVALID_REQUEST","message":"商户票据校验失败"}`, wechatpay.IsInvalidRequest, "INVALID_REQUEST"},
		{403, `{"code":"NO_AUTH","message":"无权限"}`, wechatpay.IsNoAuth, "NO_AUTH"},
		{400, `{"code":"ALREADY_EXISTS","message":"重复"}`, wechatpay.IsAlreadyExists, "ALREADY_EXISTS"},
		{401, `{"code":"SIGN_ERROR","message":"签名错误"}`, wechatpay.IsSignError, "SIGN_ERROR"},
		{418, `<html>teapot</html>`, func(err error) bool {
			e, ok := wechatpay.AsError(err)
			return ok && e.Code == "" && e.HTTPStatus == 418
		}, "HTTP_418"},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			s := newPayServer(t)
			var code string
			cfg := testConfig(t, s.srv.URL)
			cfg.Hooks.OnCall = func(_, c string, _ time.Duration) { code = c }
			c := newTestClient(t, cfg)
			s.answer(tc.status, tc.body)
			_, err := c.GetStock(context.Background(), "1212")
			if !tc.check(err) || wechatpay.IsUnavailable(err) {
				t.Fatalf("err = %v", err)
			}
			e, _ := wechatpay.AsError(err)
			if e.API != "busifavor/stocks/get" || e.HTTPStatus != tc.status || e.RequestID != "req-1" || code != tc.code {
				t.Fatalf("error %+v, hook %q", e, code)
			}
			if s.callCount() != 1 {
				t.Fatalf("%d calls, want 1 (not transient)", s.callCount())
			}
			if tc.code == "PARAM_ERROR" && e.Detail["location"] != "body" {
				t.Fatalf("detail %v", e.Detail)
			}
		})
	}
	// A request the server cannot verify is answered 401 SIGN_ERROR: a
	// client with another serial is refused.
	s := newPayServer(t)
	cfg := testConfig(t, s.srv.URL)
	cfg.MchSerialNo = "0000000000000000000000000000000000000000"
	if _, err := newTestClient(t, cfg).GetStock(context.Background(), "1"); !wechatpay.IsSignError(err) {
		t.Fatalf("err = %v, want SIGN_ERROR", err)
	}
}

func TestRetriesOnlyIdempotentRequests(t *testing.T) {
	type fault struct {
		status int
		body   string
		times  int
	}
	cases := []struct {
		name       string
		fault      fault
		idempotent bool
		wantCalls  int
		wantUnav   bool
	}{
		{"500 once, idempotent", fault{500, `{"code":"SYSTEM_ERROR","message":"系统错误"}`, 1}, true, 2, false},
		{"SYSTEM_ERROR every time, idempotent", fault{500, `{"code":"SYSTEM_ERROR","message":"系统错误"}`, 9}, true, 3, true},
		{"503 without body twice, idempotent", fault{503, ``, 2}, true, 3, false},
		{"429 FREQUENCY_LIMITED once, idempotent", fault{429, `{"code":"FREQUENCY_LIMITED","message":"频率限制"}`, 1}, true, 2, false},
		{"SYSTEM_ERROR as 400, idempotent", fault{400, `{"code":"SYSTEM_ERROR","message":"系统错误"}`, 1}, true, 2, false},
		{"500 once, not idempotent", fault{500, `{"code":"SYSTEM_ERROR","message":"系统错误"}`, 1}, false, 1, true},
		{"PARAM_ERROR, idempotent", fault{400, `{"code":"PARAM_ERROR","message":"x"}`, 9}, true, 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newPayServer(t)
			var n atomic.Int32
			s.handle(func(_ http.ResponseWriter, _ *http.Request, _ []byte) (int, []byte) {
				if int(n.Add(1)) <= tc.fault.times {
					return tc.fault.status, []byte(tc.fault.body)
				}
				return 200, []byte(`{"ok":true}`)
			})
			c := newTestClient(t, testConfig(t, s.srv.URL))
			var out struct{ OK bool }
			err := c.Do(context.Background(), wechatpay.Request{Method: "POST", Path: "/v3/x", Body: map[string]string{"out_request_no": "R1"}, Idempotent: tc.idempotent}, &out)
			if got := s.callCount(); got != tc.wantCalls {
				t.Fatalf("%d calls, want %d (err %v)", got, tc.wantCalls, err)
			}
			switch {
			case tc.wantUnav:
				if !errors.Is(err, wechatpay.ErrUnavailable) {
					t.Fatalf("err = %v, want ErrUnavailable", err)
				}
				if _, ok := wechatpay.AsError(err); !ok && tc.fault.body != "" {
					t.Fatalf("the last refusal is lost: %v", err)
				}
			case tc.fault.times >= maxTries && !tc.wantUnav:
				if err == nil || wechatpay.IsUnavailable(err) {
					t.Fatalf("err = %v, want WeChat Pay's refusal", err)
				}
			default:
				if err != nil || !out.OK {
					t.Fatalf("err = %v, out %+v", err, out)
				}
			}
		})
	}
}

const maxTries = 3

func TestTransportFailuresAndDeadline(t *testing.T) {
	// Nothing listens: a transport error, retried for an idempotent call.
	s := newPayServer(t)
	base := s.srv.URL
	s.srv.Close()
	cfg := testConfig(t, base)
	cfg.Timeout = 2 * time.Second
	_, err := newTestClient(t, cfg).GetStock(context.Background(), "1")
	if !errors.Is(err, wechatpay.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}

	// A server that hangs: the call ends at the client's deadline, retries
	// included, with context.DeadlineExceeded in the chain.
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	cfg = testConfig(t, hang.URL)
	cfg.Timeout = 200 * time.Millisecond
	done := make(chan error, 1)
	go func() {
		_, err := newTestClient(t, cfg).GetStock(context.Background(), "1")
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, wechatpay.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want unavailable with DeadlineExceeded", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the call did not end at its deadline")
	}

	// The caller's own deadline is honoured too.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	cfg.Timeout = time.Minute
	if _, err := newTestClient(t, cfg).GetStock(ctx, "1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	secrets := []string{
		wechatpaytest.APIv3Key, wechatpaytest.APIv2Key,
		"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDNf74Xk5fPNqYV", // the private key's first line
	}
	s := newPayServer(t)
	c := newTestClient(t, testConfig(t, s.srv.URL))
	var errs []error
	for _, a := range []struct {
		status int
		body   string
	}{{400, `{"code":"PARAM_ERROR","message":"bad"}`}, {500, `{"code":"SYSTEM_ERROR","message":"x"}`}, {200, `not json`}} {
		s.answer(a.status, a.body)
		_, err := c.GetStock(context.Background(), "1")
		errs = append(errs, err)
	}
	s.setTamper(func(h *wechatpay.SignedHeaders, _ *[]byte) { h.Nonce = "other" })
	_, err := c.GetStock(context.Background(), "1")
	errs = append(errs, err)
	s.mu.Lock()
	secrets = append(secrets, s.lastAuth.Signature)
	s.mu.Unlock()
	s.srv.Close()
	_, err = c.GetStock(context.Background(), "1")
	errs = append(errs, err)
	// New's errors on bad configuration name the field, not the value.
	cfg := testConfig(t, "http://x")
	cfg.APIv3Key = []byte(wechatpaytest.APIv3Key[:31])
	_, err = wechatpay.New(cfg)
	errs = append(errs, err)
	cfg = testConfig(t, "http://x")
	cfg.APIv2Key = wechatpaytest.APIv2Key + "x"
	_, err = wechatpay.New(cfg)
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Fatalf("case %d: no error", i)
		}
		for _, sec := range secrets {
			if sec != "" && strings.Contains(err.Error(), sec[:min(len(sec), 31)]) {
				t.Errorf("case %d: error %q holds a secret", i, err)
			}
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	for name, mutate := range map[string]func(*wechatpay.Config){
		"no mchid":          func(c *wechatpay.Config) { c.MchID = "" },
		"no serial":         func(c *wechatpay.Config) { c.MchSerialNo = "" },
		"no private key":    func(c *wechatpay.Config) { c.PrivateKey = nil },
		"id not PUB_KEY_ID": func(c *wechatpay.Config) { c.PublicKeyID = "7132D72A03E93CDDF8C03BBD1F37EEDF43C7B6E8" },
		"no public key":     func(c *wechatpay.Config) { c.PublicKey = nil },
		"short APIv3 key":   func(c *wechatpay.Config) { c.APIv3Key = []byte("short") },
		"bad base":          func(c *wechatpay.Config) { c.BaseURL = "ftp://x" },
	} {
		cfg := testConfig(t, "http://127.0.0.1:1")
		mutate(&cfg)
		if _, err := wechatpay.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestClientNotificationHelpers(t *testing.T) {
	c := newTestClient(t, testConfig(t, "http://127.0.0.1:1"))
	hdr := http.Header{}
	wechatpay.SignedHeaders{Timestamp: "1700000002", Nonce: "D4E5F6A7B8C9D0E1F2A3B4C5D6E7F8A9", Serial: wechatpaytest.PublicKeyID, Signature: n1Sig}.Set(hdr)
	// N1's timestamp is long past: the client's verifier refuses it as stale.
	if _, _, err := c.OpenNotification(hdr, []byte(n1Body)); !errors.Is(err, wechatpay.ErrBadSignature) {
		t.Fatalf("stale N1: err = %v", err)
	}
	// A fresh notification signed like N1 opens.
	pk, _ := wechatpay.ParsePrivateKey([]byte(wechatpaytest.PlatformPrivateKeyPEM))
	sh, _ := wechatpay.SignResponse(pk, wechatpaytest.PublicKeyID, strconv.FormatInt(time.Now().Unix(), 10), "n0nce", []byte(n1Body))
	hdr = http.Header{}
	sh.Set(hdr)
	n, plain, err := c.OpenNotification(hdr, []byte(n1Body))
	if err != nil || n.ID != "8b33f79f-0000-5ae5-b41b-3c0b59f957d0" || string(plain) != n1Plain {
		t.Fatalf("open: %v %+v %s", err, n, plain)
	}
	code, err := c.DecryptCouponCode("Qw3Er5Ty7Ui9", "+02n0M46ayTPb8KW3c0f+CHxUWphk5avYv/GZFekw4RGCprPHlg=")
	if err != nil || code != "1234567890123456789012" {
		t.Fatalf("code %q, %v", code, err)
	}
	sign, err := c.PluginSign([]wechatpay.PluginCoupon{{StockID: "1214", OutRequestNo: "PLUGIN20231115000003", CouponCode: "MYCODE0001"}})
	if err != nil || sign != "8CA66C9B5A2432F13E2443169B55F041AB117FDEEE34FB6CA2DBDC63E746E15F" {
		t.Fatalf("plugin sign %q, %v", sign, err)
	}
}
