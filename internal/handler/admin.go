package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/service"
)

type adminLoginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type adminLoginResponse struct {
	Token     string `json:"token"`
	ExpiresIn int64  `json:"expires_in"`
	Role      string `json:"role"`
}

func (h *handlers) adminLogin(c *gin.Context) {
	var req adminLoginRequest
	if !bindJSON(c, &req) {
		return
	}
	s, err := h.auth.AdminLogin(c.Request.Context(), req.Username, req.Password, c.ClientIP())
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, adminLoginResponse{Token: s.Token, ExpiresIn: s.ExpiresIn, Role: string(s.Role)})
}

// createCard takes WeChat's card object as the body, wrapped in {"card": …} or bare.
func (h *handlers) createCard(c *gin.Context) {
	body, ok := readBody(c)
	if !ok {
		return
	}
	var idemKey *string
	if v, ok := c.Request.Header[http.CanonicalHeaderKey(service.IdempotencyKeyField)]; ok {
		k := ""
		if len(v) == 1 {
			k = v[0]
		}
		idemKey = &k // several values: refused as invalid
	}
	card, err := h.catalogue.Create(c.Request.Context(), body, idemKey)
	if err != nil {
		_ = c.Error(err)
		return
	}
	setAuditTarget(c, card.CardID)
	c.JSON(http.StatusOK, gin.H{"card_id": card.CardID})
}

type createUserRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Role     string `json:"role"`
}

type userResponse struct {
	Username string `json:"username"`
	Role     string `json:"role"`
}

func (h *handlers) createUser(c *gin.Context) {
	var req createUserRequest
	if !bindJSON(c, &req) {
		return
	}
	setAuditTarget(c, req.Username)
	u, err := h.auth.CreateUser(c.Request.Context(), req.Username, req.Password, service.Role(req.Role))
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusCreated, userResponse{Username: u.Username, Role: string(u.Role)})
}
