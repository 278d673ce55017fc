package sandbox

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"time"
)

// Stock states (§2.2; STOPED is WeChat Pay's spelling).
const (
	StateRunning = "RUNNING"
	StatePaused  = "PAUSED"
	StateStopped = "STOPED"
)

// stock is one 商家券 batch.
type stock struct {
	id         string
	def        stockDef
	state      string // as set; see effectiveState
	createTime time.Time
	begin, end time.Time
	sent       int64
	sentByDay  map[string]int64 // by UTC+8 date
	perUser    map[string]int64 // by openid
	codes      map[string]*uploadedCode
	codeOrder  []string // upload order, for listing
	available  int64    // codes not yet dispatched
}

// effectiveState is the state the stock shows: a running stock whose window
// has ended reads STOPED (unconfirmed).
func (s *stock) effectiveState(now time.Time) string {
	if s.state == StateRunning && now.After(s.end) {
		return StateStopped
	}
	return s.state
}

type createRequest struct {
	stockDef
	OutRequestNo string `json:"out_request_no"`
}

type createReply struct {
	StockID    string `json:"stock_id"`
	CreateTime string `json:"create_time"`
}

// createStock is POST stocks (§2.1): validated field by field; RUNNING at
// once (unconfirmed); idempotent on out_request_no.
func (c *call) createStock() any {
	var req createRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	// A replay is answered before validation: the window may have moved
	// on since, the stored stock has not.
	if out := c.locked(func(st *state) any {
		if prev, seen := c.replay(st, "out_request_no", req.OutRequestNo); seen {
			return prev
		}
		return nil
	}); out != nil {
		return out
	}
	begin, end, aerr := c.validateCreate(&req)
	if aerr != nil {
		return aerr
	}
	return c.locked(func(st *state) any {
		if prev, seen := c.replay(st, "out_request_no", req.OutRequestNo); seen {
			return prev // a concurrent twin won
		}
		s := &stock{
			id: st.newStockID(), def: req.stockDef, state: StateRunning, createTime: c.now,
			begin: begin, end: end, sentByDay: map[string]int64{}, perUser: map[string]int64{},
			codes: map[string]*uploadedCode{},
		}
		st.stocks[s.id] = s
		st.stockOrder = append(st.stockOrder, s.id)
		return c.remember(st, "out_request_no", req.OutRequestNo, createReply{StockID: s.id, CreateTime: wxTime(c.now)})
	})
}

// newStockID is a 16-digit numeric id, random so that ids do not repeat
// across resets and emulator restarts.
func (st *state) newStockID() string {
	for {
		n, _ := rand.Int(rand.Reader, big.NewInt(1e15))
		id := fmt.Sprintf("1%015d", n.Int64())
		if _, taken := st.stocks[id]; !taken {
			return id
		}
	}
}

// stockOf finds the stock named by the path's {stock_id}.
func (c *call) stockOf(st *state) (*stock, *apiError) {
	id := c.r.PathValue("stock_id")
	s, found := st.stocks[id]
	if !found {
		return nil, notFound("批次 %s 不存在", id)
	}
	return s, nil
}

type stockView struct {
	stockDef
	StockID              string     `json:"stock_id"`
	StockState           string     `json:"stock_state"`
	CouponCodeCount      *codeCount `json:"coupon_code_count,omitempty"`
	SendCountInformation sendCount  `json:"send_count_information"`
}

type codeCount struct {
	TotalCount     int64 `json:"total_count"`
	AvailableCount int64 `json:"available_count"`
}

type sendCount struct {
	TotalSendNum    int64  `json:"total_send_num"`
	TotalSendAmount *int64 `json:"total_send_amount,omitempty"`
	TodaySendNum    *int64 `json:"today_send_num,omitempty"`
	TodaySendAmount *int64 `json:"today_send_amount,omitempty"`
}

// view is the stock as GET stocks/{stock_id} answers it.
func (s *stock) view(now time.Time) stockView {
	v := stockView{stockDef: s.def, StockID: s.id, StockState: s.effectiveState(now)}
	if s.def.CouponCodeMode == "MERCHANT_UPLOAD" {
		v.CouponCodeCount = &codeCount{TotalCount: int64(len(s.codes)), AvailableCount: s.available}
	}
	v.SendCountInformation.TotalSendNum = s.sent
	face := int64(0)
	if f := s.def.CouponUseRule.FixedNormalCoupon; f != nil {
		face = f.DiscountAmount
		amount := s.sent * face
		v.SendCountInformation.TotalSendAmount = &amount
	}
	if s.def.StockSendRule.MaxCouponsByDay != 0 {
		today := s.sentByDay[dayOf(now)]
		v.SendCountInformation.TodaySendNum = &today
		if face != 0 {
			amount := today * face
			v.SendCountInformation.TodaySendAmount = &amount
		}
	}
	return v
}

