package handler

import (
	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/service"
)

// listPage reads a list's paging: ?offset=&count= as before, or ?after=, the
// opaque cursor a previous page returned as next (empty: none). ok is false when the answer
// (400) has been written.
func listPage(c *gin.Context) (service.Page, bool) {
	offset, count, ok := pageParams(c)
	if !ok {
		return service.Page{}, false
	}
	p := service.Page{Offset: offset, Count: count}
	if v := c.Query("after"); v != "" {
		after, err := service.ParseCursor("after", v)
		if err != nil {
			_ = c.Error(err)
			return service.Page{}, false
		}
		p.After = after
	}
	return p, true
}

// paged adds to a list's answer next (the cursor of the page's last row, only
// when another page follows) and, for a page read without a cursor, total:
// pages read with ?after= do not count the list again.
func paged(body gin.H, p service.Page, total int64, next *service.Cursor) gin.H {
	if p.After == nil {
		body["total"] = total
	}
	if next != nil {
		body["next"] = next.Encode()
	}
	return body
}
