package callback

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// maxDepth caps element nesting. WeChat's messages are two levels deep; the
// cap leaves room for unknown nested fields, which are skipped.
const maxDepth = 32

// xmlSpace is XML's white space, trimmed around field values.
const xmlSpace = " \t\r\n"

// Envelope is the outer XML of a POST in safe or compatible mode.
type Envelope struct {
	ToUserName string
	Encrypt    string
}

// ParseEnvelope reads a safe-mode or compatible-mode body. Fields are found by
// element name, so plaintext fields beside Encrypt (compatible mode) are
// skipped. It returns ErrTooLarge over MaxBody and ErrMalformed for XML that
// is not well formed or has no Encrypt value.
func ParseEnvelope(body []byte) (Envelope, error) {
	fields, err := parseFlat(body, func(name string) bool { return name == "ToUserName" || name == "Encrypt" })
	if err != nil {
		return Envelope{}, fmt.Errorf("parse envelope: %w", err)
	}
	env := Envelope{ToUserName: fields["ToUserName"], Encrypt: fields["Encrypt"]}
	if env.Encrypt == "" {
		return Envelope{}, fmt.Errorf("parse envelope: %w: no Encrypt", ErrMalformed)
	}
	return env, nil
}

// parseFlat reads an XML document whose root holds one level of fields, as
// WeChat's messages do, and returns the text of the root's children whose
// names known accepts, with XML white space trimmed. It refuses DTDs, entities
// other than XML's predefined ones, encodings other than UTF-8, nesting beyond
// maxDepth, more than one root, a known field given twice and a known field
// with child elements. Other fields are checked for well-formedness only.
func parseFlat(body []byte, known func(name string) bool) (map[string]string, error) {
	if len(body) > MaxBody {
		return nil, fmt.Errorf("%d bytes: %w", len(body), ErrTooLarge)
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true       // no HTML auto-close, no undeclared entities
	d.Entity = nil        // only &lt; &gt; &amp; &apos; &quot; and character references
	d.CharsetReader = nil // UTF-8 only
	var (
		out   = make(map[string]string)
		depth int
		root  bool
		cur   string // the known field being read, if any
		text  []byte
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if !root {
				return nil, fmt.Errorf("%w: no root element", ErrMalformed)
			}
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth > maxDepth:
				return nil, fmt.Errorf("%w: elements nested over %d deep", ErrMalformed, maxDepth)
			case depth == 1 && root:
				return nil, fmt.Errorf("%w: more than one root element", ErrMalformed)
			case depth == 1:
				root = true
			case depth == 2 && known(t.Name.Local):
				if _, dup := out[t.Name.Local]; dup {
					return nil, fmt.Errorf("%w: %s given twice", ErrMalformed, t.Name.Local)
				}
				cur, text = t.Name.Local, text[:0]
			case depth == 3 && cur != "":
				return nil, fmt.Errorf("%w: %s has child elements", ErrMalformed, cur)
			}
		case xml.EndElement:
			if depth == 2 && cur != "" {
				out[cur] = strings.Trim(string(text), xmlSpace)
				cur = ""
			}
			depth--
		case xml.CharData:
			switch {
			case depth == 0 && len(bytes.Trim(t, xmlSpace)) > 0:
				return nil, fmt.Errorf("%w: text outside the root element", ErrMalformed)
			case depth == 2 && cur != "":
				text = append(text, t...)
			}
		case xml.Directive:
			return nil, fmt.Errorf("%w: DTDs and other directives are not accepted", ErrMalformed)
		}
	}
}

// writeCDATA writes <name><![CDATA[value]]></name>. A "]]>" in value is split
// across two sections, and characters XML cannot carry become U+FFFD.
func writeCDATA(b *bytes.Buffer, name, value string) {
	b.WriteString("<" + name + "><![CDATA[")
	for len(value) > 0 {
		if strings.HasPrefix(value, "]]>") {
			b.WriteString("]]]]><![CDATA[>")
			value = value[3:]
			continue
		}
		r, size := utf8.DecodeRuneInString(value)
		if !isXMLChar(r) || (r == utf8.RuneError && size == 1) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
		value = value[size:]
	}
	b.WriteString("]]></" + name + ">")
}

// writeInt writes <name>v</name>.
func writeInt(b *bytes.Buffer, name string, v int64) {
	fmt.Fprintf(b, "<%s>%d</%s>", name, v, name)
}

// isXMLChar reports whether r may appear in an XML 1.0 document.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