// getStock is GET stocks/{stock_id} (§2.2).
func (c *call) getStock() any {
	return c.locked(func(st *state) any {
		s, err := c.stockOf(st)
		if err != nil {
			return err
		}
		return s.view(c.now)
	})
}

type budgetRequest struct {
	TargetMaxCoupons       *int64 `json:"target_max_coupons"`
	CurrentMaxCoupons      *int64 `json:"current_max_coupons"`
	TargetMaxCouponsByDay  *int64 `json:"target_max_coupons_by_day"`
	CurrentMaxCouponsByDay *int64 `json:"current_max_coupons_by_day"`
	ModifyBudgetRequestNo  string `json:"modify_budget_request_no"`
}

type budgetReply struct {
	MaxCoupons      int64 `json:"max_coupons"`
	MaxCouponsByDay int64 `json:"max_coupons_by_day,omitempty"`
}

// modifyBudget is PATCH stocks/{stock_id}/budget (§2.3): one target at a
// time, current_* as an optimistic check, never below what was sent, before
// the stock's end. Business failures are 400 INVALID_REQUEST (§7.3).
func (c *call) modifyBudget() any {
	var req budgetRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	v := &check{}
	v.requestNo("modify_budget_request_no", req.ModifyBudgetRequestNo)
	if v.err != nil {
		return v.err
	}
	if req.TargetMaxCoupons == nil && req.TargetMaxCouponsByDay == nil {
		return paramErr("target_max_coupons", "", "target_max_coupons 与 target_max_coupons_by_day 须设置其一")
	}
	if req.TargetMaxCoupons != nil {
		v.num("target_max_coupons", *req.TargetMaxCoupons, 1, 1_000_000_000)
		v.required("current_max_coupons", req.CurrentMaxCoupons != nil)
	}
	if req.TargetMaxCouponsByDay != nil {
		v.num("target_max_coupons_by_day", *req.TargetMaxCouponsByDay, 1, 1_000_000_000)
		v.required("current_max_coupons_by_day", req.CurrentMaxCouponsByDay != nil)
	}
	if v.err != nil {
		return v.err
	}
	return c.locked(func(st *state) any {
		if prev, seen := c.replay(st, "modify_budget_request_no", req.ModifyBudgetRequestNo); seen {
			return prev
		}
		s, err := c.stockOf(st)
		if err != nil {
			return err
		}
		rule := *s.def.StockSendRule
		switch {
		case req.TargetMaxCoupons != nil && req.TargetMaxCouponsByDay != nil:
			return invalid("target_max_coupons 与 target_max_coupons_by_day 不能同时修改")
		case c.now.After(s.end):
			return invalid("批次已过期，不能修改预算")
		case req.TargetMaxCoupons != nil:
			if *req.CurrentMaxCoupons != rule.MaxCoupons {
				return invalid("current_max_coupons %d 与当前值 %d 不一致", *req.CurrentMaxCoupons, rule.MaxCoupons)
			}
			if *req.TargetMaxCoupons < s.sent {
				return invalid("target_max_coupons %d 小于已发放数量 %d", *req.TargetMaxCoupons, s.sent)
			}
			if *req.TargetMaxCoupons < rule.MaxCouponsByDay {
				return invalid("target_max_coupons %d 小于单天发放上限 %d", *req.TargetMaxCoupons, rule.MaxCouponsByDay)
			}
			rule.MaxCoupons = *req.TargetMaxCoupons
		default:
			if *req.CurrentMaxCouponsByDay != rule.MaxCouponsByDay {
				return invalid("current_max_coupons_by_day %d 与当前值 %d 不一致", *req.CurrentMaxCouponsByDay, rule.MaxCouponsByDay)
			}
			if *req.TargetMaxCouponsByDay > rule.MaxCoupons {
				return invalid("target_max_coupons_by_day %d 大于批次总量 %d", *req.TargetMaxCouponsByDay, rule.MaxCoupons)
			}
			rule.MaxCouponsByDay = *req.TargetMaxCouponsByDay
		}
		s.def.StockSendRule = &rule
		return c.remember(st, "modify_budget_request_no", req.ModifyBudgetRequestNo,
			budgetReply{MaxCoupons: rule.MaxCoupons, MaxCouponsByDay: rule.MaxCouponsByDay})
	})
}

type modifyRequest struct {
	CustomEntrance     *customEntrance `json:"custom_entrance"`
	StockName          *string         `json:"stock_name"`
	Comment            *string         `json:"comment"`
	GoodsName          *string         `json:"goods_name"`
	OutRequestNo       string          `json:"out_request_no"`
	DisplayPatternInfo *displayPattern `json:"display_pattern_info"`
	CouponUseRule      *useRule        `json:"coupon_use_rule"`
	StockSendRule      *struct {
		NaturalPersonLimit *bool `json:"natural_person_limit"`
		PreventAPIAbuse    *bool `json:"prevent_api_abuse"`
	} `json:"stock_send_rule"`
	NotifyConfig *notifyConfig `json:"notify_config"`
	Subsidy      *bool         `json:"subsidy"`
}

