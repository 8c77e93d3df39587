# syntax=docker/dockerfile:1
# shipshape itself: a static binary on a minimal, non-root base.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/root/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/root/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/shipshape ./cmd/shipshape

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/shipshape /usr/local/bin/shipshape
USER nonroot:nonroot
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/shipshape"]
CMD ["lint", "."]
