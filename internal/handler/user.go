package handler

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/service"
)

type userLoginRequest struct {
	Code string `json:"code"`
}

type userLoginResponse struct {
	Token     string `json:"token"`
	ExpiresIn int64  `json:"expires_in"`
	OpenID    string `json:"openid"`
}

func (h *handlers) userLogin(c *gin.Context) {
	var req userLoginRequest
	if !bindJSON(c, &req) {
		return
	}
	s, err := h.auth.UserLogin(c.Request.Context(), req.Code)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, userLoginResponse{Token: s.Token, ExpiresIn: s.ExpiresIn, OpenID: s.Subject})
}

type cardSummary struct {
	CardID    string           `json:"card_id"`
	CardType  string           `json:"card_type"`
	Title     string           `json:"title"`
	BrandName string           `json:"brand_name"`
	LogoURL   string           `json:"logo_url"`
	Color     string           `json:"color"`
	Quantity  int64            `json:"quantity"`
	DateInfo  service.DateInfo `json:"date_info"`
}

func toCardSummary(c service.Card) cardSummary {
	return cardSummary{CardID: c.CardID, CardType: c.CardType, Title: c.Title, BrandName: c.BrandName,
		LogoURL: c.LogoURL, Color: c.Color, Quantity: c.Quantity, DateInfo: c.DateInfo}
}

func (h *handlers) listCards(c *gin.Context) {
	cards, err := h.catalogue.Issuable(c.Request.Context())
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := make([]cardSummary, len(cards))
	for i, card := range cards {
		out[i] = toCardSummary(card)
	}
	c.JSON(http.StatusOK, gin.H{"cards": out})
}

type cardExtRequest struct {
	Cards []cardExtCard `json:"cards"`
}

type cardExtCard struct {
	CardID              string           `json:"card_id"`
	Code                string           `json:"code"`
	OuterStr            string           `json:"outer_str"`
	FixedBeginTimestamp *service.FlexInt `json:"fixed_begintimestamp"`
}

type cardExtItem struct {
	CardID  string `json:"cardId"`
	CardExt string `json:"cardExt"`
}

func (h *handlers) cardExt(c *gin.Context) {
	var req cardExtRequest
	if !bindCardExt(c, &req) {
		return
	}
	reqs := make([]service.IssueRequest, len(req.Cards))
	for i, r := range req.Cards {
		reqs[i] = service.IssueRequest{CardID: r.CardID, Code: r.Code, OuterStr: r.OuterStr}
		if r.FixedBeginTimestamp != nil {
			reqs[i].FixedBeginTimestamp = int64(*r.FixedBeginTimestamp)
		}
	}
	params, err := h.issuing.IssueParams(c.Request.Context(), principal(c).Subject, reqs)
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := make([]cardExtItem, len(params))
	for i, p := range params {
		out[i] = cardExtItem{CardID: p.CardID, CardExt: p.Ext}
	}
	writeCardExt(c, out)
}

type cardExtAnswer struct {
	CardList []cardExtItem `json:"card_list"`
}

type decryptRequest struct {
	CardList []struct {
		CardID      string `json:"card_id"`
		EncryptCode string `json:"encrypt_code"`
	} `json:"card_list"`
}

type decryptItem struct {
	CardID string       `json:"card_id"`
	Code   string       `json:"code,omitempty"`
	Status string       `json:"status,omitempty"`
	Error  *errorDetail `json:"error,omitempty"`
}

func (h *handlers) decrypt(c *gin.Context) {
	var req decryptRequest
	if !bindJSON(c, &req) {
		return
	}
	items := make([]service.EncryptedCode, len(req.CardList))
	for i, it := range req.CardList {
		items[i] = service.EncryptedCode{CardID: it.CardID, Encrypted: it.EncryptCode}
	}
	results, err := h.issuing.RecordReceived(c.Request.Context(), principal(c).Subject, items)
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := make([]decryptItem, len(results))
	for i, r := range results {
		out[i] = decryptItem{CardID: r.CardID}
		if r.Err != nil {
			_, d := toHTTP(r.Err)
			out[i].Error = &d
			continue
		}
		out[i].Code, out[i].Status = r.Code.Code, string(r.Code.Status)
	}
	c.JSON(http.StatusOK, gin.H{"card_list": out})
}

type heldCode struct {
	CardID     string    `json:"card_id"`
	Code       string    `json:"code"`
	Status     string    `json:"status"`
	ReceivedAt time.Time `json:"received_at"`
	Title      string    `json:"title"`
}

// myCodes answers every code the user holds, as it always did, unless a
// paging parameter (offset, count or after) asks for a page.
func (h *handlers) myCodes(c *gin.Context) {
	p := service.Page{All: true}
	if c.Query("offset") != "" || c.Query("count") != "" || c.Query("after") != "" {
		var ok bool
		if p, ok = listPage(c); !ok {
			return
		}
	}
	codes, next, err := h.issuing.Held(c.Request.Context(), principal(c).Subject, service.CodeStatus(c.Query("status")), p)
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := make([]heldCode, len(codes))
	for i, k := range codes {
		out[i] = heldCode{CardID: k.CardID, Code: k.Code, Status: string(k.Status), ReceivedAt: k.ReceivedAt.UTC(), Title: k.Title}
	}
	body := gin.H{"codes": out}
	if next != nil {
		body["next"] = next.Encode()
	}
	c.JSON(http.StatusOK, body)
}
