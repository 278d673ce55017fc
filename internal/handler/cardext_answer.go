package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// writeCardExt answers card-ext. Its strings are almost always printable
// ASCII (card ids, the cardExt JSON), which is appended directly: what
// encoding/json would write, byte for byte, without reflection. Anything
// else goes through c.JSON.
func writeCardExt(c *gin.Context, items []cardExtItem) {
	buf := make([]byte, 0, 64+len(items)*256)
	buf = append(buf, `{"card_list":[`...)
	for i, it := range items {
		if i > 0 {
			buf = append(buf, ',')
		}
		var ok1, ok2 bool
		buf = append(buf, `{"cardId":`...)
		buf, ok1 = appendPlainJSONString(buf, it.CardID)
		buf = append(buf, `,"cardExt":`...)
		buf, ok2 = appendPlainJSONString(buf, it.CardExt)
		if !ok1 || !ok2 {
			c.JSON(http.StatusOK, cardExtAnswer{CardList: items})
			return
		}
		buf = append(buf, '}')
	}
	buf = append(buf, "]}"...)
	c.Data(http.StatusOK, "application/json; charset=utf-8", buf)
}

// appendPlainJSONString appends s as a JSON string when it holds only
// printable ASCII other than \ < > & (which encoding/json escapes), escaping
// the quotes; ok is false otherwise.
func appendPlainJSONString(buf []byte, s string) ([]byte, bool) {
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '"':
			buf = append(buf, '\\', '"')
		case ch < 0x20 || ch > 0x7e || ch == '\\' || ch == '<' || ch == '>' || ch == '&':
			return buf, false
		default:
			buf = append(buf, ch)
		}
	}
	return append(buf, '"'), true
}
