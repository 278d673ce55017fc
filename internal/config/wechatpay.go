package config

import (
	"crypto/rsa"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/wxcoupon/coupon/internal/wechatpay"
	"github.com/wxcoupon/coupon/internal/wechatpay/wechatpaytest"
)

// WeChatPay is the WeChat Pay merchant (商家券) configuration. MchID empty:
// not configured (the 商家券 routes answer 404), unless sandbox mode fills in
// the emulator's merchant.
type WeChatPay struct {
	MchID       string
	APIBase     string
	MchSerialNo string
	PrivateKey  *rsa.PrivateKey
	PublicKeyID string
	PublicKey   *rsa.PublicKey
	APIv3Key    string
	APIv2Key    string
	Timeout     time.Duration
	// Sandbox: the emulator's fixed merchant, never a real one.
	Sandbox bool
}

// Enabled reports whether a merchant is configured.
func (p WeChatPay) Enabled() bool { return p.MchID != "" }

// ClientConfig is the wechatpay.Config for this merchant; the caller adds
// the logger and hooks (and, in sandbox mode, the emulator's base URL).
func (p WeChatPay) ClientConfig() wechatpay.Config {
	var v3 []byte
	if p.APIv3Key != "" {
		v3 = []byte(p.APIv3Key)
	}
	return wechatpay.Config{
		BaseURL: p.APIBase, MchID: p.MchID, MchSerialNo: p.MchSerialNo, PrivateKey: p.PrivateKey,
		PublicKeyID: p.PublicKeyID, PublicKey: p.PublicKey, APIv3Key: v3, APIv2Key: p.APIv2Key,
		Timeout: p.Timeout,
	}
}

// wechatPayNames are the variables loadWeChatPay reads.
var wechatPayNames = []string{
	"WECHATPAY_MCH_ID", "WECHATPAY_API_BASE", "WECHATPAY_MCH_SERIAL_NO",
	"WECHATPAY_MCH_PRIVATE_KEY_FILE", "WECHATPAY_MCH_PRIVATE_KEY",
	"WECHATPAY_PUBLIC_KEY_ID", "WECHATPAY_PUBLIC_KEY_FILE", "WECHATPAY_PUBLIC_KEY",
	"WECHATPAY_APIV3_KEY", "WECHATPAY_APIV2_KEY", "WECHATPAY_TIMEOUT",
}

