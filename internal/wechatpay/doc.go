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
// Client (client.go) signs and sends calls, verifies answers and repeats
// idempotent calls after transient failures; busifavor_*.go hold the 商家券
// calls and their wire types, which only internal/busifavor (the provider
// adapter) should see. Its errors, for the adapter to map:
//
//   - IsUnavailable(err) (*UnavailableError): no usable answer in time —
//     upstream_unavailable;
//   - errors.Is(err, ErrBadSignature): an answer that failed verification —
//     upstream_error (never trusted, never repeated);
//   - AsError(err) (*Error): WeChat Pay's refusal; branch with IsNotFound,
//     IsParamError, IsInvalidRequest, IsNoAuth, IsSignError, IsCode…
//
// No private key, APIv3/APIv2 key or signature value ever appears in an error
// or a log line.
package wechatpay
