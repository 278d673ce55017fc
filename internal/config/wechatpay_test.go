package config_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/config"
	"github.com/wxcoupon/coupon/internal/wechatpay"
	"github.com/wxcoupon/coupon/internal/wechatpay/wechatpaytest"
)

// payEnv is a complete WeChat Pay merchant beside a production WeChat
// configuration, with the keys in files under a temp dir.
func payEnv(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return map[string]string{
		"WECHAT_APP_ID": "wx1", "WECHAT_APP_SECRET": "s", "WECHAT_MINIAPP_ID": "wx2", "WECHAT_MINIAPP_SECRET": "s2",
		"JWT_SECRET":                     "0123456789abcdef0123456789abcdef",
		"WECHATPAY_MCH_ID":               wechatpaytest.MchID,
		"WECHATPAY_MCH_SERIAL_NO":        wechatpaytest.MerchantSerial,
		"WECHATPAY_MCH_PRIVATE_KEY_FILE": write("apiclient_key.pem", wechatpaytest.MerchantPrivateKeyPEM),
		"WECHATPAY_PUBLIC_KEY_ID":        wechatpaytest.PublicKeyID,
		"WECHATPAY_PUBLIC_KEY_FILE":      write("pub_key.pem", wechatpaytest.PlatformPublicKeyPEM),
		"WECHATPAY_APIV3_KEY":            wechatpaytest.APIv3Key,
		"WECHATPAY_APIV2_KEY":            wechatpaytest.APIv2Key,
	}
}

func edit(base map[string]string, kv ...string) map[string]string {
	m := map[string]string{}
	for k, v := range base {
		m[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(m, kv[i])
		} else {
			m[kv[i]] = kv[i+1]
		}
	}
	return m
}

func TestWeChatPayLoads(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(payEnv(t)))
	if err != nil {
		t.Fatal(err)
	}
	p := c.WeChatPay
	if !p.Enabled() || p.Sandbox || p.MchID != wechatpaytest.MchID || p.APIBase != "https://api.mch.weixin.qq.com" || p.Timeout != 5*time.Second ||
		p.PrivateKey == nil || p.PublicKey == nil || p.PublicKeyID != wechatpaytest.PublicKeyID {
		t.Fatalf("WeChatPay = %+v", p)
	}
	if _, err := wechatpay.New(p.ClientConfig()); err != nil {
		t.Fatalf("the loaded settings do not make a client: %v", err)
	}

	// Inline PEM, also on one line with literal \n as env files carry it; a
	// PKCS#1 private key; another base and timeout.
	inline := edit(payEnv(t),
		"WECHATPAY_MCH_PRIVATE_KEY_FILE", "", "WECHATPAY_MCH_PRIVATE_KEY", strings.ReplaceAll(wechatpaytest.MerchantPrivateKeyPKCS1PEM, "\n", `\n`),
		"WECHATPAY_PUBLIC_KEY_FILE", "", "WECHATPAY_PUBLIC_KEY", wechatpaytest.PlatformPublicKeyPEM,
		"WECHATPAY_API_BASE", "http://127.0.0.1:9100/sandbox/wechat/", "WECHATPAY_TIMEOUT", "2s")
	c, err = config.Load(env(inline))
	if err != nil {
		t.Fatal(err)
	}
	if c.WeChatPay.PrivateKey == nil || c.WeChatPay.APIBase != "http://127.0.0.1:9100/sandbox/wechat" || c.WeChatPay.Timeout != 2*time.Second {
		t.Fatalf("inline: %+v", c.WeChatPay)
	}

	// No merchant outside sandbox mode: off.
	c, err = config.Load(env(edit(payEnv(t), "WECHATPAY_MCH_ID", "", "WECHATPAY_MCH_SERIAL_NO", "", "WECHATPAY_MCH_PRIVATE_KEY_FILE", "",
		"WECHATPAY_PUBLIC_KEY_ID", "", "WECHATPAY_PUBLIC_KEY_FILE", "", "WECHATPAY_APIV3_KEY", "", "WECHATPAY_APIV2_KEY", "")))
	if err != nil || c.WeChatPay.Enabled() {
		t.Fatalf("without WECHATPAY_MCH_ID: %+v, %v", c.WeChatPay, err)
	}
}

func TestWeChatPaySandboxMerchant(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	p := c.WeChatPay
	if !c.Sandbox || !p.Sandbox || p.MchID != wechatpaytest.MchID || p.PrivateKey == nil || p.PublicKey == nil {
		t.Fatalf("sandbox WeChatPay = %+v", p)
	}
	if _, err := wechatpay.New(p.ClientConfig()); err != nil {
		t.Fatal(err)
	}
}

