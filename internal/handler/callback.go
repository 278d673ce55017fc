package handler

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/service"
)

// maxCallbackBody is the largest push accepted; WeChat's card events are small.
const maxCallbackBody = 1 << 20

// callbackBudget keeps the answer inside WeChat's 5 seconds.
const callbackBudget = 4 * time.Second

func callbackQuery(c *gin.Context) service.CallbackQuery {
	return service.CallbackQuery{
		Signature: c.Query("signature"), MsgSignature: c.Query("msg_signature"),
		Timestamp: c.Query("timestamp"), Nonce: c.Query("nonce"),
		EncryptType: c.Query("encrypt_type"), EchoStr: c.Query("echostr"),
	}
}

// verifyCallbackURL answers WeChat's server URL check with echostr, verbatim.
func (h *handlers) verifyCallbackURL(c *gin.Context) {
	echo, err := h.events.VerifyURL(callbackQuery(c))
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(echo))
}

// receiveCallback takes one pushed event. "success" tells WeChat not to retry;
// any failure to apply it answers an error so that WeChat pushes it again.
func (h *handlers) receiveCallback(c *gin.Context) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxCallbackBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		abort(c, service.KindInvalid, "the push is over 1 MB", nil)
		return
	}
	if err != nil {
		abort(c, service.KindInvalid, "the push could not be read", nil)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), callbackBudget)
	defer cancel()
	if err := h.events.Receive(ctx, callbackQuery(c), body); err != nil {
		_ = c.Error(err)
		return
	}
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte("success"))
}
