package service

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Page selects a page of a list: by position (Offset), or after a row a
// previous page ended with (After, keyset pagination: the database seeks to
// that row through the list's index instead of reading every row before it,
// and rows inserted meanwhile do not shift the pages). Offset and After are
// not combined.
type Page struct {
	Offset int
	Count  int     // 0: the default page size
	After  *Cursor // when set, Offset is 0
	// All asks for every row (lists that were never paged, e.g. a user's own
	// codes without paging parameters); Offset, Count and After are ignored.
	All bool
}

// Cursor is the position of one row in a list's order: the row's time column
// and its unique tie-breaker (a numeric id, or a natural key such as a card_id).
// Rows strictly after it in the order (time descending, then key descending)
// form the next page.
type Cursor struct {
	At  time.Time
	Key string
}

// cursorVersion prefixes an encoded cursor, so that its layout can change.
const cursorVersion = "1"

// Encode returns the cursor as the opaque string a client sends back as
// ?after=: URL-safe base64 of "1|<unix ms>|<key>".
func (c Cursor) Encode() string {
	raw := cursorVersion + "|" + strconv.FormatInt(c.At.UnixMilli(), 10) + "|" + c.Key
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// ParseCursor reads what Encode wrote; anything else is an invalid_argument
// error about field.
func ParseCursor(field, s string) (*Cursor, error) {
	bad := Invalid(field, "%s is not a cursor returned as next by this list", field)
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) > 512 {
		return nil, bad
	}
	parts := strings.SplitN(string(raw), "|", 3)
	if len(parts) != 3 || parts[0] != cursorVersion || parts[2] == "" {
		return nil, bad
	}
	ms, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return nil, bad
	}
	return &Cursor{At: time.UnixMilli(ms).UTC(), Key: parts[2]}, nil
}

// IDKey returns the cursor's key as a numeric row id (lists ordered by an
// auto-increment id); ok is false when it is not one.
func (c Cursor) IDKey() (int64, bool) {
	id, err := strconv.ParseInt(c.Key, 10, 64)
	return id, err == nil && id > 0
}

// checkListPage checks a page request: offset ≥ 0, count 0 (the default) to
// MaxPageCount, and not both an offset and a cursor.
func checkListPage(p Page) error {
	if p.All {
		return nil
	}
	if err := checkPage(p.Offset, p.Count); err != nil {
		return err
	}
	if p.After != nil && p.Offset != 0 {
		return Invalid("after", "give either offset or after, not both")
	}
	return nil
}