func TestWeChatPayRejectsNamingTheVariable(t *testing.T) {
	t.Parallel()
	base := payEnv(t)
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     map[string]string
		wantVar string
	}{
		{"private key file missing", edit(base, "WECHATPAY_MCH_PRIVATE_KEY_FILE", filepath.Join(dir, "nope.pem")), "WECHATPAY_MCH_PRIVATE_KEY_FILE"},
		{"private key does not parse", edit(base, "WECHATPAY_MCH_PRIVATE_KEY_FILE", garbage), "WECHATPAY_MCH_PRIVATE_KEY_FILE"},
		{"inline private key does not parse", edit(base, "WECHATPAY_MCH_PRIVATE_KEY_FILE", "", "WECHATPAY_MCH_PRIVATE_KEY", "not a key"), "WECHATPAY_MCH_PRIVATE_KEY"},
		{"public key given as private key", edit(base, "WECHATPAY_MCH_PRIVATE_KEY_FILE", base["WECHATPAY_PUBLIC_KEY_FILE"]), "WECHATPAY_MCH_PRIVATE_KEY_FILE"},
		{"private key file and inline", edit(base, "WECHATPAY_MCH_PRIVATE_KEY", wechatpaytest.MerchantPrivateKeyPEM), "WECHATPAY_MCH_PRIVATE_KEY"},
		{"public key does not parse", edit(base, "WECHATPAY_PUBLIC_KEY_FILE", "", "WECHATPAY_PUBLIC_KEY", "garbage"), "WECHATPAY_PUBLIC_KEY"},
		{"private key given as public key", edit(base, "WECHATPAY_PUBLIC_KEY_FILE", base["WECHATPAY_MCH_PRIVATE_KEY_FILE"]), "WECHATPAY_PUBLIC_KEY_FILE"},
		{"public key id without key", edit(base, "WECHATPAY_PUBLIC_KEY_FILE", ""), "WECHATPAY_PUBLIC_KEY_FILE"},
		{"public key without id", edit(base, "WECHATPAY_PUBLIC_KEY_ID", ""), "WECHATPAY_PUBLIC_KEY_ID"},
		{"id is a certificate serial", edit(base, "WECHATPAY_PUBLIC_KEY_ID", "7132D72A03E93CDDF8C03BBD1F37EEDF43C7B6E8"), "WECHATPAY_PUBLIC_KEY_ID"},
		{"apiv3 key short", edit(base, "WECHATPAY_APIV3_KEY", wechatpaytest.APIv3Key[:31]), "WECHATPAY_APIV3_KEY"},
		{"apiv3 key long", edit(base, "WECHATPAY_APIV3_KEY", wechatpaytest.APIv3Key+"x"), "WECHATPAY_APIV3_KEY"},
		{"apiv2 key short", edit(base, "WECHATPAY_APIV2_KEY", "abc"), "WECHATPAY_APIV2_KEY"},
		{"serial not hex", edit(base, "WECHATPAY_MCH_SERIAL_NO", "serial-1"), "WECHATPAY_MCH_SERIAL_NO"},
		{"mch id not digits", edit(base, "WECHATPAY_MCH_ID", "merchant"), "WECHATPAY_MCH_ID"},
		{"mch id without serial", edit(base, "WECHATPAY_MCH_SERIAL_NO", ""), "WECHATPAY_MCH_SERIAL_NO"},
		{"mch id without private key", edit(base, "WECHATPAY_MCH_PRIVATE_KEY_FILE", ""), "WECHATPAY_MCH_PRIVATE_KEY_FILE"},
		{"mch id without public key", edit(base, "WECHATPAY_PUBLIC_KEY_ID", "", "WECHATPAY_PUBLIC_KEY_FILE", ""), "WECHATPAY_PUBLIC_KEY_ID"},
		{"mch id without apiv3 key", edit(base, "WECHATPAY_APIV3_KEY", ""), "WECHATPAY_APIV3_KEY"},
		{"mch id without apiv2 key", edit(base, "WECHATPAY_APIV2_KEY", ""), "WECHATPAY_APIV2_KEY"},
		{"keys without mch id", edit(base, "WECHATPAY_MCH_ID", ""), "WECHATPAY_MCH_ID"},
		{"api base not a url", edit(base, "WECHATPAY_API_BASE", "api.mch.weixin.qq.com"), "WECHATPAY_API_BASE"},
		{"timeout not a duration", edit(base, "WECHATPAY_TIMEOUT", "5"), "WECHATPAY_TIMEOUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load(env(tt.env))
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("Load = %v, want *config.Error", err)
			}
			if ce.Var != tt.wantVar {
				t.Errorf("variable = %s, want %s (%v)", ce.Var, tt.wantVar, err)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("not one line: %q", msg)
			}
			for _, secret := range []string{wechatpaytest.APIv3Key[:31], wechatpaytest.APIv2Key[:3], "MIIE", "BEGIN"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error quotes a key: %q", msg)
				}
			}
		})
	}
}

func TestWeChatPayKeysNeverLogged(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(payEnv(t)))
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprint(c.LogAttrs()...)
	for _, want := range []string{"wechatpay_mch_id" + wechatpaytest.MchID, "wechatpay_public_key_id" + wechatpaytest.PublicKeyID, "wechatpay_apiv3_key***"} {
		if !strings.Contains(out, want) {
			t.Errorf("log attrs lack %s: %s", want, out)
		}
	}
	for _, secret := range []string{wechatpaytest.APIv3Key, wechatpaytest.APIv2Key, "MIIE", "PRIVATE"} {
		if strings.Contains(out, secret) {
			t.Errorf("log attrs show a key: %s", out)
		}
	}
}
