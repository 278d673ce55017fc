// Package wechatpay is the client of WeChat Pay API v3 for 商家券 (merchant
// coupons, "busifavor"), built on the standard library only (the official Go
// SDK is not available through the module proxy here).
//
// The crypto primitives are exported so that the emulator (sandbox) checks and
// produces exactly what the client does:
//
//   - sign.go: the request and answer messages, RSA-SHA256 (PKCS#1 v1.5)
//     signatures, the Authorization header (build and parse);
//   - verify.go: checking an answer's or a notification's Wechatpay-* headers;
//   - aesgcm.go: AES-256-GCM with the APIv3 key (notification resources, the
//     coupon code in jump links);
//   - v2sign.go: the APIv2 HMAC-SHA256 sign of the send-coupon plugin and H5 page;
//   - keys.go: PEM loading; nonce.go: nonces.
//
// No private key, APIv3/APIv2 key or signature value ever appears in an error
// or a log line.
package wechatpay
