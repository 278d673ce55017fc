package wechat

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"
)

// UploadImage uploads a card image (cgi-bin/media/uploadimg, JPG or PNG,
// ≤ 1 MB) and returns its URL, usable as logo_url and in card images. The
// image is streamed from r; the call is repeated after a transient failure
// only when r is an io.Seeker (it is rewound).
func (c *Client) UploadImage(ctx context.Context, filename string, r io.Reader) (string, error) {
	var out struct {
		URL string `json:"url"`
	}
	// The card documentation names the part "buffer".
	if err := c.call(ctx, upload("cgi-bin/media/uploadimg", nil, "buffer", filename, r), &out); err != nil {
		return "", err
	}
	if out.URL == "" {
		return "", &UnavailableError{API: "cgi-bin/media/uploadimg", Err: errors.New("no url in the answer")}
	}
	return out.URL, nil
}

// TempMedia is an uploaded temporary image (valid three days).
type TempMedia struct {
	MediaID   string
	CreatedAt time.Time
}

// UploadTempMedia uploads a temporary image (cgi-bin/media/upload?type=image,
// part "media"), streamed from r like UploadImage.
func (c *Client) UploadTempMedia(ctx context.Context, filename string, r io.Reader) (TempMedia, error) {
	var out struct {
		MediaID   string  `json:"media_id"`
		CreatedAt flexInt `json:"created_at"`
	}
	req := upload("cgi-bin/media/upload", url.Values{"type": {"image"}}, "media", filename, r)
	if err := c.call(ctx, req, &out); err != nil {
		return TempMedia{}, err
	}
	if out.MediaID == "" {
		return TempMedia{}, &UnavailableError{API: "cgi-bin/media/upload", Err: errors.New("no media_id in the answer")}
	}
	return TempMedia{MediaID: out.MediaID, CreatedAt: time.Unix(int64(out.CreatedAt), 0)}, nil
}

// upload is a multipart POST with one file part, written to the request as it
// is read from r. With an io.Seeker each attempt rewinds r to where it was;
// without one the request cannot be repeated.
func upload(api string, query url.Values, field, filename string, r io.Reader) *request {
	seeker, canSeek := r.(io.Seeker)
	var start int64
	if canSeek {
		var err error
		if start, err = seeker.Seek(0, io.SeekCurrent); err != nil {
			canSeek = false
		}
	}
	if filename == "" {
		filename = "image"
	}
	var (
		attempts int
		prevDone chan struct{}
		prevPipe *io.PipeReader
	)
	body := func() (io.Reader, string, error) {
		if attempts > 0 {
			// Stop the previous attempt's writer before rewinding r under it.
			prevPipe.CloseWithError(errors.New("attempt over"))
			<-prevDone
			if _, err := seeker.Seek(start, io.SeekStart); err != nil {
				return nil, "", fmt.Errorf("rewind the upload: %w", err)
			}
		}
		attempts++
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		done := make(chan struct{})
		go func() {
			defer close(done)
			err := writeFilePart(mw, field, filename, r)
			if err == nil {
				err = mw.Close()
			}
			pw.CloseWithError(err) // nil: the reader sees EOF
		}()
		prevDone, prevPipe = done, pr
		return pr, mw.FormDataContentType(), nil
	}
	return &request{api: api, method: http.MethodPost, query: query, token: true,
		idempotent: true, // a repeated upload only leaves an unused copy
		body:       body, replayable: canSeek}
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "")

// writeFilePart writes the file part with the content type sniffed from its
// first bytes. A failure to read r is a *bodyError.
func writeFilePart(mw *multipart.Writer, field, filename string, r io.Reader) error {
	br := bufio.NewReaderSize(sourceReader{r}, 512)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return err
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`,
		quoteEscaper.Replace(field), quoteEscaper.Replace(filename)))
	h.Set("Content-Type", http.DetectContentType(head))
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	_, err = io.Copy(part, br) // a read failure is a *bodyError, a write failure the pipe's
	return err
}

// sourceReader marks the failures of the upload's reader as *bodyError.
type sourceReader struct{ r io.Reader }

func (s sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = &bodyError{err}
	}
	return n, err
}
