# syntax=docker/dockerfile:1
#
# The coupon service: a static binary on a distroless image, run as a non-root user.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t wxcoupon/coupon .
#   docker run --rm -p 8080:8080 wxcoupon/coupon            # sandbox mode, SQLite in /tmp
#   docker run --rm --env-file prod.env wxcoupon/coupon migrate
#
# The image holds two binaries: /usr/local/bin/server (the entrypoint; subcommands
# serve (default), migrate, healthcheck) and /usr/local/bin/wxsandbox (the standalone
# WeChat emulator; run it with --entrypoint /usr/local/bin/wxsandbox).
# The migrations (migrations/*.sql) are embedded in the server binary: the image
# needs no SQL files, and `server migrate` applies them.

# The Go toolchain is the go.mod line (go 1.26.x). The build stage runs on the
# builder's own platform and cross-compiles, so multi-platform builds need no emulation.
FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build
WORKDIR /src

# Modules first: this layer is reused until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download && go mod verify

COPY . .
ARG VERSION=dev
ARG TARGETOS
ARG TARGETARCH
# CGO_ENABLED=0: pure Go (the SQLite driver included), so the binaries are static
# and run on distroless/static, which has no libc. nomsgpack: gin's MessagePack
# binding (about 3 MB of codec) is never used; the API is JSON.
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -tags nomsgpack -ldflags "-s -w -X main.version=${VERSION}" -o /out/server ./cmd/server \
 && CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -tags nomsgpack -ldflags "-s -w" -o /out/wxsandbox ./cmd/wxsandbox

# distroless/static: CA certificates, tzdata and /etc/passwd, no shell, no package
# manager. The :nonroot tag's user is 65532.
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="wxcoupon" \
      org.opencontainers.image.description="Back end for WeChat mini-program coupons" \
      org.opencontainers.image.source="https://github.com/wxcoupon/coupon" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/server /out/wxsandbox /usr/local/bin/
# Without MYSQL_DSN the service uses SQLite; /tmp is the one writable place here
# (mount a volume there to keep it). Deployments set MYSQL_DSN and REDIS_URL.
ENV HTTP_ADDR=:8080 SQLITE_PATH=/tmp/coupon.db
EXPOSE 8080
# Numeric, so that Kubernetes' runAsNonRoot can verify it (it cannot resolve "nonroot").
USER 65532:65532
# Exec form: the image has no shell and no curl; `server healthcheck` asks this
# container's own server for /healthz (on HTTP_ADDR's port) and exits 0 or 1.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/server", "healthcheck"]
# SIGTERM (Docker's default stop signal) makes the server drain requests for up to
# 20 s; give `docker stop` at least that (docker stop -t 30, compose stop_grace_period).
ENTRYPOINT ["/usr/local/bin/server"]
