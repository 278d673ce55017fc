package web

import (
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"
)

// Every file the console needs is embedded.
func TestConsoleAssetsPresent(t *testing.T) {
	t.Parallel()
	assets := ConsoleAssets()
	for _, name := range []string{
		"index.html", "app.css", "icon.png",
		"js/app.js", "js/api.js", "js/dom.js", "js/format.js", "js/i18n.js",
		"js/pages/signin.js", "js/pages/codes.js", "js/pages/members.js", "js/pages/cards.js",
		"js/pages/stocks.js", "js/pages/users.js", "js/pages/audit.js",
	} {
		if b, err := fs.ReadFile(assets, name); err != nil || len(b) == 0 {
			t.Errorf("console asset %s missing or empty (%v)", name, err)
		}
	}
}

var (
	htmlRef   = regexp.MustCompile(`(?:href|src)="([^"]+)"`)
	importRef = regexp.MustCompile(`(?m)^\s*import\s+(?:[^'"]*\s+from\s+)?['"]([^'"]+)['"]`)
	// A URL that would load (or send data to) another origin.
	absoluteURL = regexp.MustCompile(`(?i)\bhttps?://|(?:src|href|url\()\s*=?\s*["']?//`)
	// Ways of putting text into the page as HTML.
	htmlSinks = regexp.MustCompile(`\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|\beval\(|new Function\(`)
	// Inline script, inline style or handlers, which the CSP blocks.
	inlineHTML = regexp.MustCompile(`(?i)<script>|<script(?:\s+type="module")?\s*>|<style|\sstyle=|\son[a-z]+=`)
)

// Every reference in index.html, and every module import, resolves to an
// embedded file.
func TestConsoleReferencesResolve(t *testing.T) {
	t.Parallel()
	assets := ConsoleAssets()
	index, err := fs.ReadFile(assets, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	refs := htmlRef.FindAllStringSubmatch(string(index), -1)
	if len(refs) < 3 {
		t.Fatalf("index.html references %d files, want the stylesheet, the icon and app.js", len(refs))
	}
	for _, m := range refs {
		name, ok := strings.CutPrefix(m[1], "/console/")
		if !ok {
			t.Errorf("index.html references %q outside /console/", m[1])
			continue
		}
		if _, err := fs.Stat(assets, name); err != nil {
			t.Errorf("index.html references %s, which is not embedded", m[1])
		}
	}
	if inlineHTML.MatchString(strings.ReplaceAll(string(index), `<script type="module" src=`, "")) {
		t.Error("index.html has inline script, style or handlers (blocked by the CSP)")
	}
	walkJS(t, func(name, src string) {
		for _, m := range importRef.FindAllStringSubmatch(src, -1) {
			if !strings.HasPrefix(m[1], "./") && !strings.HasPrefix(m[1], "../") {
				t.Errorf("%s imports %q: only relative imports of embedded modules", name, m[1])
				continue
			}
			target := path.Join(path.Dir(name), m[1])
			if _, err := fs.Stat(assets, target); err != nil {
				t.Errorf("%s imports %s, which is not embedded", name, m[1])
			}
		}
	})
}

// No asset loads anything from another origin, and no script renders data
// as HTML.
func TestConsoleAssetsSafe(t *testing.T) {
	t.Parallel()
	assets := ConsoleAssets()
	err := fs.WalkDir(assets, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(name, ".png") {
			return err
		}
		b, err := fs.ReadFile(assets, name)
		if err != nil {
			return err
		}
		if loc := absoluteURL.FindIndex(b); loc != nil {
			t.Errorf("%s has an absolute URL (%q): the console loads nothing from another origin", name, b[loc[0]:min(loc[1]+20, len(b))])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	walkJS(t, func(name, src string) {
		if m := htmlSinks.FindString(src); m != "" {
			t.Errorf("%s uses %s: data must be rendered as text", name, m)
		}
		if strings.Contains(src, "console.log") {
			t.Errorf("%s logs to the console (a token must never be logged)", name)
		}
	})
}

func walkJS(t *testing.T, f func(name, src string)) {
	t.Helper()
	n := 0
	err := fs.WalkDir(ConsoleAssets(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".js") {
			return err
		}
		b, err := fs.ReadFile(ConsoleAssets(), name)
		if err != nil {
			return err
		}
		n++
		f(name, string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Errorf("walked %d scripts, want every page", n)
	}
}
