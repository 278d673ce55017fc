package sandbox_test

import (
	"bytes"
	"mime/multipart"
	"regexp"
	"testing"

	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
)

var (
	png  = append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...)
	jpeg = append([]byte("\xff\xd8\xff\xe0"), make([]byte, 100)...)
	gif  = append([]byte("GIF89a"), make([]byte, 100)...)
)

// upload posts data as the multipart part named part (none when part is "").
func (e *env) upload(path, part string, data []byte) reply {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if part != "" {
		w, _ := mw.CreateFormFile(part, "image.bin")
		_, _ = w.Write(data)
	} else {
		_ = mw.WriteField("note", "no file")
	}
	_ = mw.Close()
	return e.send("POST", path, mw.FormDataContentType(), &buf)
}

func TestUploadImg(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	path := "/cgi-bin/media/uploadimg?access_token=" + e.token()
	imageURL := regexp.MustCompile(`^http://mmbiz\.qpic\.cn/mmbiz/[A-Za-z0-9]+/0$`)
	tests := []struct {
		name string
		part string
		data []byte
		want int
	}{
		{"PNG as buffer", "buffer", png, 0},
		{"JPEG as media", "media", jpeg, 0},
		{"GIF", "buffer", gif, 40005},
		{"text", "buffer", []byte("hello"), 40005},
		{"over 1 MB", "buffer", append(append([]byte{}, png...), make([]byte, 1<<20)...), 40009},
		{"exactly 1 MB", "buffer", append(append([]byte{}, png...), make([]byte, 1<<20-len(png))...), 0},
		{"no file part", "", nil, 41005},
		{"wrong part name", "file", png, 41005},
		{"empty file", "media", nil, 44001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := e.upload(path, tt.part, tt.data)
			wantErrcode(t, tt.name, r, tt.want)
			if tt.want == 0 && !imageURL.MatchString(r.str("url")) {
				t.Errorf("url = %q, want an mmbiz URL", r.str("url"))
			}
		})
	}
	wantErrcode(t, "not multipart", e.post(path, `{"x":1}`), 41005)
}

func TestUploadTempMedia(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	r := e.upload("/cgi-bin/media/upload?type=image&access_token="+e.token(), "media", gif)
	if r.errcode() != 0 || r.str("type") != "image" || r.str("media_id") == "" || r.num("created_at") != e.clock.Now().Unix() {
		t.Errorf("upload image = %s, want type, media_id, created_at", r.body)
	}
	wantErrcode(t, "type voice", e.upload("/cgi-bin/media/upload?type=voice&access_token="+e.token(), "media", png), 40004)
	wantErrcode(t, "part named buffer", e.upload("/cgi-bin/media/upload?type=image&access_token="+e.token(), "buffer", png), 41005)
	wantErrcode(t, "over 2 MB", e.upload("/cgi-bin/media/upload?type=image&access_token="+e.token(), "media", append(append([]byte{}, png...), make([]byte, 2<<20)...)), 40009)
	wantErrcode(t, "no token", e.upload("/cgi-bin/media/upload?type=image", "media", png), 41001)
}
