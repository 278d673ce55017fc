package handler

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/service"
)

type adminCard struct {
	cardSummary
	Status        string    `json:"status"`
	TotalQuantity int64     `json:"total_quantity"`
	BindOpenID    bool      `json:"bind_openid"`
	UseCustomCode bool      `json:"use_custom_code"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func toAdminCard(c service.Card) adminCard {
	return adminCard{cardSummary: toCardSummary(c), Status: string(c.Status), TotalQuantity: c.TotalQuantity,
		BindOpenID: c.BindOpenID, UseCustomCode: c.UseCustomCode, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

func (h *handlers) listAdminCards(c *gin.Context) {
	p, ok := listPage(c)
	if !ok {
		return
	}
	cards, total, next, err := h.catalogue.List(c.Request.Context(),
		service.CardFilter{Status: service.CardStatus(c.Query("status")), Offset: p.Offset, Count: p.Count, After: p.After})
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := make([]adminCard, len(cards))
	for i, card := range cards {
		out[i] = toAdminCard(card)
	}
	c.JSON(http.StatusOK, paged(gin.H{"cards": out}, p, total, next))
}

type cardDetailResponse struct {
	adminCard
	Issued   int64           `json:"issued"`
	Consumed int64           `json:"consumed"`
	Views    int64           `json:"views"`    // user_view_card events
	Sessions int64           `json:"sessions"` // user_enter_session_from_card events
	Card     json.RawMessage `json:"card"`     // WeChat's card object as card/get returns it
}

func (h *handlers) getAdminCard(c *gin.Context) {
	d, err := h.catalogue.Get(c.Request.Context(), c.Param("card_id"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	def := json.RawMessage(d.Card.Definition)
	if !json.Valid(def) {
		def = json.RawMessage("null")
	}
	c.JSON(http.StatusOK, cardDetailResponse{adminCard: toAdminCard(d.Card), Issued: d.Counts.Issued,
		Consumed: d.Counts.Consumed, Views: d.Views, Sessions: d.Sessions, Card: def})
}

func (h *handlers) updateCard(c *gin.Context) {
	body, ok := readBody(c)
	if !ok {
		return
	}
	card, sendCheck, err := h.catalogue.Update(c.Request.Context(), c.Param("card_id"), body)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"card_id": card.CardID, "status": card.Status, "send_check": sendCheck})
}

func (h *handlers) deleteCard(c *gin.Context) {
	card, err := h.catalogue.Delete(c.Request.Context(), c.Param("card_id"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"card_id": card.CardID, "status": card.Status})
}

type stockRequest struct {
	Delta *int64 `json:"delta"`
}

func (h *handlers) adjustStock(c *gin.Context) {
	var req stockRequest
	if !bindJSON(c, &req) {
		return
	}
	if req.Delta == nil {
		abort(c, service.KindInvalid, "delta is required", map[string]any{"field": "delta"})
		return
	}
	card, err := h.catalogue.AdjustStock(c.Request.Context(), c.Param("card_id"), *req.Delta)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"card_id": card.CardID, "quantity": card.Quantity, "total_quantity": card.TotalQuantity})
}

func (h *handlers) syncCards(c *gin.Context) {
	n, err := h.catalogue.Sync(c.Request.Context())
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"synced": n})
}

type color struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func (h *handlers) colors(c *gin.Context) {
	colors, err := h.catalogue.Colors(c.Request.Context())
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := make([]color, len(colors))
	for i, k := range colors {
		out[i] = color{Name: k.Name, Value: k.Value}
	}
	c.JSON(http.StatusOK, gin.H{"colors": out})
}
