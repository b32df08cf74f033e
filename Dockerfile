# syntax=docker/dockerfile:1
# Guichet in a small image: one static binary, no shell, run as a user
# without privileges. Build: docker build -t guichet .
# Run: docker run -p 8080:8080 -v guichet-data:/var/lib/guichet guichet
# Configuration: GUICHET_* variables, or a TOML file given with -config
# (see docs/operations.md).

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
# The patched modules that go.mod replaces (third_party/*/PATCHES.md).
COPY third_party ./third_party
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/guichet ./cmd/guichet \
    && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/guichet /usr/local/bin/guichet
COPY --from=build --chown=nonroot:nonroot /out/data /var/lib/guichet
ENV GUICHET_ADDR=0.0.0.0:8080 \
    GUICHET_DATA_DIR=/var/lib/guichet \
    GUICHET_LOG_FORMAT=json
USER nonroot:nonroot
EXPOSE 8080
VOLUME /var/lib/guichet
ENTRYPOINT ["/usr/local/bin/guichet"]
CMD ["serve"]
