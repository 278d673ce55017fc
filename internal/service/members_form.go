package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// One-click activation (§13.4, §13.7): the form WeChat shows, checked here
// first so that each refusal names its field, and the 开卡组件's address.

// formCommonFields are WeChat's form field ids (the doc's truncated
// ..._EDUCATION_BACKGRO fails at WeChat, so it is refused here).
var formCommonFields = map[string]bool{
	"USER_FORM_INFO_FLAG_MOBILE": true, "USER_FORM_INFO_FLAG_SEX": true, "USER_FORM_INFO_FLAG_NAME": true,
	"USER_FORM_INFO_FLAG_BIRTHDAY": true, "USER_FORM_INFO_FLAG_IDCARD": true, "USER_FORM_INFO_FLAG_EMAIL": true,
	"USER_FORM_INFO_FLAG_LOCATION": true, "USER_FORM_INFO_FLAG_EDUCATION_BACKGROUND": true,
	"USER_FORM_INFO_FLAG_INDUSTRY": true, "USER_FORM_INFO_FLAG_INCOME": true, "USER_FORM_INFO_FLAG_HABIT": true,
	"USER_FORM_INFO_FLAG_DETAIL_LOCATION": true, "USER_FORM_INFO_FLAG_CAREER": true,
}

var formRichTypes = map[string]bool{"FORM_FIELD_RADIO": true, "FORM_FIELD_SELECT": true, "FORM_FIELD_CHECK_BOX": true}

type formLink struct {
	Name *string `json:"name"`
	URL  *string `json:"url"`
}

type formPart struct {
	CanModify         *bool    `json:"can_modify"`
	CommonFieldIDList []string `json:"common_field_id_list"`
	CustomFieldList   []string `json:"custom_field_list"`
	RichFieldList     []struct {
		Type   string   `json:"type"`
		Name   string   `json:"name"`
		Values []string `json:"values"`
	} `json:"rich_field_list"`
}

type activationForm struct {
	ServiceStatement *formLink `json:"service_statement"`
	BindOldCard      *formLink `json:"bind_old_card"`
	RequiredForm     *formPart `json:"required_form"`
	OptionalForm     *formPart `json:"optional_form"`
}

func (l *formLink) check(field string) error {
	if l == nil {
		return nil
	}
	if l.Name == nil || *l.Name == "" || len(*l.Name) > 21 {
		return Invalid(field+".name", "%s.name is required, at most 21 bytes (7 汉字)", field)
	}
	if l.URL == nil || len(*l.URL) > 128 || !(strings.HasPrefix(*l.URL, "http://") || strings.HasPrefix(*l.URL, "https://")) {
		return Invalid(field+".url", "%s.url is required: http(s), at most 128 bytes", field)
	}
	return nil
}

func (p *formPart) check(field string) error {
	if p == nil {
		return nil
	}
	for i, id := range p.CommonFieldIDList {
		if !formCommonFields[id] {
			return Invalid(fmt.Sprintf("%s.common_field_id_list[%d]", field, i), "unknown form field %q", id)
		}
	}
	if len(p.CustomFieldList) > 5 {
		return Invalid(field+".custom_field_list", "at most 5 custom fields")
	}
	if len(p.RichFieldList) > 5 {
		return Invalid(field+".rich_field_list", "at most 5 rich fields")
	}
	for i, r := range p.RichFieldList {
		f := fmt.Sprintf("%s.rich_field_list[%d]", field, i)
		if !formRichTypes[r.Type] {
			return Invalid(f+".type", "type must be FORM_FIELD_RADIO, FORM_FIELD_SELECT or FORM_FIELD_CHECK_BOX")
		}
		if r.Name == "" || len(r.Values) == 0 {
			return Invalid(f, "a rich field needs a name and values")
		}
	}
	return nil
}

// SetActivationForm validates WeChat's activateuserform/set object (without
// card_id) and sets it on the member card.
func (s *Members) SetActivationForm(ctx context.Context, cardID string, body []byte) error {
	if _, err := s.memberCard(ctx, cardID); err != nil {
		return err
	}
	var f activationForm
	if err := json.Unmarshal(body, &f); err != nil {
		return Invalid("form", "the body is not an activation form: %v", err)
	}
	var top map[string]json.RawMessage
	_ = json.Unmarshal(body, &top)
	if _, has := top["card_id"]; has {
		return Invalid("card_id", "card_id is taken from the path")
	}
	if f.RequiredForm == nil && f.OptionalForm == nil {
		return Invalid("required_form", "required_form or optional_form is required")
	}
	for _, err := range []error{f.ServiceStatement.check("service_statement"), f.BindOldCard.check("bind_old_card"),
		f.RequiredForm.check("required_form"), f.OptionalForm.check("optional_form")} {
		if err != nil {
			return err
		}
	}
	if err := s.provider.SetActivationForm(ctx, cardID, body); err != nil {
		return fmt.Errorf("activation form of %s: %w", cardID, err)
	}
	return nil
}

// ActivationURL is the 开卡组件's address of a one-click member card, decoded
// for wx.navigateToMiniProgram.
func (s *Members) ActivationURL(ctx context.Context, cardID, outerStr string) (ActivationURL, error) {
	if _, err := s.memberCard(ctx, cardID); err != nil {
		return ActivationURL{}, err
	}
	u, err := s.provider.ActivationURL(ctx, cardID, outerStr)
	if err != nil {
		return ActivationURL{}, fmt.Errorf("activation url of %s: %w", cardID, err)
	}
	return u, nil
}

// memberCard is a member card of the catalogue.
func (s *Members) memberCard(ctx context.Context, cardID string) (Card, error) {
	if cardID == "" {
		return Card{}, Invalid("card_id", "card_id is required")
	}
	card, err := s.cards.GetCard(ctx, cardID)
	if errors.Is(err, ErrNotFound) {
		return Card{}, &Error{Kind: KindNotFound, Message: fmt.Sprintf("card %s is not in the catalogue", cardID),
			Details: map[string]any{"field": "card_id"}}
	}
	if err != nil {
		return Card{}, fmt.Errorf("card %s: %w", cardID, err)
	}
	if card.CardType != "MEMBER_CARD" {
		return Card{}, Invalid("card_id", "card %s is a %s, not a member card", cardID, card.CardType)
	}
	return card, nil
}
