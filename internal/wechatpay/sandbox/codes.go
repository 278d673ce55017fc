package sandbox

import (
	"strconv"
	"strings"
	"time"
)

// Pre-stored codes of MERCHANT_UPLOAD stocks (§2.5).

// Code states.
const (
	codeAvailable  = "AVAILABLE"
	codeDispatched = "DISPATCHED"
)

type uploadedCode struct {
	code       string
	status     string
	uploadTime time.Time
	dispatched time.Time
	coupon     *coupon // once dispatched
}

// validMerchantCode reports whether s is a merchant code: 1–32 characters
// of 0-9 a-z A-Z, space, - _ \ / = |.
func validMerchantCode(s string) (ok bool, failCode string) {
	if len(s) == 0 || len(s) > 32 {
		return false, "LENGTH_LIMIT"
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune(` -_\/=|`, r)) {
			return false, "CHARACTER_INVALID"
		}
	}
	return true, ""
}

type uploadRequest struct {
	CouponCodeList  []string `json:"coupon_code_list"`
	UploadRequestNo string   `json:"upload_request_no"`
}

type failCode struct {
	CouponCode string `json:"coupon_code"`
	Code       string `json:"code"`
	Message    string `json:"message"`
}

type uploadReply struct {
	StockID        string     `json:"stock_id"`
	TotalCount     int        `json:"total_count"`
	SuccessCount   int        `json:"success_count"`
	SuccessCodes   []string   `json:"success_codes"`
	SuccessTime    string     `json:"success_time"`
	FailCount      int        `json:"fail_count"`
	FailCodes      []failCode `json:"fail_codes"`
	ExistCodes     []string   `json:"exist_codes"`
	DuplicateCodes []string   `json:"duplicate_codes"`
}

// uploadCodes is POST stocks/{stock_id}/couponcodes: 1–200 codes; bad ones
// fail one by one (LENGTH_LIMIT, CHARACTER_INVALID — the latter's name is
// the emulator's), codes uploaded before are skipped, repeats kept once.
// Only MERCHANT_UPLOAD stocks take codes (else INVALID_REQUEST).
func (c *call) uploadCodes() any {
	var req uploadRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	v := &check{}
	v.rule(len(req.CouponCodeList) == 0, "coupon_code_list", "", "此字段为必填项")
	v.rule(len(req.CouponCodeList) > 200, "coupon_code_list", len(req.CouponCodeList), "最多 200 个")
	v.requestNo("upload_request_no", req.UploadRequestNo)
	if v.err != nil {
		return v.err
	}
	return c.locked(func(st *state) any {
		if prev, seen := c.replay(st, "upload_request_no", req.UploadRequestNo); seen {
			return prev
		}
		s, err := c.stockOf(st)
		if err != nil {
			return err
		}
		if s.def.CouponCodeMode != "MERCHANT_UPLOAD" {
			return invalid("批次 %s 的 coupon_code_mode 不是 MERCHANT_UPLOAD", s.id)
		}
		out := uploadReply{StockID: s.id, SuccessTime: wxTime(c.now),
			SuccessCodes: []string{}, FailCodes: []failCode{}, ExistCodes: []string{}, DuplicateCodes: []string{}}
		inRequest := map[string]bool{}
		for _, code := range req.CouponCodeList {
			if inRequest[code] {
				out.DuplicateCodes = append(out.DuplicateCodes, code)
				continue
			}
			inRequest[code] = true
			if ok, why := validMerchantCode(code); !ok {
				out.FailCodes = append(out.FailCodes, failCode{CouponCode: code, Code: why, Message: "券码不合规"})
				continue
			}
			if _, exists := s.codes[code]; exists {
				out.ExistCodes = append(out.ExistCodes, code)
				continue
			}
			s.codes[code] = &uploadedCode{code: code, status: codeAvailable, uploadTime: c.now}
			s.codeOrder = append(s.codeOrder, code)
			s.available++
			out.SuccessCodes = append(out.SuccessCodes, code)
		}
		out.TotalCount = len(inRequest)
		out.SuccessCount, out.FailCount = len(out.SuccessCodes), len(out.FailCodes)
		return c.remember(st, "upload_request_no", req.UploadRequestNo, out)
	})
}

type codeView struct {
	Code           string `json:"code"`
	CodeStatus     string `json:"code_status"`
	UploadTime     string `json:"upload_time"`
	DispatchedTime string `json:"dispatched_time,omitempty"`
	OpenID         string `json:"openid,omitempty"`
	CouponCode     string `json:"coupon_code,omitempty"`
}

