package wxcard

import (
	"bytes"
	"context"
	"fmt"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/wechat"
)

// batchGetMax is card/batchget's largest page.
const batchGetMax = 50

// UpdateCard sends a validated patch ({"base_info": {...}, <type fields>}) to card/update.
func (p *Provider) UpdateCard(ctx context.Context, card service.Card, patch []byte) (bool, error) {
	sendCheck, err := p.wx.UpdateCard(ctx, card.CardID, card.CardType, patch)
	if err != nil {
		return false, mapCardErr(err, card.CardID)
	}
	return sendCheck, nil
}

// DeleteCard calls card/delete.
func (p *Provider) DeleteCard(ctx context.Context, cardID string) error {
	return mapCardErr(p.wx.DeleteCard(ctx, cardID), cardID)
}

// ModifyStock calls card/modifystock.
func (p *Provider) ModifyStock(ctx context.Context, cardID string, delta int64) error {
	return mapCardErr(p.wx.ModifyStock(ctx, cardID, int(delta)), cardID)
}

// ListCardIDs calls card/batchget for one page (at most 50).
func (p *Provider) ListCardIDs(ctx context.Context, offset, count int) ([]string, int, error) {
	page, err := p.wx.BatchGetCards(ctx, offset, min(count, batchGetMax))
	if err != nil {
		return nil, 0, mapErr(err)
	}
	return page.CardIDs, page.Total, nil
}

// Colors calls card/getcolors.
func (p *Provider) Colors(ctx context.Context) ([]service.Color, error) {
	colors, err := p.wx.GetColors(ctx)
	if err != nil {
		return nil, mapErr(err)
	}
	out := make([]service.Color, len(colors))
	for i, c := range colors {
		out[i] = service.Color{Name: c.Name, Value: c.Value}
	}
	return out, nil
}

// ConsumeCode calls card/code/consume (核销).
func (p *Provider) ConsumeCode(ctx context.Context, cardID, code string) (service.Holding, error) {
	res, err := p.wx.ConsumeCode(ctx, cardID, code)
	if err != nil {
		return service.Holding{}, mapCodeErr(err, code)
	}
	return service.Holding{CardID: res.CardID, OpenID: res.OpenID, Status: service.CodeConsumed,
		ProviderStatus: "CONSUMED"}, nil
}

// DisableCode calls card/code/unavailable.
func (p *Provider) DisableCode(ctx context.Context, cardID, code, reason string) error {
	return mapCodeErr(p.wx.UnavailableCode(ctx, cardID, code, reason), code)
}

// ChangeCode calls card/code/update.
func (p *Provider) ChangeCode(ctx context.Context, cardID, code, newCode string) error {
	return mapCodeErr(p.wx.UpdateCode(ctx, cardID, code, newCode), code)
}

// UploadImage calls cgi-bin/media/uploadimg.
func (p *Provider) UploadImage(ctx context.Context, filename string, data []byte) (string, error) {
	url, err := p.wx.UploadImage(ctx, filename, bytes.NewReader(data))
	if err != nil {
		return "", mapMediaErr(err)
	}
	return url, nil
}

// UploadTempImage calls cgi-bin/media/upload?type=image.
func (p *Provider) UploadTempImage(ctx context.Context, filename string, data []byte) (service.TempImage, error) {
	m, err := p.wx.UploadTempMedia(ctx, filename, bytes.NewReader(data))
	if err != nil {
		return service.TempImage{}, mapMediaErr(err)
	}
	return service.TempImage{MediaID: m.MediaID, CreatedAt: m.CreatedAt}, nil
}

// mapCardErr maps errcodes that name the card: an unknown card is not_found, a
// card in a state that forbids the call or a stock change WeChat refuses is
// conflict.
func mapCardErr(err error, cardID string) error {
	switch {
	case err == nil:
		return nil
	case wechat.IsCode(err, 40073):
		return notFound(err, "card %s is unknown to WeChat", cardID)
	case wechat.IsCode(err, 40078, 40100, 40122, 45041):
		return &service.Error{Kind: service.KindConflict, Message: fmt.Sprintf("WeChat refused the change to card %s", cardID),
			Details: wechatDetails(err), Err: err}
	}
	return mapErr(err)
}

// mapCodeErr maps the code errcodes as the contract fixes them: unknown (40056)
// is not_found; consumed (40099), unavailable, deleted or expired (40127) and
// out of its usable time (40147) are conflict.
func mapCodeErr(err error, code string) error {
	switch {
	case err == nil:
		return nil
	case wechat.IsCode(err, 40056):
		return notFound(err, "code %s is unknown to WeChat", code)
	case wechat.IsCode(err, 40099):
		return &service.Error{Kind: service.KindConflict, Message: fmt.Sprintf("code %s was consumed already", code),
			Details: wechatDetails(err), Err: err}
	case wechat.IsCode(err, 40127, 40147, 40116):
		return &service.Error{Kind: service.KindConflict, Message: fmt.Sprintf("code %s cannot be used now", code),
			Details: wechatDetails(err), Err: err}
	case wechat.IsCode(err, 41012):
		// The caller left out card_id where WeChat needs it (a custom code
		// held on several cards): the request's fault, not WeChat's.
		details := wechatDetails(err)
		details["field"] = "card_id"
		return &service.Error{Kind: service.KindInvalid,
			Message: fmt.Sprintf("card_id is required: code %s exists on more than one card", code), Details: details, Err: err}
	}
	return mapErr(err)
}

// mapMediaErr maps WeChat's refusals of an image to the service's kinds.
func mapMediaErr(err error) error {
	switch {
	case wechat.IsCode(err, 40009, 40006):
		return &service.Error{Kind: service.KindTooLarge, Message: "WeChat refused the image size", Details: wechatDetails(err), Err: err}
	case wechat.IsCode(err, 40005, 40004):
		return &service.Error{Kind: service.KindUnsupportedMedia, Message: "WeChat refused the image type", Details: wechatDetails(err), Err: err}
	}
	return mapErr(err)
}
