package sandbox

import (
	"errors"
	"io"
	"net/http"
	"strings"
)

// routes are the two route tables: WeChat Pay's paths (counted, faultable,
// signature-checked, answers signed) and the drivers under sandbox/pay/.
func (e *Emulator) routes() (api, driver *http.ServeMux) {
	api = http.NewServeMux()
	v3 := func(pattern string, h handler) { api.Handle(pattern, e.apiRoute(h)) }
	const bf = "/v3/marketing/busifavor/"
	// stocks.go
	v3("POST "+bf+"stocks", (*call).createStock)
	v3("GET "+bf+"stocks/{stock_id}", (*call).getStock)
	v3("PATCH "+bf+"stocks/{stock_id}", (*call).modifyStock)
	v3("PATCH "+bf+"stocks/{stock_id}/budget", (*call).modifyBudget)
	// codes.go
	v3("POST "+bf+"stocks/{stock_id}/couponcodes", (*call).uploadCodes)
	v3("GET "+bf+"stocks/{stock_id}/couponcodes", (*call).listCodes)
	v3("GET "+bf+"stocks/{stock_id}/couponcodes/{coupon_code}", (*call).getCode)
	v3("DELETE "+bf+"stocks/{stock_id}/couponcodes/{coupon_code}", (*call).deleteCode)
	// coupons.go
	v3("POST "+bf+"coupons/use", (*call).useCoupon)
	v3("POST "+bf+"coupons/deactivate", (*call).deactivateCoupon)
	v3("POST "+bf+"coupons/return", (*call).returnCoupon)
	v3("POST "+bf+"coupons/send", (*call).apiSend)
	// associate.go
	v3("POST "+bf+"coupons/associate", (*call).associateCoupon)
	v3("POST "+bf+"coupons/disassociate", (*call).disassociateCoupon)
	v3("GET "+bf+"users/{openid}/coupons", (*call).listUserCoupons)
	v3("GET "+bf+"users/{openid}/coupons/{coupon_code}/appids/{appid}", (*call).getUserCoupon)
	// callbacks.go
	v3("POST "+bf+"callbacks", (*call).setCallbacks)
	v3("GET "+bf+"callbacks", (*call).getCallbacks)
	v3("/", unknownPath)

	driver = http.NewServeMux()
	drv := func(pattern string, h handler) { driver.Handle(pattern, e.driverRoute(h)) }
	const sp = "/sandbox/pay/"
	drv("GET "+sp+"merchant", (*call).driverMerchant)
	drv("GET "+sp+"stats", (*call).driverStats)
	drv("POST "+sp+"faults", (*call).driverFaults)
	drv("POST "+sp+"reset", (*call).driverReset)
	drv("POST "+sp+"stock-state", (*call).driverStockState)
	drv("POST "+sp+"send-coupon", (*call).driverSendCoupon)
	drv("POST "+sp+"coupon-link", (*call).driverCouponLink)
	drv("POST "+sp+"expire-coupon", (*call).driverExpireCoupon)
	drv("POST "+sp+"delete-coupon", (*call).driverDeleteCoupon)
	drv("GET "+sp+"notifications", (*call).driverNotifications)
	drv("POST "+sp+"signtest", (*call).driverSignTest)
	return api, driver
}

// driverRoute adapts a handler to the driver mux: no signature, plain JSON
// answers (errors as WeChat Pay's body with their status).
func (e *Emulator) driverRoute(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.TrimPrefix(r.URL.Path, "/")
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeJSON(w, http.StatusRequestEntityTooLarge, driverErr("body over 1 MB").body())
			}
			return
		}
		c := &call{e: e, r: r, path: path, body: body, now: e.now()}
		switch v := h(c).(type) {
		case *apiError:
			e.log.Debug("wechatpay driver error", "path", path, "code", v.code, "message", v.message)
			writeJSON(w, v.status, v.body())
		default:
			writeJSON(w, http.StatusOK, v)
		}
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(encode(v))
}
