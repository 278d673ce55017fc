// Package wxcard is the WeChat card API as the service's coupon provider: it
// turns service requests into WeChat calls and WeChat answers and errcodes into
// service types and errors, so no WeChat wire type reaches the service.
package wxcard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/wechat"
)

// Client is the part of the WeChat client the provider uses.
type Client interface {
	APITicket(ctx context.Context) (string, error)
	Code2Session(ctx context.Context, jsCode string) (wechat.Session, error)
	CreateCard(ctx context.Context, card json.RawMessage) (string, error)
	GetCard(ctx context.Context, cardID string) (json.RawMessage, error)
	DecryptCode(ctx context.Context, encryptCode string) (string, error)
	GetCode(ctx context.Context, cardID, code string, checkConsume bool) (wechat.CodeInfo, error)
	UpdateCard(ctx context.Context, cardID, cardType string, fields json.RawMessage) (bool, error)
	DeleteCard(ctx context.Context, cardID string) error
	ModifyStock(ctx context.Context, cardID string, delta int) error
	BatchGetCards(ctx context.Context, offset, count int, statuses ...string) (wechat.CardList, error)
	GetColors(ctx context.Context) ([]wechat.Color, error)
	ConsumeCode(ctx context.Context, cardID, code string) (wechat.ConsumeResult, error)
	UpdateCode(ctx context.Context, cardID, code, newCode string) error
	UnavailableCode(ctx context.Context, cardID, code, reason string) error
	UploadImage(ctx context.Context, filename string, r io.Reader) (string, error)
	UploadTempMedia(ctx context.Context, filename string, r io.Reader) (wechat.TempMedia, error)
}

// Provider implements service.CardProvider and service.MiniProgramAuth over WeChat.
type Provider struct {
	wx    Client
	now   func() time.Time
	nonce func() string
}

var (
	_ service.CardProvider    = (*Provider)(nil)
	_ service.MiniProgramAuth = (*Provider)(nil)
	_ service.CodeProvider    = (*Provider)(nil)
	_ service.ImageProvider   = (*Provider)(nil)
)

// New returns a provider over the WeChat client wx.
func New(wx Client, now func() time.Time) *Provider {
	if now == nil {
		now = time.Now
	}
	return &Provider{wx: wx, now: now, nonce: wechat.NewNonce}
}

// OpenID exchanges a wx.login code for the user's openid (sns/jscode2session).
func (p *Provider) OpenID(ctx context.Context, loginCode string) (string, error) {
	s, err := p.wx.Code2Session(ctx, loginCode)
	if err != nil {
		if wechat.IsCode(err, 40029, 40163, 40226) {
			return "", &service.Error{Kind: service.KindUnauthenticated,
				Message: "the login code is invalid, used or blocked: call wx.login again",
				Details: wechatDetails(err), Err: err}
		}
		return "", mapErr(err)
	}
	return s.OpenID, nil
}

// CreateCard submits the card object (card/create).
func (p *Provider) CreateCard(ctx context.Context, definition []byte) (string, error) {
	id, err := p.wx.CreateCard(ctx, definition)
	if err != nil {
		return "", mapErr(err)
	}
	return id, nil
}

// GetCard reads the card from WeChat (card/get).
func (p *Provider) GetCard(ctx context.Context, cardID string) (service.Card, error) {
	raw, err := p.wx.GetCard(ctx, cardID)
	if err != nil {
		return service.Card{}, mapCardErr(err, cardID)
	}
	c, err := parseCard(raw)
	if err != nil {
		return service.Card{}, fmt.Errorf("card/get %s: %w", cardID, err)
	}
	if c.CardID == "" {
		c.CardID = cardID
	}
	return c, nil
}

// RevealCode decrypts the encrypt_code wx.addCard returned (card/code/decrypt).
func (p *Provider) RevealCode(ctx context.Context, encrypted string) (string, error) {
	code, err := p.wx.DecryptCode(ctx, encrypted)
	if err != nil {
		if wechat.IsCode(err, 40075) {
			return "", &service.Error{Kind: service.KindInvalid, Message: "encrypt_code is not valid",
				Details: wechatDetails(err), Err: err}
		}
		return "", mapErr(err)
	}
	return code, nil
}

// CodeHolder asks WeChat who holds a code (card/code/get without check_consume,
// so that codes in every state are reported rather than refused).
func (p *Provider) CodeHolder(ctx context.Context, cardID, code string) (service.Holding, error) {
	info, err := p.wx.GetCode(ctx, cardID, code, false)
	if err != nil {
		return service.Holding{}, mapCodeErr(err, code)
	}
	return service.Holding{CardID: info.CardID, OpenID: info.OpenID,
		Status: codeStatus(info.UserCardStatus), OuterStr: info.OuterStr,
		ProviderStatus: info.UserCardStatus, CanConsume: info.CanConsume,
		BeginTime: info.BeginTime, EndTime: info.EndTime}, nil
}

// codeStatus maps WeChat's user_card_status to the service's code status.
func codeStatus(s string) service.CodeStatus {
	switch s {
	case "CONSUMED":
		return service.CodeConsumed
	case "UNAVAILABLE", "EXPIRE":
		return service.CodeUnavailable
	case "DELETE":
		return service.CodeDeleted
	case "GIFT_SUCC":
		return service.CodeGifted
	default: // NORMAL, GIFTING, GIFT_TIMEOUT: still the holder's
		return service.CodeIssued
	}
}

func notFound(err error, format string, args ...any) error {
	return &service.Error{Kind: service.KindNotFound, Message: fmt.Sprintf(format, args...),
		Details: wechatDetails(err), Err: err}
}

// mapErr turns a WeChat client error into the service's kinds.
func mapErr(err error) error {
	var ue *wechat.UnavailableError
	if errors.As(err, &ue) {
		return &service.Error{Kind: service.KindUpstreamUnavailable, Message: "WeChat did not answer in time", Err: err}
	}
	var we *wechat.Error
	if errors.As(err, &we) {
		return &service.Error{Kind: service.KindUpstream, Message: "WeChat refused the request",
			Details: wechatDetails(err), Err: err}
	}
	return err
}

func wechatDetails(err error) map[string]any {
	var we *wechat.Error
	if !errors.As(err, &we) {
		return nil
	}
	return map[string]any{"wechat_errcode": we.Code, "wechat_errmsg": we.Msg}
}
