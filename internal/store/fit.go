package store

import (
	"strings"
	"unicode/utf8"
)

// fitColumn makes s storable in a VARCHAR(n) utf8mb4 column: invalid UTF-8 is
// replaced (MySQL refuses it) and the text is cut to n characters, at a rune
// boundary, with "…" marking the cut.
func fitColumn(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	var b strings.Builder
	i := 0
	for _, r := range s {
		if i == n-1 {
			break
		}
		b.WriteRune(r)
		i++
	}
	b.WriteString("…")
	return b.String()
}
