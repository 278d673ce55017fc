// Package deploy holds the deployment files: docker-compose.yml, .env.example and
// the Kubernetes manifests in k8s/ (the Dockerfile is at the repository root).
// No Docker engine or cluster is needed to test them: the tests parse the files
// and check that they give the service what it needs — ports, probes, health
// checks, the migration step — and set only environment variables that the
// service (config.Names), MySQL's image or the emulator read.
package deploy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/wxcoupon/coupon/internal/config"
)

const (
	composePath   = "docker-compose.yml"
	envExample    = ".env.example"
	k8sDir        = "k8s"
	dockerfile    = "../Dockerfile"
	dockerignore  = "../.dockerignore"
	goMod         = "../go.mod"
	serverBinary  = "/usr/local/bin/server"
	sandboxBinary = "/usr/local/bin/wxsandbox"
	httpPort      = 8080
	// drainTimeout is how long the server drains requests after SIGTERM (cmd/server/run.go).
	drainTimeout = 20 * time.Second
)

// required are the variables the service needs outside sandbox mode.
var required = []string{
	"WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_MINIAPP_ID", "WECHAT_MINIAPP_SECRET",
	"JWT_SECRET", "MYSQL_DSN", "REDIS_URL",
}

// secretNames are the variables whose values are secrets: never a literal in
// compose, never in a ConfigMap.
var secretNames = []string{
	"WECHAT_APP_SECRET", "WECHAT_MINIAPP_SECRET", "JWT_SECRET", "JWT_SECRET_PREVIOUS", "MYSQL_DSN",
	"WECHAT_CALLBACK_TOKEN", "WECHAT_ENCODING_AES_KEY", "ADMIN_PASSWORD",
	"MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD",
}

// ---- YAML ----

// decodeAll returns every non-empty document of a YAML file.
func decodeAll(t *testing.T, path string) []map[string]any {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: document %d: %v", path, len(docs)+1, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
}

// convert decodes a document into a typed view of it.
func convert[T any](t *testing.T, doc map[string]any) T {
	t.Helper()
	var v T
	b, err := yaml.Marshal(doc)
	if err == nil {
		err = yaml.Unmarshal(b, &v)
	}
	if err != nil {
		t.Fatalf("%v: %v", doc["kind"], err)
	}
	return v
}

func yamlFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"*.yml", "*.yaml", "k8s/*.yml", "k8s/*.yaml"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	return files
}

func TestYAMLFilesParse(t *testing.T) {
	t.Parallel()
	files := yamlFiles(t)
	if len(files) < 8 {
		t.Fatalf("YAML files: got %v, want docker-compose.yml and the k8s manifests", files)
	}
	for _, path := range files {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			docs := decodeAll(t, path)
			if len(docs) == 0 {
				t.Fatalf("documents: got none, want at least one")
			}
			if filepath.Dir(path) != k8sDir {
				return
			}
			for i, doc := range docs {
				o := convert[Object](t, doc)
				if o.APIVersion == "" || o.Kind == "" {
					t.Errorf("document %d: apiVersion %q, kind %q: want both", i+1, o.APIVersion, o.Kind)
				}
				if o.Kind != "Kustomization" && o.Metadata.Name == "" {
					t.Errorf("document %d (%s): metadata.name is empty", i+1, o.Kind)
				}
			}
		})
	}
}

// ---- Dockerfile ----

type instruction struct {
	cmd  string // upper case
	args string
	line int
}

