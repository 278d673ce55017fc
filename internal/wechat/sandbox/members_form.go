package sandbox

import (
	"net/url"
	"sort"
	"strings"
	"time"
)

// One-click activation: activateuserform/set, the driver sandbox/member-form
// playing the user's form, activatetempinfo/get and activate/geturl (§13.4–
// §13.7, §13.13).

// commonFieldIDs are the WeChat-formatted form fields (§13.4; the doc's
// truncated _EDUCATION_BACKGRO fails, as WxJava reports).
var commonFieldIDs = map[string]bool{
	"USER_FORM_INFO_FLAG_MOBILE": true, "USER_FORM_INFO_FLAG_SEX": true, "USER_FORM_INFO_FLAG_NAME": true,
	"USER_FORM_INFO_FLAG_BIRTHDAY": true, "USER_FORM_INFO_FLAG_IDCARD": true, "USER_FORM_INFO_FLAG_EMAIL": true,
	"USER_FORM_INFO_FLAG_LOCATION": true, "USER_FORM_INFO_FLAG_EDUCATION_BACKGROUND": true,
	"USER_FORM_INFO_FLAG_INDUSTRY": true, "USER_FORM_INFO_FLAG_INCOME": true, "USER_FORM_INFO_FLAG_HABIT": true,
	"USER_FORM_INFO_FLAG_DETAIL_LOCATION": true, "USER_FORM_INFO_FLAG_CAREER": true,
}

var richTypes = map[string]bool{"FORM_FIELD_RADIO": true, "FORM_FIELD_SELECT": true, "FORM_FIELD_CHECK_BOX": true}