// modifyStock is PATCH stocks/{stock_id} (§2.4), answered 204. Fields the
// SDK calls "not yet modifiable" (stock_name, merchant_logo_url,
// merchant_name, natural_person_limit) are refused with PARAM_ERROR naming
// them rather than silently ignored (unconfirmed); coupon_use_rule may
// change only use_method and the mini-program fields.
func (c *call) modifyStock() any {
	var req modifyRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	v := &check{}
	v.requestNo("out_request_no", req.OutRequestNo)
	v.rule(req.StockName != nil, "stock_name", deref(req.StockName), "暂不支持修改")
	if req.Comment != nil {
		v.str("comment", *req.Comment, false, 20)
	}
	if req.GoodsName != nil {
		v.str("goods_name", *req.GoodsName, true, 15)
	}
	if req.CustomEntrance != nil {
		c.checkEntrance(v, req.CustomEntrance, false)
	}
	if d := req.DisplayPatternInfo; d != nil {
		v.rule(d.MerchantLogoURL != "", "display_pattern_info/merchant_logo_url", d.MerchantLogoURL, "暂不支持修改")
		v.rule(d.MerchantName != "", "display_pattern_info/merchant_name", d.MerchantName, "暂不支持修改")
		checkDisplay(v, d)
	}
	if u := req.CouponUseRule; u != nil {
		v.rule(u.CouponAvailableTime != nil || u.FixedNormalCoupon != nil || u.DiscountCoupon != nil || u.ExchangeCoupon != nil,
			"coupon_use_rule", "", "只能修改 use_method、mini_programs_appid、mini_programs_path")
		c.checkUseMethod(v, u)
	}
	if r := req.StockSendRule; r != nil {
		v.rule(r.NaturalPersonLimit != nil, "stock_send_rule/natural_person_limit", deref(r.NaturalPersonLimit), "暂不支持修改")
	}
	if req.NotifyConfig != nil {
		v.str("notify_config/notify_appid", req.NotifyConfig.NotifyAppID, true, 32)
		c.appIDBound(v, "notify_config/notify_appid", req.NotifyConfig.NotifyAppID)
	}
	if v.err != nil {
		return v.err
	}
	return c.locked(func(st *state) any {
		if prev, seen := c.replay(st, "modify_out_request_no", req.OutRequestNo); seen {
			return prev
		}
		s, err := c.stockOf(st)
		if err != nil {
			return err
		}
		if c.now.After(s.end) {
			return invalid("批次已过期，不能修改")
		}
		if req.Subsidy != nil && !*req.Subsidy && s.def.Subsidy {
			return invalid("subsidy 只能由 false 改为 true")
		}
		d := s.def // pointed-to values are replaced, never changed in place
		if req.Comment != nil {
			d.Comment = *req.Comment
		}
		if req.GoodsName != nil {
			d.GoodsName = *req.GoodsName
		}
		if req.CustomEntrance != nil {
			ce := *req.CustomEntrance
			if d.CustomEntrance != nil {
				ce.StoreID = d.CustomEntrance.StoreID
			}
			d.CustomEntrance = &ce
		}
		if in := req.DisplayPatternInfo; in != nil {
			dp := *in
			if d.DisplayPatternInfo != nil {
				dp.MerchantLogoURL, dp.MerchantName = d.DisplayPatternInfo.MerchantLogoURL, d.DisplayPatternInfo.MerchantName
			}
			d.DisplayPatternInfo = &dp
		}
		if in := req.CouponUseRule; in != nil {
			u := *d.CouponUseRule
			u.UseMethod, u.MiniProgramsAppID, u.MiniProgramsPath = in.UseMethod, in.MiniProgramsAppID, in.MiniProgramsPath
			d.CouponUseRule = &u
		}
		if in := req.StockSendRule; in != nil && in.PreventAPIAbuse != nil {
			r := *d.StockSendRule
			r.PreventAPIAbuse = *in.PreventAPIAbuse
			d.StockSendRule = &r
		}
		if req.NotifyConfig != nil {
			nc := *req.NotifyConfig
			d.NotifyConfig = &nc
		}
		if req.Subsidy != nil {
			d.Subsidy = *req.Subsidy
		}
		s.def = d
		return c.remember(st, "modify_out_request_no", req.OutRequestNo, noContent{})
	})
}

func deref[T any](p *T) any {
	if p == nil {
		return ""
	}
	return *p
}
