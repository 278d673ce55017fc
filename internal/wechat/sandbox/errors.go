package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// wxError is a WeChat error answer. detail says which rule failed; WeChat's
// own paths only log it (their errmsg is WeChat's text plus a rid), driver
// paths put it in the errmsg.
type wxError struct {
	code   int
	detail string
}

func (e *wxError) Error() string { return fmt.Sprintf("%d %s: %s", e.code, errText(e.code), e.detail) }

func wxErr(code int, detail string) *wxError { return &wxError{code: code, detail: detail} }

func wxErrf(code int, format string, args ...any) *wxError {
	return &wxError{code: code, detail: fmt.Sprintf(format, args...)}
}

// errTexts are WeChat's English errmsg texts (wechat-card-api.md §9). Where
// the doc marks the English wording unconfirmed, the text is the one real
// servers are commonly quoted with.
var errTexts = map[int]string{
	-1:    "system error",
	40001: "invalid credential, access_token is invalid or not latest",
	40002: "invalid grant_type",
	40004: "invalid media type",
	40005: "invalid file type",
	40009: "invalid image size",
	40013: "invalid appid",
	40014: "invalid access_token",
	40029: "invalid code",
	40056: "invalid serial code",
	40071: "invalid card type",
	40073: "invalid card id",
	40075: "invalid encrypt code",
	40076: "invalid color id",
	40078: "invalid card status",
	40079: "invalid time",
	40080: "invalid card ext",
	40097: "invalid args",
	40099: "invalid code, this code has consumed.",
	40100: "invalid DateInfo, Make Sure OldDateInfoType==NewDateInfoType && NewBeginTime<=OldBeginTime && OldEndTime<= NewEndTime",
	40116: "invalid code",
	40122: "invalid card quantity",
	40125: "invalid appsecret",
	40127: "invalid user-card status! Hint: the card was given to user, but may be deleted or expired or set unavailable !",
	40147: "invalid consume! Consume time overranging restricts.",
	40163: "code been used",
	41001: "access_token missing",
	41002: "appid missing",
	41004: "appsecret missing",
	41005: "media data missing",
	41008: "missing code",
	41011: "missing required fields! please check document and request json!",
	41012: "missing card id",
	41013: "missing code",
	42001: "access_token expired",
	43001: "require GET method",
	43002: "require POST method",
	44001: "empty media data",
	44002: "empty post data",
	45009: "reach max api daily quota limit",
	45011: "api minute-quota reach limit mustslower retry next minute",
	45021: "some argument may be out of length limit! please check document and request json!",
	45031: "stock is out of limit",
	45033: "user get card num is out of get_limit",
	45041: "this card reach total sku quantity limit!",
	47001: "data format error",
	48001: "api unauthorized",
}

func errText(code int) string {
	if t, known := errTexts[code]; known {
		return t
	}
	return "sandbox fault " + strconv.Itoa(code)
}

// errBody is WeChat's error (and plain success) body.
type errBody struct {
	Errcode int    `json:"errcode"`
	Errmsg  string `json:"errmsg"`
}

// okBody is embedded in success replies that carry errcode 0.
type okBody = errBody

var ok = okBody{Errcode: 0, Errmsg: "ok"}

// write answers a handler's result: a *wxError or a value to encode.
// WeChat answers errors with HTTP 200; driver endpoints answer bad input
// with 400 (a test misusing the driver should see it) but add-card's
// refusals, which play WeChat's, with 200.
func (e *Emulator) write(w http.ResponseWriter, path string, rt route, out any) {
	status := http.StatusOK
	if werr, isErr := out.(*wxError); isErr {
		body := errBody{Errcode: werr.code}
		if rt.wechat {
			body.Errmsg = errText(werr.code) + " rid: " + newRID()
		} else {
			body.Errmsg = errText(werr.code) + ": " + werr.detail
			if driverInputError(werr.code) {
				status = http.StatusBadRequest
			}
		}
		e.log.Debug("wechat error", "path", path, "errcode", werr.code, "detail", werr.detail)
		out = body
	} else {
		e.log.Debug("wechat ok", "path", path)
	}
	writeJSON(w, status, out)
}

// driverInputError reports the errcodes that mean "the driver request itself
// is wrong" rather than "WeChat refuses this".
func driverInputError(code int) bool {
	switch code {
	case 40097, 41011, 43001, 43002, 44002, 47001:
		return true
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, "encode: "+err.Error(), http.StatusInternalServerError)
		return
	}
	// WeChat's observed header.
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
