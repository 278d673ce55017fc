package main

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

// testImage is a small picture to encode.
func testImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := 0; x < 16; x++ {
		for y := 0; y < 16; y++ {
			img.Set(x, y, color.RGBA{R: uint8(x * 16), G: uint8(y * 16), B: 128, A: 255})
		}
	}
	return img
}

func pngImage(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, testImage()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegImage(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gifImage(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngOfSize is a PNG signature followed by filler up to n bytes.
func pngOfSize(t *testing.T, n int) []byte {
	t.Helper()
	b := pngImage(t)
	if len(b) > n {
		t.Fatalf("a PNG of %d bytes is asked, the smallest is %d", n, len(b))
	}
	return append(b, bytes.Repeat([]byte{0}, n-len(b))...)
}

// pngWithSize is a real, whole PNG of w×h pixels (one colour: it stays small).
func pngWithSize(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngHeaderOfSize is a small PNG whose header (IHDR, with a correct CRC)
// claims w×h pixels: what a decompression bomb looks like before decoding.
func pngHeaderOfSize(t *testing.T, w, h uint32) []byte {
	t.Helper()
	b := append([]byte(nil), pngImage(t)...)
	// 8-byte signature, then IHDR: length (4), type (4), width (4), height (4), ...
	if string(b[12:16]) != "IHDR" {
		t.Fatalf("no IHDR at 12: % x", b[:16])
	}
	binary.BigEndian.PutUint32(b[16:20], w)
	binary.BigEndian.PutUint32(b[20:24], h)
	binary.BigEndian.PutUint32(b[29:33], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// corruptPNG is a PNG of the right length whose compressed pixels are garbage
// (the chunk CRCs are left as they were, so the decoder notices).
func corruptPNG(t *testing.T) []byte {
	t.Helper()
	b := append([]byte(nil), pngImage(t)...)
	i := bytes.Index(b, []byte("IDAT"))
	if i < 0 {
		t.Fatal("no IDAT")
	}
	for j := i + 6; j < i+30 && j < len(b)-12; j++ {
		b[j] ^= 0x5A
	}
	return b
}

// multipartBody is one file part named field (plus a text part before it).
func multipartBody(t *testing.T, field, filename string, data []byte) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if err := w.WriteField("note", "from the merchant console"); err != nil {
		t.Fatal(err)
	}
	fw, err := w.CreateFormFile(field, filename)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &b, w.FormDataContentType()
}

func send(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: raw}
}

// upload posts data as the multipart field field, file name filename.
func upload(t *testing.T, url, token, field, filename string, data []byte) reply {
	t.Helper()
	body, contentType := multipartBody(t, field, filename, data)
	req, err := http.NewRequest("POST", url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return send(t, req)
}

// uploadStreamed is upload without a Content-Length (chunked).
func uploadStreamed(t *testing.T, url, token, filename string, data []byte) reply {
	t.Helper()
	body, contentType := multipartBody(t, "file", filename, data)
	pr, pw := io.Pipe()
	defer pr.Close() // unblocks the writer when the server stops reading
	go func() {
		_, err := io.Copy(pw, body)
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest("POST", url, pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+token)
	return send(t, req)
}

// Images are judged by their bytes, bounded at 1 MB, and uploaded to
// uploadimg (logo) or media/upload (temp).
func TestMerchantImageUpload(t *testing.T) {
	t.Parallel()
	m := startMerchant(t, "", nil)
	pngData, jpegData := pngImage(t), jpegImage(t)
	images := m.base + "/admin/v1/images"
	before := m.stats(t)

	type want struct {
		status int
		code   string // error code, or "" on success
		field  string
	}
	tests := []struct {
		name     string
		kind     string
		field    string
		filename string
		data     []byte
		want     want
	}{
		{"PNG as logo", "logo", "file", "logo.png", pngData, want{200, "", ""}},
		{"JPEG as temp", "temp", "file", "shop.jpg", jpegData, want{200, "", ""}},
		{"JPEG as logo", "logo", "file", "logo.jpeg", jpegData, want{200, "", ""}},
		{"PNG as temp", "temp", "file", "shop.png", pngData, want{200, "", ""}},
		{"PNG named .txt", "logo", "file", "notes.txt", pngData, want{200, "", ""}},
		{"PNG of exactly 1 MB", "logo", "file", "big.png", pngOfSize(t, 1<<20), want{200, "", ""}},
		{"text named .png", "logo", "file", "logo.png", []byte("this is not a picture\n"), want{415, "unsupported_media_type", ""}},
		{"GIF as logo", "logo", "file", "logo.gif", gifImage(t), want{415, "unsupported_media_type", ""}},
		{"empty file", "temp", "file", "empty.png", nil, want{400, "invalid_argument", "file"}},
		{"3-byte JPEG", "logo", "file", "logo.jpg", []byte{0xFF, 0xD8, 0xFF}, want{415, "unsupported_media_type", ""}},
		{"JPEG signature then text", "logo", "file", "logo.jpg", append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, "not a picture"...), want{415, "unsupported_media_type", ""}},
		{"truncated JPEG", "temp", "file", "shop.jpg", jpegData[:len(jpegData)/2], want{415, "unsupported_media_type", ""}},
		{"PNG signature only", "logo", "file", "logo.png", pngData[:8], want{415, "unsupported_media_type", ""}},
		{"truncated PNG", "logo", "file", "logo.png", pngData[:len(pngData)-20], want{415, "unsupported_media_type", ""}},
		{"PNG with corrupt pixels", "logo", "file", "logo.png", corruptPNG(t), want{415, "unsupported_media_type", ""}},
		{"PNG of 5000×5000", "logo", "file", "wide.png", pngWithSize(t, 5000, 5000), want{400, "invalid_argument", "file"}},
		{"PNG header of 100000×100000", "temp", "file", "bomb.png", pngHeaderOfSize(t, 100000, 100000), want{400, "invalid_argument", "file"}},
		{"PNG of 4096×1", "logo", "file", "strip.png", pngWithSize(t, 4096, 1), want{200, "", ""}},
		{"1.5 MB", "logo", "file", "huge.png", pngOfSize(t, 1536<<10), want{413, "payload_too_large", ""}},
		{"one byte over 1 MB", "temp", "file", "big.png", pngOfSize(t, 1<<20+1), want{413, "payload_too_large", ""}},
		{"no file field", "logo", "image", "logo.png", pngData, want{400, "invalid_argument", "file"}},
		{"bad kind", "avatar", "file", "logo.png", pngData, want{400, "invalid_argument", "kind"}},
		{"no kind", "", "file", "logo.png", pngData, want{400, "invalid_argument", "kind"}},
	}
	var logos, temps int
	for _, tt := range tests {
		if tt.want.status == 200 {
			if tt.kind == "logo" {
				logos++
			} else {
				temps++
			}
		}
	}
	t.Run("uploads", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				r := upload(t, images+"?kind="+tt.kind, m.admin, tt.field, tt.filename, tt.data)
				if tt.want.code != "" {
					wantError(t, r, tt.want.status, tt.want.code, tt.want.field)
					return
				}
				mustStatus(t, r, 200)
				var out struct {
					URL       string `json:"url"`
					MediaID   string `json:"media_id"`
					CreatedAt int64  `json:"created_at"`
				}
				r.decode(t, &out)
				switch tt.kind {
				case "logo":
					if !strings.HasPrefix(out.URL, "http://mmbiz.qpic.cn/") || out.MediaID != "" {
						t.Errorf("logo upload = %s, want only a mmbiz url", r.body)
					}
				case "temp":
					now := time.Now().Unix()
					if out.MediaID == "" || out.URL != "" || out.CreatedAt < now-60 || out.CreatedAt > now+60 {
						t.Errorf("temp upload = %s, want media_id and created_at now", r.body)
					}
				}
			})
		}
		t.Run("1.5 MB streamed without Content-Length", func(t *testing.T) {
			t.Parallel()
			r := uploadStreamed(t, images+"?kind=logo", m.admin, "huge.png", pngOfSize(t, 1536<<10))
			wantError(t, r, 413, "payload_too_large", "")
		})
		t.Run("not multipart", func(t *testing.T) {
			t.Parallel()
			wantError(t, call(t, "POST", images+"?kind=logo", m.admin, map[string]string{"file": "logo.png"}), 415, "unsupported_media_type", "")
		})
		t.Run("raw PNG body", func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest("POST", images+"?kind=logo", bytes.NewReader(pngData))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "image/png")
			req.Header.Set("Authorization", "Bearer "+m.admin)
			wantError(t, send(t, req), 415, "unsupported_media_type", "")
		})
		t.Run("clerk", func(t *testing.T) {
			t.Parallel()
			wantError(t, upload(t, images+"?kind=logo", m.clerk, "file", "logo.png", pngData), 403, "forbidden", "")
		})
	})
	// Only accepted images reach WeChat.
	after := m.stats(t)
	if got := after["cgi-bin/media/uploadimg"] - before["cgi-bin/media/uploadimg"]; got != logos {
		t.Errorf("uploadimg calls = %d, want %d", got, logos)
	}
	if got := after["cgi-bin/media/upload"] - before["cgi-bin/media/upload"]; got != temps {
		t.Errorf("media/upload calls = %d, want %d", got, temps)
	}
}