// loadWeChatPay reads and checks the WECHATPAY_* variables. Every failure is
// one *Error naming the variable; no key is ever quoted.
func loadWeChatPay(get func(k, def string) string) (WeChatPay, error) {
	p := WeChatPay{
		MchID:       get("WECHATPAY_MCH_ID", ""),
		APIBase:     strings.TrimRight(get("WECHATPAY_API_BASE", wechatpay.DefaultBaseURL), "/"),
		MchSerialNo: get("WECHATPAY_MCH_SERIAL_NO", ""),
		PublicKeyID: get("WECHATPAY_PUBLIC_KEY_ID", ""),
		APIv3Key:    get("WECHATPAY_APIV3_KEY", ""),
		APIv2Key:    get("WECHATPAY_APIV2_KEY", ""),
	}
	if u, err := url.Parse(p.APIBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.User != nil {
		return WeChatPay{}, &Error{"WECHATPAY_API_BASE", "want an http(s) URL without query or credentials"}
	}
	var err error
	if p.Timeout, err = time.ParseDuration(get("WECHATPAY_TIMEOUT", "5s")); err != nil || p.Timeout <= 0 {
		return WeChatPay{}, &Error{"WECHATPAY_TIMEOUT", "want a positive duration such as 5s"}
	}
	privPEM, privVar, err := pemFrom(get, "WECHATPAY_MCH_PRIVATE_KEY_FILE", "WECHATPAY_MCH_PRIVATE_KEY")
	if err != nil {
		return WeChatPay{}, err
	}
	pubPEM, pubVar, err := pemFrom(get, "WECHATPAY_PUBLIC_KEY_FILE", "WECHATPAY_PUBLIC_KEY")
	if err != nil {
		return WeChatPay{}, err
	}
	if privPEM != nil {
		if p.PrivateKey, err = wechatpay.ParsePrivateKey(privPEM); err != nil {
			return WeChatPay{}, &Error{privVar, "not an RSA private key in PEM (PKCS#8 \"PRIVATE KEY\" as apiclient_key.pem, or PKCS#1)"}
		}
		if p.PrivateKey.N.BitLen() < 2048 {
			return WeChatPay{}, &Error{privVar, "want an RSA key of at least 2048 bits"}
		}
	}
	if pubPEM != nil {
		if p.PublicKey, err = wechatpay.ParsePublicKey(pubPEM); err != nil {
			return WeChatPay{}, &Error{pubVar, "not an RSA public key in PEM (the 微信支付公钥 file pub_key.pem)"}
		}
	}
	switch {
	case p.PublicKeyID != "" && !strings.HasPrefix(p.PublicKeyID, wechatpay.PublicKeyIDPrefix):
		return WeChatPay{}, &Error{"WECHATPAY_PUBLIC_KEY_ID", "want the 微信支付公钥 id, starting " + wechatpay.PublicKeyIDPrefix}
	case p.PublicKeyID != "" && p.PublicKey == nil:
		return WeChatPay{}, &Error{"WECHATPAY_PUBLIC_KEY_FILE", "WECHATPAY_PUBLIC_KEY_FILE (or WECHATPAY_PUBLIC_KEY) is required with WECHATPAY_PUBLIC_KEY_ID"}
	case p.PublicKey != nil && p.PublicKeyID == "":
		return WeChatPay{}, &Error{"WECHATPAY_PUBLIC_KEY_ID", "required with " + pubVar}
	case p.APIv3Key != "" && len(p.APIv3Key) != wechatpay.APIv3KeyLen:
		return WeChatPay{}, &Error{"WECHATPAY_APIV3_KEY", "want 32 characters (the APIv3 key as set on the merchant platform)"}
	case p.APIv2Key != "" && len(p.APIv2Key) != 32:
		return WeChatPay{}, &Error{"WECHATPAY_APIV2_KEY", "want 32 characters (the API key, API密钥)"}
	case p.MchSerialNo != "" && strings.Trim(p.MchSerialNo, "0123456789ABCDEFabcdef") != "":
		return WeChatPay{}, &Error{"WECHATPAY_MCH_SERIAL_NO", "want the merchant API certificate's serial (hexadecimal)"}
	}
	if p.MchID == "" {
		for _, v := range [...]struct{ name, value string }{
			{"WECHATPAY_MCH_SERIAL_NO", p.MchSerialNo}, {privVar, string(privPEM)}, {"WECHATPAY_PUBLIC_KEY_ID", p.PublicKeyID},
			{"WECHATPAY_APIV3_KEY", p.APIv3Key}, {"WECHATPAY_APIV2_KEY", p.APIv2Key},
		} {
			if v.value != "" {
				return WeChatPay{}, &Error{"WECHATPAY_MCH_ID", "required when " + v.name + " is set"}
			}
		}
		return p, nil
	}
	if len(p.MchID) < 8 || len(p.MchID) > 15 || strings.Trim(p.MchID, "0123456789") != "" {
		return WeChatPay{}, &Error{"WECHATPAY_MCH_ID", "want the merchant number (商户号): 8 to 15 digits"}
	}
	switch {
	case p.MchSerialNo == "":
		return WeChatPay{}, &Error{"WECHATPAY_MCH_SERIAL_NO", "required with WECHATPAY_MCH_ID"}
	case p.PrivateKey == nil:
		return WeChatPay{}, &Error{"WECHATPAY_MCH_PRIVATE_KEY_FILE", "WECHATPAY_MCH_PRIVATE_KEY_FILE (or WECHATPAY_MCH_PRIVATE_KEY) is required with WECHATPAY_MCH_ID"}
	case p.PublicKeyID == "":
		return WeChatPay{}, &Error{"WECHATPAY_PUBLIC_KEY_ID", "required with WECHATPAY_MCH_ID"}
	case p.APIv3Key == "":
		return WeChatPay{}, &Error{"WECHATPAY_APIV3_KEY", "required with WECHATPAY_MCH_ID (notifications are encrypted with it)"}
	case p.APIv2Key == "":
		return WeChatPay{}, &Error{"WECHATPAY_APIV2_KEY", "required with WECHATPAY_MCH_ID (it signs the send-coupon plugin)"}
	}
	return p, nil
}

// pemFrom reads a PEM given either as a file (fileVar) or inline (inlineVar),
// and says which variable it came from. Both at once is an error.
func pemFrom(get func(k, def string) string, fileVar, inlineVar string) ([]byte, string, error) {
	file, inline := get(fileVar, ""), get(inlineVar, "")
	switch {
	case file != "" && inline != "":
		return nil, "", &Error{inlineVar, "set either " + fileVar + " or " + inlineVar + ", not both"}
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, "", &Error{fileVar, "cannot read the file: " + pathError(err)}
		}
		return b, fileVar, nil
	case inline != "":
		// Env files often carry a PEM on one line with literal \n.
		if !strings.Contains(inline, "\n") {
			inline = strings.ReplaceAll(inline, `\n`, "\n")
		}
		return []byte(inline), inlineVar, nil
	}
	return nil, "", nil
}

// pathError is the reason of a file error without its content.
func pathError(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return "unreadable"
}

// SandboxWeChatPay is the emulator's merchant, used in sandbox mode when no
// WECHATPAY_MCH_ID is set: the fixed test keys of the WeChat Pay reference,
// never a real merchant. APIBase is left to the wiring (the emulator).
func SandboxWeChatPay(timeout time.Duration) WeChatPay {
	priv, err := wechatpay.ParsePrivateKey([]byte(wechatpaytest.MerchantPrivateKeyPEM))
	if err != nil {
		panic("config: sandbox merchant key: " + err.Error())
	}
	pub, err := wechatpay.ParsePublicKey([]byte(wechatpaytest.PlatformPublicKeyPEM))
	if err != nil {
		panic("config: sandbox WeChat Pay public key: " + err.Error())
	}
	return WeChatPay{
		MchID: wechatpaytest.MchID, MchSerialNo: wechatpaytest.MerchantSerial, PrivateKey: priv,
		PublicKeyID: wechatpaytest.PublicKeyID, PublicKey: pub,
		APIv3Key: wechatpaytest.APIv3Key, APIv2Key: wechatpaytest.APIv2Key,
		Timeout: timeout, Sandbox: true,
	}
}

// logAttrs shows the WeChat Pay settings with every key masked.
func (p WeChatPay) logAttrs() []any {
	if !p.Enabled() {
		return []any{"wechatpay", "off"}
	}
	mask := func(set bool) string {
		if set {
			return "***"
		}
		return ""
	}
	base := p.APIBase
	if p.Sandbox {
		base = "in-process emulator (sandbox merchant)"
	}
	return []any{
		"wechatpay_mch_id", p.MchID, "wechatpay_api_base", base, "wechatpay_mch_serial_no", p.MchSerialNo,
		"wechatpay_mch_private_key", mask(p.PrivateKey != nil), "wechatpay_public_key_id", p.PublicKeyID,
		"wechatpay_apiv3_key", mask(p.APIv3Key != ""), "wechatpay_apiv2_key", mask(p.APIv2Key != ""),
		"wechatpay_timeout", p.Timeout.String(),
	}
}
