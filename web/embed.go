// Package web holds the merchant console's static assets (plain ES modules and
// one stylesheet, no build step), embedded in the binary so that the server
// serves them offline.
package web

import (
	"embed"
	"io/fs"
)

// Console is the console's files under console/.
//
//go:embed console
var Console embed.FS

// ConsoleAssets is Console with index.html at its root, as the handler serves it.
func ConsoleAssets() fs.FS {
	sub, err := fs.Sub(Console, "console")
	if err != nil { // only for an invalid path, which "console" is not
		panic(err)
	}
	return sub
}
