# The receiver as a container: `smshook serve --inbox` on a volume, forwarding to the application given as
# arguments (docker run … smshook --forward-to http://app:3000/nhn), metrics and /readyz on :9090.
# The secrets come from the environment: SMSHOOK_SECRET (the webhook's secret from the NHN Cloud console) and SMSHOOK_FORWARD_SECRET
# (whsec_…, shared with the application).

FROM golang:1.26.8 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static: modernc.org/sqlite is pure Go, so the binary needs no libc.
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/smshook ./cmd/smshook

FROM alpine:3.22.2
RUN addgroup -S -g 10001 smshook && adduser -S -D -H -u 10001 -G smshook smshook \
	&& mkdir -p /var/lib/smshook && chown smshook:smshook /var/lib/smshook
COPY --from=build /out/smshook /usr/local/bin/smshook
USER 10001:10001
VOLUME /var/lib/smshook
EXPOSE 8080 9090
# Ready once the inbox's file answers; busybox wget is the base image's own.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
	CMD wget -q -O /dev/null http://127.0.0.1:9090/readyz || exit 1
ENTRYPOINT ["smshook", "serve", "--addr", ":8080", "--metrics-addr", ":9090", "--inbox", "/var/lib/smshook/inbox.db"]
