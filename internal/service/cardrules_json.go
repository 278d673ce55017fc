package service

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// The card rules read a definition as a small JSON tree rather than into
// structs: they must tell a JSON number from a numeric string and a boolean
// from "true", rewrite a few values in place, and hand everything else back as
// it came, in its original key order (WeChat has many more fields than the
// rules know).

type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

// jsonValue is one JSON value. Numbers keep their literal text, so an unknown
// 12345678901234567890 or 1.50 goes out exactly as it came in.
type jsonValue struct {
	kind  jsonKind
	bool  bool
	text  string // a string's value or a number's literal
	items []*jsonValue
	keys  []string // object keys in the order first seen
	props map[string]*jsonValue
}

// parseJSONValue reads one JSON value and nothing after it. A key given twice
// keeps its first position and its last value, as encoding/json reads it.
func parseJSONValue(data []byte) (*jsonValue, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeJSONValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

// maxJSONDepth bounds nesting as encoding/json does; Decoder.Token alone does not.
const maxJSONDepth = 10000

func decodeJSONValue(dec *json.Decoder, depth int) (*jsonValue, error) {
	if depth > maxJSONDepth {
		return nil, errors.New("JSON nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return &jsonValue{kind: jsonNull}, nil
	case bool:
		return &jsonValue{kind: jsonBool, bool: t}, nil
	case json.Number:
		return &jsonValue{kind: jsonNumber, text: t.String()}, nil
	case string:
		return &jsonValue{kind: jsonString, text: t}, nil
	case json.Delim:
		switch t {
		case '{':
			v := &jsonValue{kind: jsonObject, props: map[string]*jsonValue{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key %v is not a string", kt)
				}
				child, err := decodeJSONValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				v.set(key, child)
			}
			if _, err := dec.Token(); err != nil { // the closing '}'
				return nil, err
			}
			return v, nil
		case '[':
			v := &jsonValue{kind: jsonArray, items: []*jsonValue{}}
			for dec.More() {
				child, err := decodeJSONValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				v.items = append(v.items, child)
			}
			if _, err := dec.Token(); err != nil { // the closing ']'
				return nil, err
			}
			return v, nil
		}
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// get returns the member key of an object, or nil when v is not an object or
// has no such member.
func (v *jsonValue) get(key string) *jsonValue {
	if v == nil || v.kind != jsonObject {
		return nil
	}
	return v.props[key]
}

// set replaces or appends the member key of an object.
func (v *jsonValue) set(key string, child *jsonValue) {
	if _, ok := v.props[key]; !ok {
		v.keys = append(v.keys, key)
	}
	v.props[key] = child
}

// isNull reports whether v is absent or JSON null; optional fields sent as
// null count as absent, as they do for encoding/json.
func (v *jsonValue) isNull() bool { return v == nil || v.kind == jsonNull }

// kindName names v's JSON type for error messages.
func (v *jsonValue) kindName() string {
	switch v.kind {
	case jsonBool:
		return "a boolean"
	case jsonNumber:
		return "a number"
	case jsonString:
		return "a string"
	case jsonArray:
		return "an array"
	case jsonObject:
		return "an object"
	}
	return "null"
}

// marshal writes v as compact JSON with non-ASCII text as raw UTF-8 and no
// HTML escaping: WeChat can refuse \uXXXX escapes (40033).
func (v *jsonValue) marshal() []byte { return v.appendTo(nil) }

func (v *jsonValue) appendTo(b []byte) []byte {
	switch v.kind {
	case jsonBool:
		return strconv.AppendBool(b, v.bool)
	case jsonNumber:
		return append(b, v.text...)
	case jsonString:
		return appendJSONString(b, v.text)
	case jsonArray:
		b = append(b, '[')
		for i, it := range v.items {
			if i > 0 {
				b = append(b, ',')
			}
			b = it.appendTo(b)
		}
		return append(b, ']')
	case jsonObject:
		b = append(b, '{')
		for i, k := range v.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = v.props[k].appendTo(b)
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}

// appendJSONString quotes s, escaping only what JSON requires.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"':
			b = append(b, '\\', '"')
		case r == '\\':
			b = append(b, '\\', '\\')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}
