package callback_test

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"testing"

	"github.com/wxcoupon/coupon/internal/wechat/callback"
)

// The self-generated vectors of wechat-card-api.md §10.
const (
	vecToken     = "testtoken"
	vecTimestamp = "1700000000"
	vecNonce     = "nonce123"
	vecURLSig    = "ee0843455eb31b87dbf6d6890273a3ab976bd56e"

	vecAESKey  = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
	vecAppID   = "wx0000000000000001"
	vecRandom  = "0123456789abcdef"
	vecMsg     = `<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[card_pass_check]]></Event><CardId><![CDATA[pCardId]]></CardId><RefuseReason><![CDATA[]]></RefuseReason></xml>`
	vecEncrypt = "4j/AuRx71kQlxVlzbpsMWPQ1oGnV9iIvyMVCFgMtllnPAnUt2GERBtUgnbRW0SQ6qyYB9fJMDvZZTwzeb/jUCFVNO7NO+mEq/qSG8/0KgEj9Fr53H2SqcWeWMRVzpIdrMrv1MyzxIXcRFT/ySIQ44gEs+m8g1WiMJe/CAG6dV8UUiAQXgChWoXiNea0DNDDl7wlSXf8C0AsetF74h3XTihfxZkDrsX+WaZFwl0itDFAoVQSxGdEGRwP/hd+kwiVYmjQmdFi7ccnVh7sUwWoWP2BIcNuaUdogRrgKdepIWHwde/EJO/CVqYaGQ94DNhzmzWaEOVVGCuMiDMjrJDsLyxBTuypo2bHEM9f3drda6h8qtNh/9j9kg6eAKrzU09rZXOVIKC+e+U13Er2S1jqAqswp1/WGmHmKdN34op73ONzOvO+onBpPBFKXCB+t2FVR2SXsr+wN4ZKWOFJGiybOjA=="
	vecMsgSig  = "5887f3b1d3901a6071475cee31c384834ee43ad8"
)

// sampleUserGetCard is the user_get_card example of §8.5, spaces and all.
const sampleUserGetCard = `<xml>
  <ToUserName><![CDATA[gh_fc0a06a20993]]></ToUserName>
  <FromUserName><![CDATA[oZI8Fj040-be6rlDohc6gkoPOQTQ]]></FromUserName>
  <CreateTime>1472551036</CreateTime>
  <MsgType><![CDATA[event]]></MsgType>
  <Event><![CDATA[user_get_card]]></Event>
  <CardId><![CDATA[pZI8Fjwsy5fVPRBeD78J4RmqVvBc]]></CardId>
  <IsGiveByFriend>0</IsGiveByFriend>
  <UserCardCode><![CDATA[226009850808]]></UserCardCode>
  <FriendUserName><![CDATA[]]></FriendUserName>
  <OuterId>0</OuterId>
  <OldUserCardCode><![CDATA[]]></OldUserCardCode>
  <OuterStr><![CDATA[12b]]></OuterStr>
  <IsRestoreMemberCard>0</IsRestoreMemberCard>
  <IsRecommendByFriend>0</IsRecommendByFriend>
</xml>`

// vecKey is the AES key of §10: bytes 0x00..0x1f.
func vecKey() []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = byte(i)
	}
	return k
}

func newVecCrypter(t testing.TB) *callback.Crypter {
	t.Helper()
	c, err := callback.NewCrypter(vecToken, vecAESKey, vecAppID)
	if err != nil {
		t.Fatalf("NewCrypter: %v", err)
	}
	return c
}

// rawEncrypt encrypts plain (whole AES blocks) with the §10 key and IV,
// without any layout or padding, to build hostile ciphertexts.
func rawEncrypt(t testing.TB, plain []byte) string {
	t.Helper()
	block, err := aes.NewCipher(vecKey())
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, vecKey()[:16]).CryptBlocks(out, plain)
	return base64.StdEncoding.EncodeToString(out)
}

// rawDecrypt decrypts with the §10 key and IV, leaving the padding on.
func rawDecrypt(t testing.TB, encrypted string) []byte {
	t.Helper()
	buf, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(vecKey())
	if err != nil {
		t.Fatal(err)
	}
	cipher.NewCBCDecrypter(block, vecKey()[:16]).CryptBlocks(buf, buf)
	return buf
}
