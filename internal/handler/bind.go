package handler

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/service"
)

// maxBody bounds every body read through readBody: the JSON requests and
// WeChat's event push.
const maxBody = 1 << 20

// readBody reads a bounded request body, answering 413 past the limit.
func readBody(c *gin.Context) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		abort(c, service.KindTooLarge, fmt.Sprintf("the body is over %d bytes", maxBody), nil)
		return nil, false
	case err != nil:
		abort(c, service.KindInvalid, "the body could not be read", nil)
		return nil, false
	}
	return body, true
}

// bindJSON decodes a bounded JSON body into v, answering 400 for anything that is
// not one JSON object of the right shape.
func bindJSON(c *gin.Context, v any) bool {
	body, ok := readBody(c)
	if !ok {
		return false
	}
	return bindJSONBytes(c, body, v)
}

// bindJSONBytes is bindJSON for a body already read.
func bindJSONBytes(c *gin.Context, body []byte, v any) bool {
	if len(body) == 0 {
		abort(c, service.KindInvalid, "the body is empty: send a JSON object", nil)
		return false
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			abort(c, service.KindInvalid, fmt.Sprintf("%s has the wrong type: want %s", typeErr.Field, typeErr.Type),
				map[string]any{"field": typeErr.Field})
			return false
		}
		abort(c, service.KindInvalid, "the body is not valid JSON: "+err.Error(), nil)
		return false
	}
	return true
}
