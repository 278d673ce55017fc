package handler

import (
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/gin-gonic/gin"
)

var cardExtSeeds = []string{
	`{"cards":[{"card_id":"pABC"}]}`,
	`{"cards":[{"card_id":"pABC"},{"card_id":"pDEF","code":"123","outer_str":"x"}]}`,
	` { "cards" : [ { "card_id" : "p1" , "code":"" } ] } `,
	`{"cards":[]}`,
	`{"cards":[{}]}`,
	`{"cards":[{"card_id":"a","card_id":"b"}]}`,
	`{"cards":[{"card_id":"卡券"}]}`,
	`{"cards":[{"card_id":"a\"b"}]}`,
	`{"cards":[{"Card_ID":"a"}]}`,
	`{"cards":[{"card_id":"a","fixed_begintimestamp":1700000000}]}`,
	`{"cards":null}`,
	`{"cards":[{"card_id":"a"}],"cards":[]}`,
	`{"cards":[{"card_id":"a"}]} x`,
	`{"cards":[{"card_id":"a"}]`,
	`{"cards":[{"card_id":1}]}`,
	"{\"cards\":[{\"card_id\":\"a\xff\"}]}",
	"{\"cards\":[{\"card_id\":\"a\tb\"}]}",
	`[]`,
	``,
}

// The fast path accepts the usual bodies and, for every body it accepts,
// gives exactly what json.Unmarshal gives.
func TestDecodeCardExtFastMatchesJSON(t *testing.T) {
	t.Parallel()
	for _, body := range cardExtSeeds {
		checkFastDecode(t, []byte(body))
	}
	for _, body := range cardExtSeeds[:7] {
		if _, ok := decodeCardExtFast([]byte(body)); !ok {
			t.Errorf("fast path refused the usual body %s", body)
		}
	}
	for _, body := range cardExtSeeds[7:] {
		if _, ok := decodeCardExtFast([]byte(body)); ok {
			t.Errorf("fast path accepted %q, which it should leave to encoding/json", body)
		}
	}
}

func FuzzDecodeCardExtFast(f *testing.F) {
	for _, s := range cardExtSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkFastDecode(t, body) })
}

func checkFastDecode(t *testing.T, body []byte) {
	t.Helper()
	fast, ok := decodeCardExtFast(body)
	if !ok {
		return
	}
	var want cardExtRequest
	if err := json.Unmarshal(body, &want); err != nil {
		t.Fatalf("fast path accepted %q, which encoding/json rejects: %v", body, err)
	}
	if !reflect.DeepEqual(fast, want.Cards) {
		t.Fatalf("%q: fast path gave %+v, encoding/json %+v", body, fast, want.Cards)
	}
}

// The card-ext body the mini-program sends most: one card.
func BenchmarkCardExtDecode(b *testing.B) {
	body := []byte(`{"cards":[{"card_id":"pFS7Fjg8kV1IdDz01r4SQwMkuCKc"}]}`)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := decodeCardExtFast(body); !ok {
				b.Fatal("refused")
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var req cardExtRequest
			if err := json.Unmarshal(body, &req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The card-ext answer is what c.JSON writes, byte for byte, whichever path
// writes it.
func TestWriteCardExtMatchesJSON(t *testing.T) {
	t.Parallel()
	for _, items := range [][]cardExtItem{
		{},
		{{CardID: "pABC", CardExt: `{"timestamp":"1700000000","nonce_str":"abc","signature":"f00"}`}},
		{{CardID: "p1", CardExt: `{"outer_str":"a b ~!@#$%^*()_+-=[]{}|;:',./?"}`}, {CardID: "p2", CardExt: "{}"}},
		{{CardID: "p1", CardExt: `{"outer_str":"<script>&"}`}},
		{{CardID: "p1", CardExt: `{"outer_str":"券\u2028\\"}`}},
		{{CardID: "p1", CardExt: "tab\there\x7f"}},
		{{CardID: "bad\xff", CardExt: "{}"}},
	} {
		want, err := json.Marshal(cardExtAnswer{CardList: items})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(rec)
		writeCardExt(c, items)
		if got := rec.Body.String(); got != string(want) {
			t.Errorf("answer = %s\nwant     %s", got, want)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
	}
}
