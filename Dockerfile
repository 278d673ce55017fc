# syntax=docker/dockerfile:1
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/server ./cmd/server \
 && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/wxsandbox ./cmd/wxsandbox

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/server /out/wxsandbox /usr/local/bin/
# Migrations are embedded in the binary; `server migrate` applies them.
ENV HTTP_ADDR=:8080 SQLITE_PATH=/tmp/coupon.db
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s CMD ["/usr/local/bin/server", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/server"]
