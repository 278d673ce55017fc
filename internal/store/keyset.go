package store

import (
	"strconv"

	"gorm.io/gorm"

	"github.com/wxcoupon/coupon/internal/service"
)

// listOrder is a list's order: newest first by a time column, ties broken by
// a unique key column, both descending. Every list that pages by cursor has an
// index that ends with (time, key) after its equality filters, so that a seek
// reads only the page.
type listOrder struct {
	time, key  string // qualified column names as the query uses them
	numericKey bool   // the key is an auto-increment id
}

// paged orders q, applies p (a seek past p.After, or an offset) and limits it
// to one row more than the page, which tells whether another page follows. It
// returns the page size. A cursor whose key does not fit the list (a text key
// for an id list) is service's invalid_argument error.
func (o listOrder) paged(q *gorm.DB, p service.Page) (*gorm.DB, int, error) {
	q = q.Order(o.time + " DESC").Order(o.key + " DESC")
	if p.All {
		return q, -1, nil
	}
	offset, count := page(p.Offset, p.Count)
	if a := p.After; a != nil {
		var key any = a.Key
		if o.numericKey {
			id, ok := a.IDKey()
			if !ok {
				return nil, 0, service.Invalid("after", "after is not a cursor returned as next by this list")
			}
			key = id
		}
		at := dbTime(a.At)
		// The first condition alone is a range on the index; the second
		// drops the rows at the cursor's time up to and including its row.
		q = q.Where(o.time+" <= ? AND ("+o.time+" < ? OR "+o.key+" < ?)", at, at, key)
		offset = 0
	}
	return q.Offset(offset).Limit(count + 1), count, nil
}

// next returns the cursor of the page's last row (made by last) when a
// further row was read (n rows for a page of count), and nil on the last page.
func next(n, count int, last func() service.Cursor) *service.Cursor {
	if count < 0 || n <= count {
		return nil
	}
	c := last()
	return &c
}

func idKey(id int64) string { return strconv.FormatInt(id, 10) }
