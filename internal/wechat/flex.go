package wechat

import (
	"bytes"
	"fmt"
	"strconv"
)

// flexBool reads a JSON boolean that older answers send as a string ("true")
// or a number.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	s := string(bytes.Trim(data, `"`))
	switch s {
	case "true", "1", "TRUE", "True":
		*b = true
	case "false", "0", "", "null", "FALSE", "False":
		*b = false
	default:
		return fmt.Errorf("not a boolean: %s", data)
	}
	return nil
}

// flexInt reads a JSON integer that may come as a string.
type flexInt int64

func (n *flexInt) UnmarshalJSON(data []byte) error {
	s := string(bytes.Trim(data, `"`))
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		fv, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return fmt.Errorf("not an integer: %s", data)
		}
		v = int64(fv)
	}
	*n = flexInt(v)
	return nil
}
