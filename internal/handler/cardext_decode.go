package handler

import (
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// bindCardExt decodes a card-ext body. The usual shape, {"cards":[{"card_id":
// "…"}, …]} with plain strings, is read without reflection (json.Unmarshal was
// about a tenth of card-ext's CPU, the hottest route); anything else goes
// through bindJSON, so errors and edge cases are bindJSON's.
func bindCardExt(c *gin.Context, req *cardExtRequest) bool {
	body, ok := readBody(c)
	if !ok {
		return false
	}
	if cards, ok := decodeCardExtFast(body); ok {
		req.Cards = cards
		return true
	}
	return bindJSONBytes(c, body, req)
}

// decodeCardExtFast decodes body when it is exactly an object whose only key
// is "cards", an array of objects whose keys are card_id, code or outer_str
// with string values free of escapes and control characters, in valid UTF-8.
// It gives what json.Unmarshal gives for such a body (a repeated key: the last
// value wins); for any other body ok is false.
func decodeCardExtFast(body []byte) (cards []cardExtCard, ok bool) {
	if !utf8.Valid(body) {
		return nil, false
	}
	d := fastDec{b: body}
	if !d.byte('{') || string(d.str()) != "cards" || !d.byte(':') || !d.byte('[') {
		return nil, false
	}
	cards = []cardExtCard{}
	if d.peek() == ']' {
		d.i++
	} else {
		for {
			var card cardExtCard
			if !d.byte('{') {
				return nil, false
			}
			if d.peek() == '}' {
				d.i++
			} else {
				for {
					key := d.str()
					if !d.byte(':') {
						return nil, false
					}
					val := d.str()
					if d.bad {
						return nil, false
					}
					switch string(key) {
					case "card_id":
						card.CardID = string(val)
					case "code":
						card.Code = string(val)
					case "outer_str":
						card.OuterStr = string(val)
					default:
						return nil, false
					}
					if d.peek() == ',' {
						d.i++
						continue
					}
					if !d.byte('}') {
						return nil, false
					}
					break
				}
			}
			cards = append(cards, card)
			if d.peek() == ',' {
				d.i++
				continue
			}
			if !d.byte(']') {
				return nil, false
			}
			break
		}
	}
	if !d.byte('}') || d.peek() != 0 || d.bad {
		return nil, false
	}
	return cards, true
}

// fastDec is a cursor over a JSON text; bad is set by the first thing it
// does not accept.
type fastDec struct {
	b   []byte
	i   int
	bad bool
}

// peek skips white space and returns the next byte, 0 at the end.
func (d *fastDec) peek() byte {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return d.b[d.i]
		}
	}
	return 0
}

// byte consumes ch after white space.
func (d *fastDec) byte(ch byte) bool {
	if d.bad || d.peek() != ch {
		d.bad = true
		return false
	}
	d.i++
	return true
}

// str consumes a string with no escapes or control characters and returns
// its bytes (within the body: no copy).
func (d *fastDec) str() []byte {
	if !d.byte('"') {
		return nil
	}
	start := d.i
	for d.i < len(d.b) {
		switch ch := d.b[d.i]; {
		case ch == '"':
			s := d.b[start:d.i]
			d.i++
			return s
		case ch == '\\' || ch < 0x20:
			d.bad = true
			return nil
		}
		d.i++
	}
	d.bad = true
	return nil
}