func (u *uploadedCode) view() codeView {
	v := codeView{Code: u.code, CodeStatus: u.status, UploadTime: wxTime(u.uploadTime), DispatchedTime: wxTime(u.dispatched)}
	if u.coupon != nil {
		v.OpenID, v.CouponCode = u.coupon.openid, u.coupon.code
	}
	return v
}

type codeListReply struct {
	StockID    string     `json:"stock_id"`
	TotalCount int        `json:"total_count"`
	Offset     int        `json:"offset"`
	Limit      int        `json:"limit"`
	Data       []codeView `json:"data"`
}

// listCodes is GET stocks/{stock_id}/couponcodes?limit&offset&status.
func (c *call) listCodes() any {
	q := c.r.URL.Query()
	offset, limit, aerr := paging(q.Get("offset"), q.Get("limit"))
	if aerr != nil {
		return aerr
	}
	status := q.Get("status")
	if status != "" && status != codeAvailable && status != codeDispatched {
		return queryErr("status", status, "取值不在枚举范围内：AVAILABLE, DISPATCHED")
	}
	return c.locked(func(st *state) any {
		s, err := c.stockOf(st)
		if err != nil {
			return err
		}
		var all []codeView
		for _, code := range s.codeOrder {
			u := s.codes[code]
			if status == "" || u.status == status {
				all = append(all, u.view())
			}
		}
		return codeListReply{StockID: s.id, TotalCount: len(all), Offset: offset, Limit: limit, Data: page(all, offset, limit)}
	})
}

// paging reads offset (an item offset, unconfirmed) and limit (default 20,
// at most 50, unconfirmed).
func paging(offsetS, limitS string) (offset, limit int, aerr *apiError) {
	offset, limit = 0, 20
	if offsetS != "" {
		n, err := strconv.Atoi(offsetS)
		if err != nil || n < 0 {
			return 0, 0, queryErr("offset", offsetS, "须为非负整数")
		}
		offset = n
	}
	if limitS != "" {
		n, err := strconv.Atoi(limitS)
		if err != nil || n < 1 || n > 50 {
			return 0, 0, queryErr("limit", limitS, "须为 1 到 50 的整数")
		}
		limit = n
	}
	return offset, limit, nil
}

func page[T any](all []T, offset, limit int) []T {
	if offset >= len(all) {
		return []T{}
	}
	return all[offset:min(len(all), offset+limit)]
}

type codeReply struct {
	CodeInformation   codeView    `json:"code_information"`
	CouponInformation *couponView `json:"coupon_information,omitempty"`
}

// getCode is GET stocks/{stock_id}/couponcodes/{coupon_code}.
func (c *call) getCode() any {
	return c.locked(func(st *state) any {
		s, err := c.stockOf(st)
		if err != nil {
			return err
		}
		u, found := s.codes[c.r.PathValue("coupon_code")]
		if !found {
			return notFound("券码 %s 不存在", c.r.PathValue("coupon_code"))
		}
		out := codeReply{CodeInformation: u.view()}
		if u.coupon != nil {
			cv := st.view(u.coupon, c.now, true)
			out.CouponInformation = &cv
		}
		return out
	})
}

type deleteCodeReply struct {
	StockID    string `json:"stock_id"`
	DeleteTime string `json:"delete_time"`
}

// deleteCode is DELETE stocks/{stock_id}/couponcodes/{coupon_code}
// ?delete_request_no=…: only AVAILABLE codes (unconfirmed; a dispatched
// one is INVALID_REQUEST).
func (c *call) deleteCode() any {
	no := c.r.URL.Query().Get("delete_request_no")
	v := &check{}
	v.requestNo("delete_request_no", no)
	if v.err != nil {
		v.err.detail.Location = "query"
		return v.err
	}
	return c.locked(func(st *state) any {
		if prev, seen := c.replay(st, "delete_request_no", no); seen {
			return prev
		}
		s, err := c.stockOf(st)
		if err != nil {
			return err
		}
		code := c.r.PathValue("coupon_code")
		u, found := s.codes[code]
		if !found {
			return notFound("券码 %s 不存在", code)
		}
		if u.status != codeAvailable {
			return invalid("券码 %s 已发放，不能删除", code)
		}
		delete(s.codes, code)
		for i, x := range s.codeOrder {
			if x == code {
				s.codeOrder = append(s.codeOrder[:i:i], s.codeOrder[i+1:]...)
				break
			}
		}
		s.available--
		return c.remember(st, "delete_request_no", no, deleteCodeReply{StockID: s.id, DeleteTime: wxTime(c.now)})
	})
}
