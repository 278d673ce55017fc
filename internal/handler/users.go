package handler

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/service"
)

type userRow struct {
	Username    string     `json:"username"`
	Role        string     `json:"role"`
	Disabled    bool       `json:"disabled"`
	CreatedAt   time.Time  `json:"created_at"`
	LastLoginAt *time.Time `json:"last_login_at"`
}

func toUserRow(u service.AdminUser) userRow {
	return userRow{Username: u.Username, Role: string(u.Role), Disabled: u.Disabled,
		CreatedAt: u.CreatedAt.UTC(), LastLoginAt: u.LastLoginAt}
}

func (h *handlers) listUsers(c *gin.Context) {
	us, err := h.auth.ListUsers(c.Request.Context())
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := make([]userRow, len(us))
	for i, u := range us {
		out[i] = toUserRow(u)
	}
	c.JSON(http.StatusOK, gin.H{"users": out})
}

type updateUserRequest struct {
	Password *string `json:"password"`
	Role     *string `json:"role"`
	Disabled *bool   `json:"disabled"`
}

func (h *handlers) updateUser(c *gin.Context) {
	var req updateUserRequest
	if !bindJSON(c, &req) {
		return
	}
	ch := service.UserChange{Password: req.Password, Disabled: req.Disabled}
	if req.Role != nil {
		r := service.Role(*req.Role)
		ch.Role = &r
	}
	u, err := h.auth.UpdateUser(c.Request.Context(), c.Param("username"), ch)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toUserRow(u))
}

func (h *handlers) deleteUser(c *gin.Context) {
	if err := h.auth.DeleteUser(c.Request.Context(), c.Param("username")); err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"username": c.Param("username"), "deleted": true})
}

type changePasswordRequest struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

// changeOwnPassword answers like a login: the new token replaces the caller's.
func (h *handlers) changeOwnPassword(c *gin.Context) {
	var req changePasswordRequest
	if !bindJSON(c, &req) {
		return
	}
	p := principal(c)
	setAuditTarget(c, p.Subject)
	s, err := h.auth.ChangeOwnPassword(c.Request.Context(), p.Subject, req.OldPassword, req.NewPassword)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, adminLoginResponse{Token: s.Token, ExpiresIn: s.ExpiresIn, Role: string(s.Role)})
}
