package service

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"
)

// The out_request_no of the send-coupon plugin must be "remembered with the
// caller's openid" so that a confirm records a coupon only when WeChat Pay
// sent it for a number this server issued to the caller. With
// CouponsConfig.SendNoKey set, the number carries that memory itself:
//
//	"S" + issue time (8 hex, Unix seconds) + 16 random hex + 32 hex of
//	HMAC-SHA256(key, openid, stock_id, time, random)
//
// A confirm recomputes the MAC with the caller's openid and the item's
// stock: only this server (every replica: the key is derived from the
// merchant's APIv2 key, which they share and which never leaves the server)
// can make a number that passes, and a number passes only for the user and
// stock it was made for, for sendNoTTL. That is all the Redis record proved,
// without a Redis write per send-coupon-params and a read per confirm.
// Nothing else read the record. A replay is harmless: WeChat Pay sends at
// most one coupon per (stock, user, out_request_no) (DUPREQUEST), and a
// confirm records a coupon once.
//
// Without a key (and for numbers issued before it was set: 32 hex digits),
// the number is a random one kept in the shared cache with the openid, as
// before.

// sendNoMACLen is the MAC's length in bytes (128 bits).
const sendNoMACLen = 16

// sendNoLen is the length of a signed out_request_no.
const sendNoLen = 1 + 8 + 16 + 2*sendNoMACLen

// sendNoSkew tolerates replicas whose clocks differ a little.
const sendNoSkew = 5 * time.Minute

// SendNoKey derives the key of signed out_request_nos from a server secret
// (the merchant's APIv2 key), so that no key is used for two purposes.
func SendNoKey(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("wxcoupon send-coupon out_request_no v1"))
	return m.Sum(nil)
}

// issueSendNo makes a fresh out_request_no for openID and stockID.
func (s *Coupons) issueSendNo(openID, stockID string) string {
	if len(s.cfg.SendNoKey) == 0 {
		return newSendNo()
	}
	var body [12]byte
	binary.BigEndian.PutUint32(body[:4], uint32(s.now().Unix()))
	_, _ = rand.Read(body[4:]) // crypto/rand.Read never fails
	out := make([]byte, 0, sendNoLen)
	out = append(out, 'S')
	out = hex.AppendEncode(out, body[:])
	return string(hex.AppendEncode(out, s.sendNoMAC(openID, stockID, body[:])))
}

func (s *Coupons) sendNoMAC(openID, stockID string, body []byte) []byte {
	m := hmac.New(sha256.New, s.cfg.SendNoKey)
	m.Write([]byte(openID))
	m.Write([]byte{0})
	m.Write([]byte(stockID))
	m.Write([]byte{0})
	m.Write(body)
	return m.Sum(nil)[:sendNoMACLen]
}

// signedSendNo reports whether no has the signed form (whatever its MAC).
func (s *Coupons) signedSendNo(no string) bool {
	return len(s.cfg.SendNoKey) > 0 && len(no) == sendNoLen && no[0] == 'S'
}

// sendNoIssuedTo reports whether no was issued to openID for stockID and is
// still redeemable: by its MAC when signed, else by the shared cache.
func (s *Coupons) sendNoIssuedTo(ctx context.Context, openID, stockID, no string) (bool, error) {
	if no == "" {
		return false, nil
	}
	if !s.signedSendNo(no) {
		holder, found, err := s.kv.Get(ctx, sendNoKey(stockID, no))
		if err != nil {
			return false, fmt.Errorf("read issued out_request_no: %w", err)
		}
		return found && holder == openID, nil
	}
	body, err := hex.DecodeString(no[1 : 1+24])
	if err != nil {
		return false, nil
	}
	mac, err := hex.DecodeString(no[1+24:])
	if err != nil || !hmac.Equal(mac, s.sendNoMAC(openID, stockID, body)) {
		return false, nil
	}
	issued := time.Unix(int64(binary.BigEndian.Uint32(body[:4])), 0)
	now := s.now()
	return !issued.After(now.Add(sendNoSkew)) && now.Sub(issued) < sendNoTTL, nil
}
