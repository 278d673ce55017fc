package sandbox

import (
	"encoding/json"
)

// Idempotency (§1.6, §7.1 step 7): a request number is remembered with the
// request's content and its successful answer. A replay with the same
// content gets the stored answer, whatever happened since; the same number
// with other content is 400 INVALID_REQUEST. Failed requests are not
// remembered, so a corrected request may reuse the number.

// request is one remembered request number.
type request struct {
	content string
	result  any // immutable once stored
}

// content is what makes two requests "the same": the path (so the same
// number on another stock differs) and the body as parsed JSON (so key
// order and spacing do not matter).
func (c *call) content() string {
	var v any
	if err := json.Unmarshal(c.body, &v); err != nil {
		return c.path + "\n" + string(c.body)
	}
	canon, _ := json.Marshal(v) // maps marshal with sorted keys
	return c.path + "\n" + string(canon)
}

// replay looks a request number up: (stored answer, true) for a replay,
// (an error, true) for the number reused with other content, (nil, false)
// for a new number.
func (c *call) replay(st *state, kind, no string) (any, bool) {
	rq, seen := st.requests[kind+"\x00"+no]
	if !seen {
		return nil, false
	}
	if rq.content != c.content() {
		return invalid("%s %s 已被使用，且请求内容不一致", kind, no), true
	}
	return rq.result, true
}

// remember stores a request number's successful answer.
func (c *call) remember(st *state, kind, no string, result any) any {
	st.requests[kind+"\x00"+no] = &request{content: c.content(), result: result}
	return result
}
