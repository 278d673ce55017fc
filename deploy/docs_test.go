package deploy_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The README stands alone in a clone: it never points outside the
// repository, and it links the API reference, which names every route the
// OpenAPI document (and so the router) has.
func TestDocsStandAlone(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(readme), "../shared") {
		t.Error("README.md points to ../shared, which is not in a clone")
	}
	for _, link := range []string{"docs/api.md", "/openapi.yaml"} {
		if !strings.Contains(string(readme), link) {
			t.Errorf("README.md does not link %s", link)
		}
	}
	ref, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(ref), "../shared") {
		t.Error("docs/api.md points to ../shared")
	}
	spec, err := os.ReadFile("../internal/handler/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	paths := regexp.MustCompile(`(?m)^  (/[^:]*):$`).FindAllStringSubmatch(string(spec), -1)
	if len(paths) < 10 {
		t.Fatalf("found %d paths in openapi.yaml, want the routes", len(paths))
	}
	for _, p := range paths {
		if !strings.Contains(string(ref), p[1]) {
			t.Errorf("docs/api.md does not describe %s", p[1])
		}
	}
}