type nameURL struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type richField struct {
	Type   string   `json:"type"`
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

type userForm struct {
	CanModify         bool        `json:"can_modify"`
	CommonFieldIDList []string    `json:"common_field_id_list"`
	CustomFieldList   []string    `json:"custom_field_list"`
	RichFieldList     []richField `json:"rich_field_list"`
}

type userFormRequest struct {
	CardID           string    `json:"card_id"`
	ServiceStatement *nameURL  `json:"service_statement"`
	BindOldCard      *nameURL  `json:"bind_old_card"`
	RequiredForm     *userForm `json:"required_form"`
	OptionalForm     *userForm `json:"optional_form"`
}

func (l *nameURL) check(field string) *wxError {
	if l == nil {
		return nil
	}
	if len(l.Name) > 21 || len(l.URL) > 128 {
		return wxErrf(45021, "%s: name ≤ 21 bytes, url ≤ 128 bytes", field)
	}
	if !strings.HasPrefix(l.URL, "http://") && !strings.HasPrefix(l.URL, "https://") {
		return wxErrf(40097, "%s.url %q must start with http:// or https://", field, l.URL)
	}
	return nil
}

func (f *userForm) check(field string) *wxError {
	if f == nil {
		return nil
	}
	for _, id := range f.CommonFieldIDList {
		if !commonFieldIDs[id] {
			return wxErrf(40097, "%s.common_field_id_list: unknown %q", field, id)
		}
	}
	if len(f.CustomFieldList) > 5 || len(f.RichFieldList) > 5 {
		return wxErrf(40097, "%s: at most 5 custom and 5 rich fields", field)
	}
	for _, r := range f.RichFieldList {
		if !richTypes[r.Type] || r.Name == "" {
			return wxErrf(40097, "%s.rich_field_list: type %q name %q", field, r.Type, r.Name)
		}
	}
	return nil
}

// membercardUserFormSet is POST card/membercard/activateuserform/set. It
// answers ok whatever the card's mode (community), and replaces the form.
func (c *call) membercardUserFormSet() any {
	var req userFormRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	for _, err := range []*wxError{
		req.ServiceStatement.check("service_statement"), req.BindOldCard.check("bind_old_card"),
		req.RequiredForm.check("required_form"), req.OptionalForm.check("optional_form"),
	} {
		if err != nil {
			return err
		}
	}
	return c.locked(func(st *state) any {
		cd, err := st.lookupCard(req.CardID, c.now)
		if err != nil {
			return err
		}
		if _, isMember := cd.settings(); !isMember {
			return wxErrf(72003, "card %s is %s", cd.id, cd.cardType)
		}
		st.forms[cd.id] = &req
		return ok
	})
}

// activateTicket is what an activate_ticket stands for (§13.13).
type activateTicket struct {
	appID    string
	cardID   string
	code     string
	openid   string
	outerStr string
	answers  formAnswers
	issuedAt time.Time
}

type tempInfoReply struct {
	okBody
	Info formAnswers `json:"info"`
}

// membercardTempInfo is POST card/membercard/activatetempinfo/get: an unknown
// ticket or one issued for another appid is 72011, one older than
// ticketLifetime 72012. A ticket reads any number of times within its life
// (reuse policy undocumented).
func (c *call) membercardTempInfo() any {
	var req struct {
		Ticket string `json:"activate_ticket"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	if req.Ticket == "" {
		return wxErr(41011, "activate_ticket is required")
	}
	return c.locked(func(st *state) any {
		t := st.tickets[req.Ticket]
		switch {
		case t == nil:
			return wxErr(72011, "unknown activate_ticket")
		case t.appID != c.e.appID:
			return wxErrf(72011, "activate_ticket belongs to appid %s", t.appID)
		case c.now.Sub(t.issuedAt) > ticketLifetime:
			return wxErr(72012, "activate_ticket older than 30 minutes")
		}
		return tempInfoReply{okBody: ok, Info: t.answers}
	})
}

type getURLReply struct {
	okBody
	URL string `json:"url"`
}

// membercardGetURL is POST card/membercard/activate/geturl: the 开卡组件's
// URL in the observed shape (§13.7); 72026 unless the card is one-click.
func (c *call) membercardGetURL() any {
	var req struct {
		CardID   string `json:"card_id"`
		OuterStr string `json:"outer_str"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	return c.locked(func(st *state) any {
		cd, err := st.lookupCard(req.CardID, c.now)
		if err != nil {
			return err
		}
		s, isMember := cd.settings()
		if !isMember {
			return wxErrf(72003, "card %s is %s", cd.id, cd.cardType)
		}
		if s.mode != modeOneClik && s.mode != modeJump {
			return wxErrf(72026, "card %s activates %q", cd.id, s.mode)
		}
		u := "https://mp.weixin.qq.com/bizmall/activatemembercard?action=preshow&&encrypt_card_id=" +
			url.QueryEscape(st.encryptCardID(cd.id)) + "&outer_str=" + url.QueryEscape(req.OuterStr) +
			"&biz=" + url.QueryEscape(c.e.biz()) + "#wechat_redirect"
		return getURLReply{okBody: ok, URL: u}
	})
}

type memberFormReply struct {
	okBody
	ActivateTicket string `json:"activate_ticket"`
	// JumpURL is the §13.5 (a) URL of a jump-type card with an H5 page.
	JumpURL string `json:"jump_url,omitempty"`
	// EncryptCode is the card's code as WeChat hands it to the page.
	EncryptCode string `json:"encrypt_code"`
}

// sandboxMemberForm is POST sandbox/member-form
// {"openid","card_id","code","fields":{…},"outer_str"?,"appid"?}: the holder
// submits WeChat's activation form. The card must be one-click (72026) with
// a form set (40097), every required common field answered (41011). A normal
// one-click card is activated by WeChat (membership number = code); a
// jump-type card is not. Either way a ticket is issued and
// submit_membercard_user_info pushed. appid issues the ticket for another
// account (to provoke 72011).
func (c *call) sandboxMemberForm() any {
	var req struct {
		heldCodeRequest
		Fields   map[string]string `json:"fields"`
		OuterStr string            `json:"outer_str"`
		AppID    string            `json:"appid"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	if req.OpenID == "" || req.Code == "" {
		return wxErr(41011, "openid and code are required")
	}
	return c.locked(func(st *state) any {
		uc, err := st.heldCode(req.OpenID, req.Code, req.CardID, c.now)
		if err != nil {
			return err
		}
		cd := st.cards[uc.cardID]
		s, isMember := cd.settings()
		if !isMember {
			return wxErrf(72003, "card %s is %s", cd.id, cd.cardType)
		}
		if s.mode != modeOneClik && s.mode != modeJump {
			return wxErrf(72026, "card %s activates %q", cd.id, s.mode)
		}
		form := st.forms[cd.id]
		if form == nil {
			return wxErrf(40097, "card %s has no activateuserform", cd.id)
		}
		if code := abnormal(uc.status); code != 0 {
			return wxErrf(code, "code %s is %s", uc.code, uc.status)
		}
		if form.RequiredForm != nil {
			for _, id := range form.RequiredForm.CommonFieldIDList {
				if req.Fields[id] == "" {
					return wxErrf(41011, "required field %s not answered", id)
				}
			}
		}
		answers := formAnswers{CommonFieldList: []formField{}, CustomFieldList: []formField{}}
		for _, k := range sortedKeys(req.Fields) {
			f := formField{Name: k, Value: req.Fields[k], ValueList: []string{}}
			if commonFieldIDs[k] {
				answers.CommonFieldList = append(answers.CommonFieldList, f)
			} else {
				answers.CustomFieldList = append(answers.CustomFieldList, f)
			}
		}
		m := st.memberOf(uc)
		m.form = &answers
		if s.mode == modeOneClik && !m.activated {
			m.activated, m.activatedAt, m.number = true, c.now, uc.code
		}
		ticket := newTicket()
		for st.tickets[ticket] != nil {
			ticket = newTicket()
		}
		st.tickets[ticket] = &activateTicket{
			appID: or(req.AppID, c.e.appID), cardID: cd.id, code: uc.code, openid: uc.openid,
			outerStr: req.OuterStr, answers: answers, issuedAt: c.now,
		}
		enc := st.newEncryptCode(cd.id, uc.code)
		r := memberFormReply{okBody: ok, ActivateTicket: ticket, EncryptCode: enc}
		if s.mode == modeJump && s.afterSubmitURL != "" {
			r.JumpURL = jumpURL(s.afterSubmitURL, cd.id, enc, req.OuterStr, uc.openid, ticket)
		}
		ev := newEvent("submit_membercard_user_info", uc.openid, c.now)
		ev.CardID, ev.UserCardCode = cd.id, uc.code
		st.emit(ev)
		return r
	})
}

// jumpURL appends §13.5 (a)'s parameters, percent-encoded, with ? when the
// page has no query, else & (emulator choice, §13.13).
func jumpURL(page, cardID, enc, outerStr, openid, ticket string) string {
	sep := "?"
	if strings.Contains(page, "?") {
		sep = "&"
	}
	return page + sep + "card_id=" + url.QueryEscape(cardID) + "&encrypt_code=" + url.QueryEscape(enc) +
		"&outer_str=" + url.QueryEscape(outerStr) + "&openid=" + url.QueryEscape(openid) +
		"&activate_ticket=" + url.QueryEscape(ticket)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
