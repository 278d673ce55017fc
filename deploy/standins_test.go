package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The Dockerfile's base images, which no registry here can serve.
const (
	builderBase = "docker.io/library/golang:1.26-bookworm"
	runtimeBase = "gcr.io/distroless/static-debian12:nonroot"
	testImage   = "localhost/wxcoupon-imagetest:latest"
	// standInLabel marks the stand-ins and what they were made from, so that a
	// real pulled image is never replaced and a changed recipe is rebuilt.
	standInLabel   = "wxcoupon.standin"
	standInVersion = "1"
	// goproxyMount is where the builder finds the host's module download cache,
	// as a file:// GOPROXY (mounted at build time: podman build -v).
	goproxyMount = "/goproxy"
)

// standIns makes the two bases from this machine: the builder is this Go
// toolchain with a busybox /bin/sh (the Dockerfile's RUN lines need a shell),
// its GOPROXY the mounted module cache; the runtime is distroless-like: no
// shell, /etc/passwd with nonroot (65532), CA certificates and tzdata.
func (p *podman) standIns(t *testing.T) {
	t.Helper()
	goBin := goTool(t)
	goroot := strings.TrimSpace(string(mustOutput(t, exec.Command(goBin, "env", "GOROOT"))))
	goVersion := strings.TrimSpace(string(mustOutput(t, exec.Command(goBin, "env", "GOVERSION"))))
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		t.Fatal("busybox (Debian's busybox-static) is needed for the builder stand-in: scripts/ensure-podman.sh installs it")
	}

	builderTag := goVersion + "-" + standInVersion
	if p.label(builderBase) != builderTag {
		root := t.TempDir()
		mkdirs(t, root, "bin", "tmp", "root", "go", "src")
		if err := os.Chmod(filepath.Join(root, "tmp"), 0o1777); err != nil {
			t.Fatal(err)
		}
		copyFile(t, busybox, filepath.Join(root, "bin", "sh"), 0o755)
		p.commit(t, builderBase, builderTag, []string{root + ":/", goroot + ":/usr/local/go"},
			"--env", "PATH=/usr/local/go/bin:/go/bin:/bin", "--env", "GOPATH=/go",
			"--env", "GOTOOLCHAIN=local", "--env", "GOPROXY=file://"+goproxyMount,
			"--env", "GOSUMDB=off", "--workingdir", "/go")
	}

	if p.label(runtimeBase) != standInVersion {
		root := t.TempDir()
		mkdirs(t, root, "etc/ssl/certs", "usr/share", "tmp", "home/nonroot")
		if err := os.Chmod(filepath.Join(root, "tmp"), 0o1777); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(root, "etc/passwd"), "root:x:0:0:root:/root:/sbin/nologin\n"+
			"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")
		writeFile(t, filepath.Join(root, "etc/group"), "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n")
		copyFile(t, "/etc/ssl/certs/ca-certificates.crt", filepath.Join(root, "etc/ssl/certs/ca-certificates.crt"), 0o644)
		mustOutput(t, exec.Command("cp", "-a", "/usr/share/zoneinfo", filepath.Join(root, "usr/share/")))
		p.commit(t, runtimeBase, standInVersion, []string{root + ":/"},
			"--user", "65532:65532", "--workingdir", "/home/nonroot")
	}
}

// label is the stand-in label of a local image; "" when it is absent or real.
func (p *podman) label(image string) string {
	out, err := p.cmd("image", "inspect", "--format", `{{index .Labels "`+standInLabel+`"}}`, image).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// commit builds an image from scratch with buildah: copies (host:container
// paths), then config flags, then commits it under tag.
func (p *podman) commit(t *testing.T, tag, version string, copies []string, config ...string) {
	t.Helper()
	buildah := func(args ...string) string {
		t.Helper()
		c := exec.Command("buildah", args...)
		c.Env = p.env
		return strings.TrimSpace(string(mustOutput(t, c)))
	}
	ctr := buildah("from", "scratch")
	defer exec.Command("buildah", "rm", ctr).Run()
	for _, cp := range copies {
		src, dst, _ := strings.Cut(cp, ":")
		buildah("copy", "-q", ctr, src, dst)
	}
	buildah(append(append([]string{"config", "--label", standInLabel + "=" + version}, config...), ctr)...)
	buildah("commit", "-q", ctr, tag)
}

// build builds the repository's Dockerfile as it is. The builder stand-in's
// GOPROXY reads the host's module cache, mounted for the build's RUN steps;
// `go mod download` on the host first fills that cache with every module zip.
func (p *podman) build(t *testing.T) string {
	t.Helper()
	goBin := goTool(t)
	dl := exec.Command(goBin, "mod", "download")
	dl.Dir = p.repo
	mustOutput(t, dl)
	modcache := strings.TrimSpace(string(mustOutput(t, exec.Command(goBin, "env", "GOMODCACHE"))))
	p.out(t, "build", "--pull=never", "--format", "docker",
		"-v", filepath.Join(modcache, "cache", "download")+":"+goproxyMount+":ro",
		"--build-arg", "VERSION=imagetest", "-t", testImage, p.repo)
	return testImage
}

func goTool(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "/usr/local/go/bin/go"
}

func mustOutput(t *testing.T, c *exec.Cmd) []byte {
	t.Helper()
	out, err := c.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("%s: %v\n%s", strings.Join(c.Args, " "), err, stderr)
	}
	return out
}

func mkdirs(t *testing.T, root string, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, mode); err != nil {
		t.Fatal(err)
	}
}
