package sandbox

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
)

// Media: cgi-bin/media/uploadimg (card images) and cgi-bin/media/upload
// (temporary media), §3. Uploads are checked and answered, not stored.

const (
	maxUploadImg = 1 << 20 // uploadimg: ≤ 1 MB
	// maxTempImage is media/upload's image limit: sources say 2 MB (newest
	// page) or 10 MB; the emulator takes the newest page's 2 MB.
	maxTempImage = 2 << 20
)

var (
	magicPNG  = []byte("\x89PNG\r\n\x1a\n")
	magicJPEG = []byte("\xff\xd8\xff")
	magicGIF  = [][]byte{[]byte("GIF87a"), []byte("GIF89a")}
)

// filePart reads the first multipart part named one of names, up to limit+1
// bytes. found is false when the body is not multipart or has no such part.
func (c *call) filePart(limit int64, names ...string) (data []byte, found bool, err error) {
	mt, params, perr := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if perr != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, false, nil
	}
	mr := multipart.NewReader(bytes.NewReader(c.body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		for _, n := range names {
			if p.FormName() == n {
				data, err := io.ReadAll(io.LimitReader(p, limit+1))
				return data, true, err
			}
		}
	}
}

type uploadImgReply struct {
	URL string `json:"url"`
}

// mediaUploadImg is POST cgi-bin/media/uploadimg. The card docs name the
// part "buffer", most SDKs send "media"; both are accepted (unconfirmed
// officially). JPG or PNG by content, ≤ 1 MB (40009); another type is 40005
// (40005 vs 40137 unconfirmed); no part 41005. The success body has no
// errcode, as documented.
func (c *call) mediaUploadImg() any {
	data, found, err := c.filePart(maxUploadImg, "buffer", "media")
	switch {
	case err != nil:
		return wxErr(47001, "multipart: "+err.Error())
	case !found:
		return wxErr(41005, "no buffer or media part")
	case len(data) == 0:
		return wxErr(44001, "empty file")
	case len(data) > maxUploadImg:
		return wxErr(40009, "image over 1 MB")
	case !bytes.HasPrefix(data, magicPNG) && !bytes.HasPrefix(data, magicJPEG):
		return wxErr(40005, "not a JPG or PNG")
	}
	return uploadImgReply{URL: "http://mmbiz.qpic.cn/mmbiz/" + randomString(54, urlSafe[:62]) + "/0"}
}

type uploadReply struct {
	Type      string `json:"type"`
	MediaID   string `json:"media_id"`
	CreatedAt int64  `json:"created_at"`
}

// mediaUpload is POST cgi-bin/media/upload?type=image, part "media". Only
// images are emulated: other types answer 40004. PNG, JPEG or GIF by
// content; the errcodes for size (40009) and file type (40005) are
// unconfirmed for this endpoint.
func (c *call) mediaUpload() any {
	if t := c.r.URL.Query().Get("type"); t != "image" {
		return wxErrf(40004, "media type %q (the emulator handles image only)", t)
	}
	data, found, err := c.filePart(maxTempImage, "media")
	switch {
	case err != nil:
		return wxErr(47001, "multipart: "+err.Error())
	case !found:
		return wxErr(41005, "no media part")
	case len(data) == 0:
		return wxErr(44001, "empty file")
	case len(data) > maxTempImage:
		return wxErr(40009, "image over 2 MB")
	case !isImage(data):
		return wxErr(40005, "not a PNG, JPEG or GIF")
	}
	return uploadReply{Type: "image", MediaID: randomString(64, urlSafe), CreatedAt: c.now.Unix()}
}

func isImage(data []byte) bool {
	if bytes.HasPrefix(data, magicPNG) || bytes.HasPrefix(data, magicJPEG) {
		return true
	}
	for _, m := range magicGIF {
		if bytes.HasPrefix(data, m) {
			return true
		}
	}
	return false
}
