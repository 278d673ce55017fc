package handler

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/service"
)

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
// The push is bounded like every body (readBody: 413 payload_too_large past
// maxBody); WeChat's card events are small.
func (h *handlers) receiveCallback(c *gin.Context) {
	body, ok := readBody(c)
	if !ok {
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
