package wechatpay

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// ParsePrivateKey reads an RSA private key from PEM: PKCS#8 ("PRIVATE KEY",
// as apiclient_key.pem) or PKCS#1 ("RSA PRIVATE KEY"). Errors never quote the
// input.
func ParsePrivateKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("wechatpay: private key: no PEM block")
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("wechatpay: private key: not a valid PKCS#8 key")
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("wechatpay: private key: %T is not RSA", k)
		}
		return rk, nil
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("wechatpay: private key: not a valid PKCS#1 key")
		}
		return k, nil
	default:
		return nil, fmt.Errorf("wechatpay: private key: PEM block %q is not a private key", block.Type)
	}
}

// ParsePublicKey reads an RSA public key from PEM: PKIX ("PUBLIC KEY", as the
// 微信支付公钥 file pub_key.pem), PKCS#1 ("RSA PUBLIC KEY") or the public key
// of a certificate ("CERTIFICATE").
func ParsePublicKey(pemBytes []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("wechatpay: public key: no PEM block")
	}
	var k any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		k, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		k, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var c *x509.Certificate
		if c, err = x509.ParseCertificate(block.Bytes); err == nil {
			k = c.PublicKey
		}
	default:
		return nil, fmt.Errorf("wechatpay: public key: PEM block %q is not a public key", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("wechatpay: public key: %q block does not parse", block.Type)
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("wechatpay: public key: %T is not RSA", k)
	}
	return rk, nil
}
