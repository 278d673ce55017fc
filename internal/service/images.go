package service

import (
	"context"
	"fmt"
	"time"
)

// MaxImageBytes is WeChat's limit for card images (JPG or PNG, 1 MB).
const MaxImageBytes = 1 << 20

// ImageKind says where an image goes.
type ImageKind string

const (
	ImageLogo ImageKind = "logo" // permanent card image: cgi-bin/media/uploadimg
	ImageTemp ImageKind = "temp" // temporary image, e.g. shop photos: cgi-bin/media/upload
)

// UploadedImage is where an uploaded image can be used from.
type UploadedImage struct {
	URL       string    // logo: usable as logo_url and in card images
	MediaID   string    // temp
	CreatedAt time.Time // temp
}

// Images uploads merchant images to the provider.
type Images struct {
	provider ImageProvider
}

// NewImages wires the image upload.
func NewImages(provider ImageProvider) *Images { return &Images{provider: provider} }

// Upload checks the image by decoding it (a whole JPG or PNG, at most 1 MB and
// MaxImageSide pixels a side; the file name says nothing) and stores it on the
// provider.
func (im *Images) Upload(ctx context.Context, kind ImageKind, data []byte) (UploadedImage, error) {
	if kind != ImageLogo && kind != ImageTemp {
		return UploadedImage{}, Invalid("kind", "kind is logo or temp")
	}
	if len(data) > MaxImageBytes {
		return UploadedImage{}, &Error{Kind: KindTooLarge, Message: "images are at most 1 MB",
			Details: map[string]any{"max_bytes": MaxImageBytes}}
	}
	ext, err := checkImage(data)
	if err != nil {
		return UploadedImage{}, err
	}
	name := string(kind) + "." + ext
	if kind == ImageLogo {
		url, err := im.provider.UploadImage(ctx, name, data)
		if err != nil {
			return UploadedImage{}, fmt.Errorf("upload logo: %w", err)
		}
		return UploadedImage{URL: url}, nil
	}
	m, err := im.provider.UploadTempImage(ctx, name, data)
	if err != nil {
		return UploadedImage{}, fmt.Errorf("upload image: %w", err)
	}
	return UploadedImage{MediaID: m.MediaID, CreatedAt: m.CreatedAt}, nil
}
