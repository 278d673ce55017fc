package service

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"io"
)

// MaxImageSide caps an uploaded image's width and height, in pixels: WeChat
// shows card images far smaller, and the cap bounds what decoding the file
// costs (a small PNG may declare a huge picture).
const MaxImageSide = 4096

// checkImage decodes data as WeChat would show it and returns its extension:
// "jpg" or "png". An empty file is invalid_argument; one that is not a whole
// JPEG or PNG, whatever its first bytes say, is unsupported_media_type; one
// larger than MaxImageSide on a side is invalid_argument.
func checkImage(data []byte) (string, error) {
	if len(data) == 0 {
		return "", Invalid("file", "the file is empty")
	}
	// image.DecodeConfig reads the header of whichever format it recognises;
	// only JPEG and PNG are taken (another package may register GIF or WebP),
	// and the whole file is decoded with that format's own decoder below.
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	var (
		decode func(io.Reader) (image.Image, error)
		ext    string
	)
	switch {
	case err != nil:
		return "", Errorf(KindUnsupportedMedia, "only whole JPG and PNG images are accepted (judged by content)")
	case format == "png":
		decode, ext = png.Decode, "png"
	case format == "jpeg":
		decode, ext = jpeg.Decode, "jpg"
	default:
		return "", Errorf(KindUnsupportedMedia, "only JPG and PNG images are accepted (judged by content), not %s", format)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxImageSide || cfg.Height > MaxImageSide {
		return "", &Error{Kind: KindInvalid,
			Message: "images are 1 to 4096 pixels wide and high",
			Details: map[string]any{"field": "file", "width": cfg.Width, "height": cfg.Height, "max_side": MaxImageSide}}
	}
	// The whole file is decoded (bounded by the side cap and MaxImageBytes),
	// so a truncated or corrupt one is refused here and not by WeChat later.
	if _, err := decode(bytes.NewReader(data)); err != nil {
		return "", Errorf(KindUnsupportedMedia, "the file is not a whole %s image", imageName(ext))
	}
	return ext, nil
}

func imageName(ext string) string {
	if ext == "png" {
		return "PNG"
	}
	return "JPEG"
}