// parseDockerfile splits a Dockerfile into instructions, joining continued
// lines and dropping comments.
func parseDockerfile(src string) []instruction {
	var out []instruction
	var cur strings.Builder
	start := 0
	for i, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if body, ok := strings.CutSuffix(trimmed, `\`); ok {
			cur.WriteString(body + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args), line: start})
		cur.Reset()
	}
	return out
}

type image struct {
	all    []instruction
	stages [][]instruction // each starts with its FROM
}

func loadDockerfile(t *testing.T) image {
	t.Helper()
	src, err := os.ReadFile(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	im := image{all: parseDockerfile(string(src))}
	for _, in := range im.all {
		if in.cmd == "FROM" {
			im.stages = append(im.stages, nil)
		}
		if len(im.stages) > 0 {
			im.stages[len(im.stages)-1] = append(im.stages[len(im.stages)-1], in)
		}
	}
	return im
}

func (im image) final() []instruction {
	if len(im.stages) == 0 {
		return nil
	}
	return im.stages[len(im.stages)-1]
}

// find returns the instructions of kind cmd in ins.
func find(ins []instruction, cmd string) []instruction {
	var out []instruction
	for _, in := range ins {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// fromImage is the image a FROM names, flags and "AS name" left out.
func fromImage(in instruction) string {
	for _, f := range strings.Fields(in.args) {
		if !strings.HasPrefix(f, "--") {
			return f
		}
	}
	return ""
}

// execForm parses an exec-form argument list (a JSON array); nil otherwise.
func execForm(s string) []string {
	var argv []string
	if json.Unmarshal([]byte(strings.TrimSpace(s)), &argv) != nil {
		return nil
	}
	return argv
}

// imageUser is the user of the runtime image's last USER instruction.
func (im image) user() string {
	users := find(im.final(), "USER")
	if len(users) == 0 {
		return ""
	}
	u, _, _ := strings.Cut(users[len(users)-1].args, ":")
	return u
}

func (im image) entrypoint() []string {
	eps := find(im.final(), "ENTRYPOINT")
	if len(eps) == 0 {
		return nil
	}
	return execForm(eps[len(eps)-1].args)
}

// goMinor is go.mod's language version as major.minor ("1.26").
func goMinor(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(goMod)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(src), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "go "); ok {
			parts := strings.Split(strings.TrimSpace(v), ".")
			if len(parts) >= 2 {
				return parts[0] + "." + parts[1]
			}
		}
	}
	t.Fatal("go.mod has no go line")
	return ""
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	im := loadDockerfile(t)
	minor := goMinor(t)
	index := func(pred func(instruction) bool) int {
		return slices.IndexFunc(im.all, pred)
	}
	builds := func() []instruction {
		var out []instruction
		for _, in := range find(im.all, "RUN") {
			if strings.Contains(in.args, "go build") {
				out = append(out, in)
			}
		}
		return out
	}()
	tests := []struct {
		name  string
		check func() (got, want string, ok bool)
	}{
		{"at least two stages", func() (string, string, bool) {
			return strconv.Itoa(len(im.stages)), "≥ 2", len(im.stages) >= 2
		}},
		{"Go base image matches go.mod", func() (string, string, bool) {
			if len(im.stages) == 0 {
				return "no FROM", "golang:" + minor, false
			}
			img := fromImage(im.stages[0][0])
			rest, ok := strings.CutPrefix(img, "golang:"+minor)
			return img, "golang:" + minor + "[.x][-variant]", ok && (rest == "" || rest[0] == '.' || rest[0] == '-')
		}},
		{"modules downloaded before the sources are copied", func() (string, string, bool) {
			modCopy := index(func(in instruction) bool { return in.cmd == "COPY" && strings.Contains(in.args, "go.mod") })
			download := index(func(in instruction) bool { return in.cmd == "RUN" && strings.Contains(in.args, "go mod download") })
			all := index(func(in instruction) bool { return in.cmd == "COPY" && strings.HasPrefix(in.args, ". ") })
			got := fmt.Sprintf("COPY go.mod at %d, go mod download at %d, COPY . at %d", modCopy, download, all)
			return got, "in that order", modCopy >= 0 && modCopy < download && download < all
		}},
		{"every go build has CGO_ENABLED=0 and -trimpath", func() (string, string, bool) {
			n := 0
			for _, in := range builds {
				if strings.Count(in.args, "CGO_ENABLED=0") >= strings.Count(in.args, "go build") &&
					strings.Count(in.args, "-trimpath") >= strings.Count(in.args, "go build") {
					n++
				}
			}
			return fmt.Sprintf("%d of %d", n, len(builds)), "all, at least one", len(builds) > 0 && n == len(builds)
		}},
		{"version injected with -ldflags", func() (string, string, bool) {
			for _, in := range builds {
				if strings.Contains(in.args, "-ldflags") && strings.Contains(in.args, "-X main.version=") {
					return "set", "-X main.version=…", true
				}
			}
			return "absent", "-X main.version=…", false
		}},
		{"both binaries built", func() (string, string, bool) {
			var got []string
			for _, pkg := range []string{"./cmd/server", "./cmd/wxsandbox"} {
				for _, in := range builds {
					if strings.Contains(in.args, pkg) {
						got = append(got, pkg)
						break
					}
				}
			}
			return fmt.Sprint(got), "[./cmd/server ./cmd/wxsandbox]", len(got) == 2
		}},
		{"both binaries in the runtime image", func() (string, string, bool) {
			var copies []string
			for _, in := range find(im.final(), "COPY") {
				copies = append(copies, in.args)
			}
			got := strings.Join(copies, "; ")
			want := "server and wxsandbox copied to " + filepath.Dir(serverBinary)
			return got, want, strings.Contains(got, "server") && strings.Contains(got, "wxsandbox") &&
				strings.Contains(got, filepath.Dir(serverBinary))
		}},
		{"static runtime image", func() (string, string, bool) {
			if len(im.stages) == 0 {
				return "no FROM", "distroless/static or scratch", false
			}
			img := fromImage(im.final()[0])
			return img, "distroless/static or scratch", strings.Contains(img, "distroless/static") || img == "scratch"
		}},
		{"runs as a non-root user", func() (string, string, bool) {
			u := im.user()
			return u, "a USER other than root/0", u != "" && u != "root" && u != "0"
		}},
		{"health check runs server healthcheck, exec form", func() (string, string, bool) {
			hcs := find(im.final(), "HEALTHCHECK")
			want := fmt.Sprintf(`CMD ["%s", "healthcheck"]`, serverBinary)
			if len(hcs) == 0 {
				return "none", want, false
			}
			_, cmd, _ := strings.Cut(hcs[len(hcs)-1].args, "CMD ")
			argv := execForm(cmd)
			return hcs[len(hcs)-1].args, want, slices.Equal(argv, []string{serverBinary, "healthcheck"})
		}},
		{"exposes 8080", func() (string, string, bool) {
			var got []string
			for _, in := range find(im.final(), "EXPOSE") {
				got = append(got, strings.Fields(in.args)...)
			}
			return fmt.Sprint(got), "8080", slices.Contains(got, "8080") || slices.Contains(got, "8080/tcp")
		}},
		{"entrypoint is the server, exec form", func() (string, string, bool) {
			ep := im.entrypoint()
			return fmt.Sprint(ep), "[" + serverBinary + "]", len(ep) > 0 && ep[0] == serverBinary
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got, want, ok := tt.check(); !ok {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}

func TestDockerignore(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(dockerignore)
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, line := range strings.Split(string(src), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	tests := []struct {
		name, pattern string
	}{
		{"git history stays out", ".git"},
		{"env files with secrets stay out", "**/.env"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !slices.Contains(patterns, tt.pattern) {
				t.Errorf("got %v, want %q among them", patterns, tt.pattern)
			}
		})
	}
}

// ---- docker-compose.yml ----

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       *composeBuild     `yaml:"build"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Ports       []string          `yaml:"ports"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck     *composeHealth `yaml:"healthcheck"`
	Profiles        []string       `yaml:"profiles"`
	Volumes         []string       `yaml:"volumes"`
	StopGracePeriod string         `yaml:"stop_grace_period"`
	Restart         string         `yaml:"restart"`
	ContainerName   string         `yaml:"container_name"`
	Deploy          struct {
		Replicas *int `yaml:"replicas"`
	} `yaml:"deploy"`
	Networks map[string]struct {
		IPv4Address string `yaml:"ipv4_address"`
	} `yaml:"networks"`
}

type composeBuild struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
}

type composeHealth struct {
	Test    any  `yaml:"test"`
	Disable bool `yaml:"disable"`
}

// argv is the health check's command as compose runs it.
func (h *composeHealth) argv() []string {
	if h == nil {
		return nil
	}
	switch v := h.Test.(type) {
	case string:
		return []string{"CMD-SHELL", v}
	case []any:
		var out []string
		for _, a := range v {
			out = append(out, fmt.Sprint(a))
		}
		return out
	}
	return nil
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	docs := decodeAll(t, composePath)
	if len(docs) != 1 {
		t.Fatalf("%s: got %d documents, want 1", composePath, len(docs))
	}
	return convert[composeFile](t, docs[0])
}

// containerPorts are the container sides of a service's published ports.
func containerPorts(s composeService) []string {
	var out []string
	for _, p := range s.Ports {
		parts := strings.Split(p, ":")
		port, _, _ := strings.Cut(parts[len(parts)-1], "/")
		out = append(out, port)
	}
	return out
}

// addrPort is the port of a host:port address.
func addrPort(addr string) string {
	i := strings.LastIndex(addr, ":")
	if i < 0 {
		return ""
	}
	return addr[i+1:]
}

func TestComposeServices(t *testing.T) {
	t.Parallel()
	c := loadCompose(t)
	ep := loadDockerfile(t).entrypoint()
	tests := []struct {
		service   string
		image     string // prefix
		profiles  []string
		health    string // in the health check's command; "" means disabled
		dependsOn map[string]string
		ports     []string // container ports published
	}{
		{
			// No published port: the replicas are reached through lb.
			service: "coupon", health: strings.Join([]string{"CMD", serverBinary, "healthcheck"}, " "),
			dependsOn: map[string]string{
				"mysql":   "service_healthy",
				"redis":   "service_healthy",
				"migrate": "service_completed_successfully",
			},
		},
		{
			service: "lb", image: "nginx:", health: "/healthz",
			dependsOn: map[string]string{"coupon": "service_healthy"},
			ports:     []string{strconv.Itoa(httpPort)},
		},
		{service: "migrate", dependsOn: map[string]string{"mysql": "service_healthy"}},
		{service: "mysql", image: "mysql:8.4", health: "mysqladmin ping"},
		{service: "redis", image: "redis:7", health: "CMD redis-cli ping"},
		{service: "wxsandbox", profiles: []string{"sandbox"}, ports: []string{"9100"}},
	}
	for _, tt := range tests {
		t.Run(tt.service, func(t *testing.T) {
			t.Parallel()
			s, ok := c.Services[tt.service]
			if !ok {
				t.Fatalf("services: got %v, want %q among them", keys(c.Services), tt.service)
			}
			if !strings.HasPrefix(s.Image, tt.image) {
				t.Errorf("image: got %q, want %s…", s.Image, tt.image)
			}
			if !slices.Equal(s.Profiles, tt.profiles) {
				t.Errorf("profiles: got %v, want %v", s.Profiles, tt.profiles)
			}
			switch got := strings.Join(s.Healthcheck.argv(), " "); {
			case tt.health == "" && (s.Healthcheck == nil || !s.Healthcheck.Disable):
				// Built from our image, it would inherit the server's HEALTHCHECK.
				t.Errorf("healthcheck: got %q, want disabled", got)
			case tt.health != "" && (s.Healthcheck == nil || s.Healthcheck.Disable || !strings.Contains(got, tt.health)):
				t.Errorf("healthcheck: got %q, want %q in it", got, tt.health)
			}
			got := map[string]string{}
			for dep, d := range s.DependsOn {
				got[dep] = d.Condition
			}
			if tt.dependsOn == nil {
				tt.dependsOn = map[string]string{}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.dependsOn) {
				t.Errorf("depends_on: got %v, want %v", got, tt.dependsOn)
			}
			if ports := containerPorts(s); !slices.Equal(ports, tt.ports) {
				t.Errorf("published container ports: got %v, want %v", ports, tt.ports)
			}
		})
	}

	// How the services built from the repository's image run it.
	ours := []struct {
		name       string
		service    string
		entrypoint []string // nil: the image's
		command    []string
	}{
		{"coupon serves", "coupon", nil, nil},
		{"migrate runs server migrate", "migrate", nil, []string{"migrate"}},
		{"wxsandbox runs the emulator", "wxsandbox", []string{sandboxBinary}, nil},
	}
	for _, tt := range ours {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := c.Services[tt.service]
			if s.Build == nil {
				t.Fatalf("build: got none, want the repository's Dockerfile")
			}
			df := filepath.Join(s.Build.Context, orDefault(s.Build.Dockerfile, "Dockerfile"))
			if abs, _ := filepath.Abs(df); abs != mustAbs(t, dockerfile) {
				t.Errorf("build: got %s, want ../Dockerfile", df)
			}
			if s.Image != c.Services["coupon"].Image {
				t.Errorf("image: got %q, want coupon's %q", s.Image, c.Services["coupon"].Image)
			}
			if !slices.Equal(s.Entrypoint, tt.entrypoint) {
				t.Errorf("entrypoint: got %v, want %v", s.Entrypoint, tt.entrypoint)
			}
			if !slices.Equal(s.Command, tt.command) {
				t.Errorf("command: got %v, want %v", s.Command, tt.command)
			}
			if tt.entrypoint == nil && (len(ep) == 0 || ep[0] != serverBinary) {
				t.Errorf("image entrypoint: got %v, want [%s]", ep, serverBinary)
			}
		})
	}

	checks := []struct {
		name  string
		check func() (got, want string, ok bool)
	}{
		{"coupon does not migrate at start", func() (string, string, bool) {
			v, ok := c.Services["coupon"].Environment["AUTO_MIGRATE"]
			return fmt.Sprintf("%q (set: %v)", v, ok), `"false"`, v == "false"
		}},
		{"lb proxies to the port coupon listens on", func() (string, string, bool) {
			addr := orDefault(c.Services["coupon"].Environment["HTTP_ADDR"], ":8080")
			want := "server coupon:" + addrPort(addr)
			ng := nginxConf(t)
			return "nginx.conf", want, strings.Contains(ng, want) && strings.Contains(ng, "listen "+strconv.Itoa(httpPort)+";")
		}},
		{"coupon runs two replicas and can scale", func() (string, string, bool) {
			s := c.Services["coupon"]
			got := fmt.Sprintf("replicas %v, container_name %q, ports %v", deref(s.Deploy.Replicas), s.ContainerName, s.Ports)
			return got, "replicas ≥ 2, no container_name, no published port",
				deref(s.Deploy.Replicas) >= 2 && s.ContainerName == "" && len(s.Ports) == 0
		}},
		{"TRUSTED_PROXIES is lb's fixed address", func() (string, string, bool) {
			lbAddr := c.Services["lb"].Networks["default"].IPv4Address
			got := c.Services["coupon"].Environment["TRUSTED_PROXIES"]
			return got, lbAddr, lbAddr != "" && got == lbAddr
		}},
		{"MySQL's max_connections covers every replica's pool and migrate", func() (string, string, bool) {
			maxConns := 0
			for _, a := range c.Services["mysql"].Command {
				if v, ok := strings.CutPrefix(a, "--max-connections="); ok {
					maxConns, _ = strconv.Atoi(v)
				}
			}
			pool := composeDefault(c.Services["coupon"].Environment["MYSQL_MAX_OPEN_CONNS"])
			need := deref(c.Services["coupon"].Deploy.Replicas)*pool + composeDefault(c.Services["migrate"].Environment["MYSQL_MAX_OPEN_CONNS"])
			return fmt.Sprintf("max_connections %d", maxConns), fmt.Sprintf("≥ %d (replicas × %d + migrate)", need, pool),
				pool > 0 && maxConns >= need
		}},
		{"coupon gets time to drain on stop", func() (string, string, bool) {
			d, err := time.ParseDuration(c.Services["coupon"].StopGracePeriod)
			want := fmt.Sprintf("> %v", drainTimeout)
			return c.Services["coupon"].StopGracePeriod, want, err == nil && d > drainTimeout
		}},
		{"migrate runs once", func() (string, string, bool) {
			r := c.Services["migrate"].Restart
			return fmt.Sprintf("restart %q", r), `restart "no" or unset`, r == "" || r == "no"
		}},
		{"the emulator listens on its published port, on all interfaces", func() (string, string, bool) {
			addr := c.Services["wxsandbox"].Environment["SANDBOX_ADDR"]
			return addr, "0.0.0.0:9100", addr == "0.0.0.0:9100"
		}},
		{"MySQL keeps its data in a volume", func() (string, string, bool) {
			vols := c.Services["mysql"].Volumes
			for _, v := range vols {
				name, target, _ := strings.Cut(v, ":")
				if strings.HasPrefix(target, "/var/lib/mysql") {
					_, declared := c.Volumes[name]
					return v, "a declared volume on /var/lib/mysql", declared
				}
			}
			return fmt.Sprint(vols), "a declared volume on /var/lib/mysql", false
		}},
		{"MYSQL_DSN reaches the compose MySQL as its user and database", func() (string, string, bool) {
			dsn := c.Services["coupon"].Environment["MYSQL_DSN"]
			my := c.Services["mysql"].Environment
			user, rest, _ := strings.Cut(dsn, ":")
			want := fmt.Sprintf("%s:${MYSQL_PASSWORD…}@tcp(mysql:3306)/%s?parseTime=true&charset=utf8mb4…", my["MYSQL_USER"], my["MYSQL_DATABASE"])
			ok := user == my["MYSQL_USER"] && strings.HasPrefix(rest, "${MYSQL_PASSWORD") &&
				strings.Contains(dsn, "@tcp(mysql:3306)/"+my["MYSQL_DATABASE"]+"?") &&
				strings.Contains(dsn, "parseTime=true") && strings.Contains(dsn, "charset=utf8mb4")
			return dsn, want, ok
		}},
		{"REDIS_URL reaches the compose Redis", func() (string, string, bool) {
			u := c.Services["coupon"].Environment["REDIS_URL"]
			return u, "redis://redis:6379/…", strings.HasPrefix(u, "redis://redis:6379/")
		}},
		{"every service waited on as healthy has a health check", func() (string, string, bool) {
			var bad []string
			for name, s := range c.Services {
				for dep, d := range s.DependsOn {
					target, ok := c.Services[dep]
					switch {
					case !ok:
						bad = append(bad, name+"→"+dep+" (no such service)")
					case len(target.Profiles) > 0 && len(s.Profiles) == 0:
						bad = append(bad, name+"→"+dep+" (only in a profile)")
					case d.Condition == "service_healthy" && (target.Healthcheck == nil || target.Healthcheck.Disable):
						bad = append(bad, name+"→"+dep+" (no health check)")
					}
				}
			}
			sort.Strings(bad)
			return fmt.Sprint(bad), "none", len(bad) == 0
		}},
	}
	for _, tt := range checks {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got, want, ok := tt.check(); !ok {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}

// allowedEnv says whether a compose service may set the variable: ours only
// what the service reads; MySQL's image its MYSQL_*; the emulator its SANDBOX_*.
func allowedEnv(service, name string) bool {
	switch service {
	case "mysql":
		return strings.HasPrefix(name, "MYSQL_")
	case "wxsandbox":
		return strings.HasPrefix(name, "SANDBOX_")
	case "redis", "lb":
		return false
	}
	return slices.Contains(config.Names(), name)
}

func nginxConf(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// asInt reads a YAML int-or-string count (not a percentage); 0 when absent.
func asInt(v any) int {
	switch v := v.(type) {
	case int:
		return v
	case uint64:
		return int(v)
	case int64:
		return int(v)
	case string:
		n, _ := strconv.Atoi(v)
		return n
	}
	return 0
}

func deref(p *int) int {
	if p == nil {
		return 1
	}
	return *p
}

// composeDefault is the number in "${VAR:-20}" or "20".
var composeDefaultRE = regexp.MustCompile(`^(?:\$\{[A-Z_]+:-)?([0-9]+)\}?$`)

func composeDefault(v string) int {
	m := composeDefaultRE.FindStringSubmatch(v)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// interpolation is a compose ${VAR}, ${VAR:-default} or ${VAR:?error}, not
// one escaped as $${...}.
var interpolation = regexp.MustCompile(`(^|[^$])\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?])?`)

func TestComposeEnvironment(t *testing.T) {
	t.Parallel()
	c := loadCompose(t)
	example := envExampleKeys(t)

	for _, name := range keys(c.Services) {
		t.Run("names "+name+" sets are read", func(t *testing.T) {
			t.Parallel()
			var unknown []string
			for k := range c.Services[name].Environment {
				if !allowedEnv(name, k) {
					unknown = append(unknown, k)
				}
			}
			sort.Strings(unknown)
			if len(unknown) > 0 {
				t.Errorf("unknown names: got %v, want none (config.Names: %v)", unknown, config.Names())
			}
		})
	}
	for _, service := range []string{"coupon", "migrate"} {
		for _, name := range required {
			t.Run(service+" gets "+name, func(t *testing.T) {
				t.Parallel()
				if v := c.Services[service].Environment[name]; strings.TrimSpace(v) == "" {
					t.Errorf("got %q, want a value", v)
				}
			})
		}
	}
	for name, s := range c.Services {
		for k, v := range s.Environment {
			if !slices.Contains(secretNames, k) {
				continue
			}
			t.Run(name+" "+k+" is not written in the file", func(t *testing.T) {
				t.Parallel()
				if !interpolation.MatchString(v) {
					t.Errorf("got %q, want a ${…} from the env file", v)
				}
			})
		}
	}
	for _, name := range required {
		if name == "MYSQL_DSN" || name == "REDIS_URL" { // composed from the compose services
			continue
		}
		t.Run(name+" must be set", func(t *testing.T) {
			t.Parallel()
			v := c.Services["coupon"].Environment[name]
			if !strings.HasPrefix(v, "${"+name+":?") {
				t.Errorf("got %q, want ${%s:?…} so that compose refuses to start without it", v, name)
			}
		})
	}

	var mandatory, used []string
	var values []string
	for _, doc := range decodeAll(t, composePath) {
		values = append(values, stringsIn(doc)...)
	}
	for _, m := range interpolation.FindAllStringSubmatch(strings.Join(values, "\n"), -1) {
		used = append(used, m[2])
		if strings.HasSuffix(m[3], "?") {
			mandatory = append(mandatory, m[2])
		}
	}
	t.Run("every mandatory variable is in .env.example", func(t *testing.T) {
		t.Parallel()
		for _, v := range mandatory {
			if !slices.Contains(example, v) {
				t.Errorf("%s: got %v, want it listed", v, example)
			}
		}
	})
	t.Run(".env.example lists only variables compose uses", func(t *testing.T) {
		t.Parallel()
		for _, v := range example {
			if !slices.Contains(used, v) {
				t.Errorf("%s: got %v, want only these", v, used)
			}
		}
	})
}

// stringsIn are the strings in a decoded YAML value (keys left out).
func stringsIn(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case map[string]any:
		var out []string
		for _, k := range keys(v) {
			out = append(out, stringsIn(v[k])...)
		}
		return out
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, stringsIn(e)...)
		}
		return out
	}
	return nil
}

// envExampleKeys are the variables .env.example assigns, commented out or not.
func envExampleKeys(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile(envExample)
	if err != nil {
		t.Fatal(err)
	}
	assign := regexp.MustCompile(`^#?([A-Z_][A-Z0-9_]*)=`)
	var out []string
	for _, line := range strings.Split(string(src), "\n") {
		if m := assign.FindStringSubmatch(strings.TrimSpace(line)); m != nil && !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no variables", envExample)
	}
	return out
}

