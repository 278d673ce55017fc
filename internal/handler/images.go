package handler

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/wxcoupon/coupon/internal/service"
)

// maxUploadBody bounds an upload request: the image plus room for the
// multipart framing. Past it the request is refused without reading the rest.
const maxUploadBody = service.MaxImageBytes + 64<<10

// uploadImage takes the multipart field "file" and streams it, bounded, to the
// image service; the service judges the type by the bytes.
func (h *handlers) uploadImage(c *gin.Context) {
	kind := service.ImageKind(c.Query("kind"))
	if kind != service.ImageLogo && kind != service.ImageTemp {
		abort(c, service.KindInvalid, "kind is logo or temp", map[string]any{"field": "kind"})
		return
	}
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || mt != "multipart/form-data" {
		abort(c, service.KindUnsupportedMedia, "send multipart/form-data with the image in the field \"file\"", nil)
		return
	}
	tooLarge := func() {
		abort(c, service.KindTooLarge, "images are at most 1 MB", map[string]any{"max_bytes": service.MaxImageBytes})
	}
	if c.Request.ContentLength > maxUploadBody {
		tooLarge()
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxUploadBody)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		abort(c, service.KindInvalid, "the multipart body could not be read", nil)
		return
	}
	for {
		part, err := mr.NextPart()
		var maxErr *http.MaxBytesError
		switch {
		case errors.As(err, &maxErr):
			tooLarge()
			return
		case err == io.EOF:
			abort(c, service.KindInvalid, "the multipart field \"file\" is missing", map[string]any{"field": "file"})
			return
		case err != nil:
			abort(c, service.KindInvalid, "the multipart body could not be read", nil)
			return
		}
		if part.FormName() != "file" {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, service.MaxImageBytes+1))
		if errors.As(err, &maxErr) || len(data) > service.MaxImageBytes {
			tooLarge()
			return
		}
		if err != nil {
			abort(c, service.KindInvalid, "the file could not be read", nil)
			return
		}
		img, err := h.images.Upload(c.Request.Context(), kind, data)
		if err != nil {
			_ = c.Error(err)
			return
		}
		if kind == service.ImageLogo {
			setAuditTarget(c, img.URL)
			c.JSON(http.StatusOK, gin.H{"url": img.URL})
			return
		}
		setAuditTarget(c, img.MediaID)
		c.JSON(http.StatusOK, gin.H{"media_id": img.MediaID, "created_at": img.CreatedAt.Unix()})
		return
	}
}
