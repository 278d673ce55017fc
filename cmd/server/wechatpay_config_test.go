package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wxcoupon/coupon/internal/config"
	"github.com/wxcoupon/coupon/internal/testenv"
	"github.com/wxcoupon/coupon/internal/wechatpay/wechatpaytest"
)

// wechatPayEnv adds a WeChat Pay merchant, keys inline, to env.
func wechatPayEnv(env map[string]string) map[string]string {
	env["WECHATPAY_MCH_ID"] = wechatpaytest.MchID
	env["WECHATPAY_MCH_SERIAL_NO"] = wechatpaytest.MerchantSerial
	env["WECHATPAY_MCH_PRIVATE_KEY"] = wechatpaytest.MerchantPrivateKeyPEM
	env["WECHATPAY_PUBLIC_KEY_ID"] = wechatpaytest.PublicKeyID
	env["WECHATPAY_PUBLIC_KEY"] = wechatpaytest.PlatformPublicKeyPEM
	env["WECHATPAY_APIV3_KEY"] = wechatpaytest.APIv3Key
	env["WECHATPAY_APIV2_KEY"] = wechatpaytest.APIv2Key
	return env
}

// The start-up log names the WeChat Pay merchant and masks every key.
func TestWeChatPayKeysStayOutOfTheStartLog(t *testing.T) {
	t.Parallel()
	_, prefix := testenv.Redis(t)
	env := wechatPayEnv(productionEnv(t, testenv.MySQLDSN(t), prefix, emulator(t)))
	env["LOG_LEVEL"] = "info"
	logs := &syncBuffer{}
	startServerTo(t, env, logs)
	out := logs.String()
	for _, want := range []string{`"wechatpay_mch_id":"` + wechatpaytest.MchID + `"`, `"wechatpay_apiv3_key":"***"`, `"wechatpay_mch_private_key":"***"`} {
		if !strings.Contains(out, want) {
			t.Errorf("start log lacks %s:\n%s", want, out)
		}
	}
	for what, secret := range map[string]string{
		"APIv3 key": wechatpaytest.APIv3Key, "APIv2 key": wechatpaytest.APIv2Key,
		"private key": strings.Split(wechatpaytest.MerchantPrivateKeyPEM, "\n")[1],
	} {
		if strings.Contains(out, secret) {
			t.Errorf("the logs contain the %s", what)
		}
	}
}

// A WeChat Pay key that is wrong stops the start with one line naming it.
func TestWeChatPayBadKeyStopsTheStart(t *testing.T) {
	t.Parallel()
	env := wechatPayEnv(productionEnv(t, "root:@tcp(127.0.0.1:1)/none", "unused:", "http://127.0.0.1:1"))
	env["WECHATPAY_APIV3_KEY"] = wechatpaytest.APIv3Key[:30]
	err := run(context.Background(), nil, func(k string) string { return env[k] }, &syncBuffer{}, nil)
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Var != "WECHATPAY_APIV3_KEY" || strings.Contains(err.Error(), "\n") ||
		strings.Contains(err.Error(), wechatpaytest.APIv3Key[:30]) {
		t.Fatalf("run = %v, want one line naming WECHATPAY_APIV3_KEY", err)
	}
}