// ---- Kubernetes ----

// Object is what every Kubernetes object has (exported: the YAML decoder
// fills only exported embedded structs).
type Object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   meta   `yaml:"metadata"`
}

type meta struct {
	Name        string            `yaml:"name"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type envVar struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

type envFrom struct {
	ConfigMapRef *struct {
		Name string `yaml:"name"`
	} `yaml:"configMapRef"`
	SecretRef *struct {
		Name string `yaml:"name"`
	} `yaml:"secretRef"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
}

type securityContext struct {
	RunAsNonRoot             *bool  `yaml:"runAsNonRoot"`
	RunAsUser                *int64 `yaml:"runAsUser"`
	AllowPrivilegeEscalation *bool  `yaml:"allowPrivilegeEscalation"`
	ReadOnlyRootFilesystem   *bool  `yaml:"readOnlyRootFilesystem"`
	Capabilities             *struct {
		Drop []string `yaml:"drop"`
	} `yaml:"capabilities"`
}

type container struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Ports   []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env            []envVar  `yaml:"env"`
	EnvFrom        []envFrom `yaml:"envFrom"`
	ReadinessProbe *probe    `yaml:"readinessProbe"`
	LivenessProbe  *probe    `yaml:"livenessProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	Lifecycle *struct {
		PreStop *struct {
			Sleep *struct {
				Seconds int `yaml:"seconds"`
			} `yaml:"sleep"`
			Exec any `yaml:"exec"`
		} `yaml:"preStop"`
	} `yaml:"lifecycle"`
	SecurityContext *securityContext `yaml:"securityContext"`
}

type podTemplate struct {
	Metadata meta `yaml:"metadata"`
	Spec     struct {
		TerminationGracePeriodSeconds *int             `yaml:"terminationGracePeriodSeconds"`
		RestartPolicy                 string           `yaml:"restartPolicy"`
		SecurityContext               *securityContext `yaml:"securityContext"`
		Containers                    []container      `yaml:"containers"`
	} `yaml:"spec"`
}

type deployment struct {
	Object `yaml:",inline"`
	Spec   struct {
		Replicas *int `yaml:"replicas"`
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Template podTemplate `yaml:"template"`
		Strategy struct {
			RollingUpdate struct {
				MaxSurge any `yaml:"maxSurge"`
			} `yaml:"rollingUpdate"`
		} `yaml:"strategy"`
	} `yaml:"spec"`
}

type job struct {
	Object `yaml:",inline"`
	Spec   struct {
		Template podTemplate `yaml:"template"`
	} `yaml:"spec"`
}

type service struct {
	Object `yaml:",inline"`
	Spec   struct {
		Type     string            `yaml:"type"`
		Selector map[string]string `yaml:"selector"`
		Ports    []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort any    `yaml:"targetPort"`
		} `yaml:"ports"`
	} `yaml:"spec"`
}

type configMap struct {
	Object `yaml:",inline"`
	Data   map[string]string `yaml:"data"`
}

type secret struct {
	Object     `yaml:",inline"`
	StringData map[string]string `yaml:"stringData"`
	Data       map[string]string `yaml:"data"`
}

type hpa struct {
	Object `yaml:",inline"`
	Spec   struct {
		ScaleTargetRef struct {
			APIVersion string `yaml:"apiVersion"`
			Kind       string `yaml:"kind"`
			Name       string `yaml:"name"`
		} `yaml:"scaleTargetRef"`
		MinReplicas *int `yaml:"minReplicas"`
		MaxReplicas int  `yaml:"maxReplicas"`
		Metrics     []struct {
			Type     string `yaml:"type"`
			Resource *struct {
				Name string `yaml:"name"`
			} `yaml:"resource"`
		} `yaml:"metrics"`
	} `yaml:"spec"`
}

type pdb struct {
	Object `yaml:",inline"`
	Spec   struct {
		MinAvailable   any `yaml:"minAvailable"`
		MaxUnavailable any `yaml:"maxUnavailable"`
		Selector       struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
	} `yaml:"spec"`
}

type ingress struct {
	Object `yaml:",inline"`
	Spec   struct {
		TLS []struct {
			Hosts      []string `yaml:"hosts"`
			SecretName string   `yaml:"secretName"`
		} `yaml:"tls"`
		Rules []struct {
			Host string `yaml:"host"`
			HTTP struct {
				Paths []struct {
					Path    string `yaml:"path"`
					Backend struct {
						Service struct {
							Name string `yaml:"name"`
							Port struct {
								Name   string `yaml:"name"`
								Number int    `yaml:"number"`
							} `yaml:"port"`
						} `yaml:"service"`
					} `yaml:"backend"`
				} `yaml:"paths"`
			} `yaml:"http"`
		} `yaml:"rules"`
	} `yaml:"spec"`
}

type kustomization struct {
	Resources []string `yaml:"resources"`
	Images    []struct {
		Name string `yaml:"name"`
	} `yaml:"images"`
}

// manifests are the objects kustomization.yaml assembles.
type manifests struct {
	resources   []string // files kustomization.yaml lists
	files       []string // YAML files in k8s/ other than kustomization.yaml
	images      []string // names kustomization.yaml retags
	deployments []deployment
	jobs        []job
	services    []service
	configMaps  []configMap
	secrets     []secret
	hpas        []hpa
	pdbs        []pdb
	ingresses   []ingress
	other       []string
}

func loadManifests(t *testing.T) manifests {
	t.Helper()
	var m manifests
	kdocs := decodeAll(t, filepath.Join(k8sDir, "kustomization.yaml"))
	if len(kdocs) != 1 {
		t.Fatalf("kustomization.yaml: got %d documents, want 1", len(kdocs))
	}
	k := convert[kustomization](t, kdocs[0])
	m.resources = k.Resources
	for _, img := range k.Images {
		m.images = append(m.images, img.Name)
	}
	entries, err := os.ReadDir(k8sDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); (ext == ".yaml" || ext == ".yml") && e.Name() != "kustomization.yaml" {
			m.files = append(m.files, e.Name())
		}
	}
	for _, res := range k.Resources {
		for _, doc := range decodeAll(t, filepath.Join(k8sDir, res)) {
			switch o := convert[Object](t, doc); o.Kind {
			case "Deployment":
				m.deployments = append(m.deployments, convert[deployment](t, doc))
			case "Job":
				m.jobs = append(m.jobs, convert[job](t, doc))
			case "Service":
				m.services = append(m.services, convert[service](t, doc))
			case "ConfigMap":
				m.configMaps = append(m.configMaps, convert[configMap](t, doc))
			case "Secret":
				m.secrets = append(m.secrets, convert[secret](t, doc))
			case "HorizontalPodAutoscaler":
				m.hpas = append(m.hpas, convert[hpa](t, doc))
			case "PodDisruptionBudget":
				m.pdbs = append(m.pdbs, convert[pdb](t, doc))
			case "Ingress":
				m.ingresses = append(m.ingresses, convert[ingress](t, doc))
			default:
				m.other = append(m.other, o.Kind+"/"+o.Metadata.Name)
			}
		}
	}
	if len(m.deployments) != 1 || len(m.jobs) != 1 || len(m.services) != 1 || len(m.hpas) != 1 ||
		len(m.configMaps) != 1 || len(m.secrets) != 1 {
		t.Fatalf("objects: got %d Deployment, %d Job, %d Service, %d HPA, %d ConfigMap, %d Secret; want one each",
			len(m.deployments), len(m.jobs), len(m.services), len(m.hpas), len(m.configMaps), len(m.secrets))
	}
	return m
}

func (m manifests) server() container {
	return m.deployments[0].Spec.Template.Spec.Containers[0]
}

// secretKeys are the Secret's keys, from stringData and data.
func (s secret) keys() []string {
	out := keys(s.StringData)
	for k := range s.Data {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// provided are the variables a container receives: its env, and every key of
// the ConfigMaps and Secrets its envFrom names (when they are in the set).
func (m manifests) provided(c container) map[string]bool {
	got := map[string]bool{}
	for _, e := range c.Env {
		got[e.Name] = true
	}
	for _, ef := range c.EnvFrom {
		for _, cm := range m.configMaps {
			if ef.ConfigMapRef != nil && ef.ConfigMapRef.Name == cm.Metadata.Name {
				for k := range cm.Data {
					got[k] = true
				}
			}
		}
		for _, s := range m.secrets {
			if ef.SecretRef != nil && ef.SecretRef.Name == s.Metadata.Name {
				for _, k := range s.keys() {
					got[k] = true
				}
			}
		}
	}
	return got
}

// subset says whether every label of sel is in labels.
func subset(sel, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// nonRoot says whether a container runs as non-root, with no privilege
// escalation, a read-only root filesystem and no capabilities.
func nonRoot(pod podTemplate, c container) (got string, ok bool) {
	runAsNonRoot := pod.Spec.SecurityContext != nil && pod.Spec.SecurityContext.RunAsNonRoot != nil && *pod.Spec.SecurityContext.RunAsNonRoot
	sc := c.SecurityContext
	if sc == nil {
		sc = &securityContext{}
	}
	if sc.RunAsNonRoot != nil {
		runAsNonRoot = *sc.RunAsNonRoot
	}
	noEscalation := sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation
	readOnly := sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem
	dropAll := sc.Capabilities != nil && slices.Contains(sc.Capabilities.Drop, "ALL")
	got = fmt.Sprintf("runAsNonRoot %v, allowPrivilegeEscalation false %v, readOnlyRootFilesystem %v, drop ALL %v",
		runAsNonRoot, noEscalation, readOnly, dropAll)
	return got, runAsNonRoot && noEscalation && readOnly && dropAll
}

// runAsUser is the user the pod's container runs as, when set.
func runAsUser(pod podTemplate, c container) string {
	if c.SecurityContext != nil && c.SecurityContext.RunAsUser != nil {
		return strconv.FormatInt(*c.SecurityContext.RunAsUser, 10)
	}
	if pod.Spec.SecurityContext != nil && pod.Spec.SecurityContext.RunAsUser != nil {
		return strconv.FormatInt(*pod.Spec.SecurityContext.RunAsUser, 10)
	}
	return ""
}

func TestKubernetes(t *testing.T) {
	t.Parallel()
	m := loadManifests(t)
	im := loadDockerfile(t)
	d := m.deployments[0]
	pod := d.Spec.Template
	c := m.server()
	j := m.jobs[0]
	svc := m.services[0]
	h := m.hpas[0]
	declared := func(name string) int {
		for _, p := range c.Ports {
			if p.Name == name {
				return p.ContainerPort
			}
		}
		return 0
	}
	probeAt := func(p *probe) string {
		if p == nil || p.HTTPGet == nil {
			return "none"
		}
		return fmt.Sprintf("GET %s on %v", p.HTTPGet.Path, p.HTTPGet.Port)
	}
	preStopSleep := 0
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
		preStopSleep = c.Lifecycle.PreStop.Sleep.Seconds
	}

	tests := []struct {
		name  string
		check func() (got, want string, ok bool)
	}{
		{"kustomization lists every manifest", func() (string, string, bool) {
			got, want := slices.Sorted(slices.Values(m.resources)), slices.Sorted(slices.Values(m.files))
			return fmt.Sprint(got), fmt.Sprint(want), slices.Equal(got, want)
		}},
		{"no unexpected kinds", func() (string, string, bool) {
			return fmt.Sprint(m.other), "none", len(m.other) == 0
		}},
		{"two replicas", func() (string, string, bool) {
			if d.Spec.Replicas == nil {
				return "unset", "2", false
			}
			return strconv.Itoa(*d.Spec.Replicas), "2", *d.Spec.Replicas == 2
		}},
		{"one container", func() (string, string, bool) {
			n := len(pod.Spec.Containers)
			return strconv.Itoa(n), "1", n == 1
		}},
		{"selector matches the pod labels", func() (string, string, bool) {
			return fmt.Sprint(d.Spec.Selector.MatchLabels), fmt.Sprintf("a subset of %v", pod.Metadata.Labels),
				subset(d.Spec.Selector.MatchLabels, pod.Metadata.Labels)
		}},
		{"container port http is 8080", func() (string, string, bool) {
			p := declared("http")
			return strconv.Itoa(p), strconv.Itoa(httpPort), p == httpPort
		}},
		{"HTTP_ADDR listens on the container port", func() (string, string, bool) {
			addr := orDefault(m.configMaps[0].Data["HTTP_ADDR"], ":8080")
			return addrPort(addr), strconv.Itoa(declared("http")), addrPort(addr) == strconv.Itoa(declared("http"))
		}},
		{"metrics scraped on their own pod port (METRICS_ADDR), which the Service does not expose", func() (string, string, bool) {
			addr := m.configMaps[0].Data["METRICS_ADDR"]
			ann := pod.Metadata.Annotations["prometheus.io/port"]
			mp := strconv.Itoa(declared("metrics"))
			got := fmt.Sprintf("METRICS_ADDR %q, container port metrics %s, prometheus.io/port %q", addr, mp, ann)
			return got, "the same port, not 8080", addr != "" && addrPort(addr) == mp && ann == mp && mp != strconv.Itoa(httpPort)
		}},
		{"the image exposes the container port", func() (string, string, bool) {
			var exposed []string
			for _, in := range find(im.final(), "EXPOSE") {
				exposed = append(exposed, strings.Fields(in.args)...)
			}
			return fmt.Sprint(exposed), strconv.Itoa(declared("http")), slices.Contains(exposed, strconv.Itoa(declared("http")))
		}},
		{"readiness probe is /readyz on http", func() (string, string, bool) {
			got := probeAt(c.ReadinessProbe)
			return got, "GET /readyz on http", got == "GET /readyz on http"
		}},
		{"liveness probe is /healthz on http", func() (string, string, bool) {
			got := probeAt(c.LivenessProbe)
			return got, "GET /healthz on http", got == "GET /healthz on http"
		}},
		{"service is ClusterIP port 80 to http", func() (string, string, bool) {
			var got []string
			for _, p := range svc.Spec.Ports {
				got = append(got, fmt.Sprintf("%d→%v", p.Port, p.TargetPort))
			}
			return svc.Spec.Type + " " + fmt.Sprint(got), "ClusterIP [80→http]",
				svc.Spec.Type == "ClusterIP" && fmt.Sprint(got) == "[80→http]"
		}},
		{"service selects the Deployment's pods", func() (string, string, bool) {
			return fmt.Sprint(svc.Spec.Selector), fmt.Sprintf("a subset of %v", pod.Metadata.Labels),
				subset(svc.Spec.Selector, pod.Metadata.Labels)
		}},
		{"service does not select the migrate Job's pods", func() (string, string, bool) {
			return fmt.Sprint(j.Spec.Template.Metadata.Labels), fmt.Sprintf("not matching %v", svc.Spec.Selector),
				!subset(svc.Spec.Selector, j.Spec.Template.Metadata.Labels)
		}},
		{"resource requests and memory limit", func() (string, string, bool) {
			r := c.Resources
			return fmt.Sprintf("requests %v, limits %v", r.Requests, r.Limits), "requests cpu and memory, limits memory",
				r.Requests["cpu"] != "" && r.Requests["memory"] != "" && r.Limits["memory"] != ""
		}},
		{"preStop is a sleep, not an exec", func() (string, string, bool) {
			exec := c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Exec != nil
			// The runtime image has no shell or sleep binary.
			return fmt.Sprintf("sleep %ds, exec %v", preStopSleep, exec), "sleep > 0 s, no exec", preStopSleep > 0 && !exec
		}},
		{"grace period covers the preStop sleep and the drain", func() (string, string, bool) {
			want := max(30, preStopSleep+int(drainTimeout.Seconds()))
			if pod.Spec.TerminationGracePeriodSeconds == nil {
				return "unset (30)", fmt.Sprintf("≥ %d", want), false
			}
			got := *pod.Spec.TerminationGracePeriodSeconds
			return strconv.Itoa(got), fmt.Sprintf("≥ %d", want), got >= want
		}},
		{"server runs as non-root, locked down", func() (string, string, bool) {
			got, ok := nonRoot(pod, c)
			return got, "all true", ok
		}},
		{"server runs as the image's user", func() (string, string, bool) {
			u := runAsUser(pod, c)
			return u, fmt.Sprintf("%q (USER in the Dockerfile)", im.user()), u == "" || u == im.user()
		}},
		{"server does not migrate at start", func() (string, string, bool) {
			for _, e := range c.Env {
				if e.Name == "AUTO_MIGRATE" {
					return e.Value, "false", e.Value == "false"
				}
			}
			return "unset", "false", false
		}},
		{"server runs the image's entrypoint", func() (string, string, bool) {
			return fmt.Sprintf("command %v, args %v", c.Command, c.Args), "neither set", len(c.Command) == 0 && len(c.Args) == 0
		}},
		{"Job runs server migrate", func() (string, string, bool) {
			if len(j.Spec.Template.Spec.Containers) != 1 {
				return fmt.Sprintf("%d containers", len(j.Spec.Template.Spec.Containers)), "1", false
			}
			jc := j.Spec.Template.Spec.Containers[0]
			argv := append(slices.Clone(jc.Command), jc.Args...)
			if len(jc.Command) == 0 {
				argv = append(im.entrypoint(), jc.Args...)
			}
			return fmt.Sprint(argv), fmt.Sprintf("[%s migrate]", serverBinary), slices.Equal(argv, []string{serverBinary, "migrate"})
		}},
		{"Job runs the Deployment's image", func() (string, string, bool) {
			jc := j.Spec.Template.Spec.Containers[0]
			return jc.Image, c.Image, jc.Image == c.Image
		}},
		{"kustomization sets the image", func() (string, string, bool) {
			return fmt.Sprint(m.images), c.Image, slices.Contains(m.images, c.Image)
		}},
		{"Job does not restart in place", func() (string, string, bool) {
			p := j.Spec.Template.Spec.RestartPolicy
			return p, "Never or OnFailure", p == "Never" || p == "OnFailure"
		}},
		{"Job runs as non-root, locked down", func() (string, string, bool) {
			got, ok := nonRoot(j.Spec.Template, j.Spec.Template.Spec.Containers[0])
			return got, "all true", ok
		}},
		{"HPA targets the Deployment", func() (string, string, bool) {
			ref := h.Spec.ScaleTargetRef
			got := fmt.Sprintf("%s %s/%s", ref.APIVersion, ref.Kind, ref.Name)
			want := "apps/v1 Deployment/" + d.Metadata.Name
			return got, want, got == want
		}},
		{"HPA is autoscaling/v2, 2 to 10 on CPU", func() (string, string, bool) {
			minR := 0
			if h.Spec.MinReplicas != nil {
				minR = *h.Spec.MinReplicas
			}
			var metrics []string
			for _, mt := range h.Spec.Metrics {
				if mt.Resource != nil {
					metrics = append(metrics, mt.Type+"/"+mt.Resource.Name)
				}
			}
			got := fmt.Sprintf("%s %d..%d %v", h.APIVersion, minR, h.Spec.MaxReplicas, metrics)
			return got, "autoscaling/v2 2..10 [Resource/cpu]", got == "autoscaling/v2 2..10 [Resource/cpu]"
		}},
		{"CPU autoscaling has a CPU request to scale on", func() (string, string, bool) {
			return c.Resources.Requests["cpu"], "set", c.Resources.Requests["cpu"] != ""
		}},
		{"disruption budget selects the Deployment's pods", func() (string, string, bool) {
			var got []string
			for _, p := range m.pdbs {
				if subset(p.Spec.Selector.MatchLabels, pod.Metadata.Labels) {
					got = append(got, p.Metadata.Name)
				}
			}
			return fmt.Sprint(got), "one", len(got) == 1
		}},
		{"disruption budget lets a node drain with two replicas", func() (string, string, bool) {
			// A drain evicts while the budget allows one pod down: with 2 replicas
			// that is minAvailable 1 or maxUnavailable ≥ 1.
			var got []string
			ok := len(m.pdbs) == 1
			for _, p := range m.pdbs {
				got = append(got, fmt.Sprintf("minAvailable %v, maxUnavailable %v", p.Spec.MinAvailable, p.Spec.MaxUnavailable))
				down := 2 - asInt(p.Spec.MinAvailable)
				if p.Spec.MinAvailable == nil {
					down = asInt(p.Spec.MaxUnavailable)
				}
				ok = ok && down >= 1 && down < 2
			}
			return fmt.Sprint(got), "one pod of two may be evicted", ok
		}},
		{"MySQL connections at the HPA's maximum stay under max_connections", func() (string, string, bool) {
			cm := m.configMaps[0]
			maxConns, _ := strconv.Atoi(cm.Metadata.Annotations["wxcoupon.io/mysql-max-connections"])
			pool, _ := strconv.Atoi(cm.Data["MYSQL_MAX_OPEN_CONNS"])
			pods := h.Spec.MaxReplicas + asInt(d.Spec.Strategy.RollingUpdate.MaxSurge)
			need := pods*pool + 1*pool // the replicas during a rollout, and the migrate Job
			return fmt.Sprintf("max_connections %d", maxConns), fmt.Sprintf("≥ %d ((%d+surge) × %d + Job)", need, h.Spec.MaxReplicas, pool),
				pool > 0 && maxConns >= need
		}},
		{"Ingress terminates TLS for its hosts and routes to the Service", func() (string, string, bool) {
			if len(m.ingresses) != 1 {
				return fmt.Sprintf("%d Ingress", len(m.ingresses)), "one", false
			}
			ing := m.ingresses[0]
			var tlsHosts, bad []string
			for _, tls := range ing.Spec.TLS {
				if tls.SecretName == "" {
					bad = append(bad, "TLS without a secret")
				}
				tlsHosts = append(tlsHosts, tls.Hosts...)
			}
			for _, r := range ing.Spec.Rules {
				if !slices.Contains(tlsHosts, r.Host) {
					bad = append(bad, r.Host+" without TLS")
				}
				for _, p := range r.HTTP.Paths {
					b := p.Backend.Service
					if b.Name != svc.Metadata.Name || (b.Port.Name != svc.Spec.Ports[0].Name && b.Port.Number != svc.Spec.Ports[0].Port) {
						bad = append(bad, fmt.Sprintf("%s%s → %s:%s%d", r.Host, p.Path, b.Name, b.Port.Name, b.Port.Number))
					}
				}
			}
			return fmt.Sprint(bad), "none", len(bad) == 0 && len(ing.Spec.Rules) > 0
		}},
		{"Secret holds placeholders only", func() (string, string, bool) {
			var real []string
			for k, v := range m.secrets[0].StringData {
				if v != "" && !strings.Contains(v, "REPLACE_ME") {
					real = append(real, k)
				}
			}
			sort.Strings(real)
			return fmt.Sprint(real, " with values, data ", keys(m.secrets[0].Data)),
				`stringData "" or REPLACE_ME…, no data`, len(real) == 0 && len(m.secrets[0].Data) == 0
		}},
		{"no secret in the ConfigMap", func() (string, string, bool) {
			var got []string
			for k := range m.configMaps[0].Data {
				if slices.Contains(secretNames, k) || slices.Contains([]string{"REDIS_URL"}, k) {
					got = append(got, k)
				}
			}
			sort.Strings(got)
			return fmt.Sprint(got), "none", len(got) == 0
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got, want, ok := tt.check(); !ok {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}

func TestKubernetesEnvironment(t *testing.T) {
	t.Parallel()
	m := loadManifests(t)

	// Every name set anywhere is one the service reads.
	sources := map[string][]string{
		"ConfigMap " + m.configMaps[0].Metadata.Name: keys(m.configMaps[0].Data),
		"Secret " + m.secrets[0].Metadata.Name:       m.secrets[0].keys(),
	}
	pods := map[string]podTemplate{
		"Deployment " + m.deployments[0].Metadata.Name: m.deployments[0].Spec.Template,
		"Job " + m.jobs[0].Metadata.Name:               m.jobs[0].Spec.Template,
	}
	for name, pod := range pods {
		var env []string
		for _, c := range pod.Spec.Containers {
			for _, e := range c.Env {
				env = append(env, e.Name)
			}
		}
		sources[name+" env"] = env
	}
	for source, names := range sources {
		t.Run(source+" sets only names the service reads", func(t *testing.T) {
			t.Parallel()
			var unknown []string
			for _, n := range names {
				if !slices.Contains(config.Names(), n) {
					unknown = append(unknown, n)
				}
			}
			if len(unknown) > 0 {
				t.Errorf("unknown names: got %v, want none (config.Names: %v)", unknown, config.Names())
			}
		})
	}

	// Both the server and the migrate Job load the whole configuration.
	for name, pod := range pods {
		t.Run(name+" gets every required variable", func(t *testing.T) {
			t.Parallel()
			for _, c := range pod.Spec.Containers {
				got := m.provided(c)
				for _, r := range required {
					if !got[r] {
						t.Errorf("container %s, %s: got %v, want it provided", c.Name, r, keys(got))
					}
				}
			}
		})
		t.Run(name+" envFrom names objects in the set", func(t *testing.T) {
			t.Parallel()
			for _, c := range pod.Spec.Containers {
				for _, ef := range c.EnvFrom {
					if ef.ConfigMapRef != nil && ef.ConfigMapRef.Name != m.configMaps[0].Metadata.Name {
						t.Errorf("configMapRef: got %q, want %q", ef.ConfigMapRef.Name, m.configMaps[0].Metadata.Name)
					}
					if ef.SecretRef != nil && ef.SecretRef.Name != m.secrets[0].Metadata.Name {
						t.Errorf("secretRef: got %q, want %q", ef.SecretRef.Name, m.secrets[0].Metadata.Name)
					}
				}
			}
		})
	}
}

// ---- helpers ----

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// orDefault is s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func mustAbs(t *testing.T, path string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}
