# syntax=docker/dockerfile:1
#
# The container worker: `exifstrip worker --queue-url URL --dest s3://bucket-b`.
#
#   docker build -t exifstrip:0.1.0 .
#
# Build stage: the toolchain matches `rust-version` in Cargo.toml; --locked builds exactly the
# dependencies in Cargo.lock.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p exifstrip-cli \
    && install -D -m 0755 target/release/exifstrip /out/exifstrip

# Runtime stage: glibc, libgcc and CA certificates, no shell, no package manager. Debian 12 like
# the build stage, so the binary finds the glibc it was linked against.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/exifstrip /usr/local/bin/exifstrip
# 65532, the image's unprivileged "nonroot" user; the task also runs with a read-only root
# filesystem.
USER nonroot:nonroot
# A queue worker serves no port to probe: ECS restarts the task when the process exits, and a
# worker that stops making progress shows in the queue-age alarm.
#checkov:skip=CKV_DOCKER_2:A queue worker has no endpoint for a HEALTHCHECK to probe; liveness is the process itself and progress is watched by the work-queue age alarm.
ENTRYPOINT ["/usr/local/bin/exifstrip"]
CMD ["worker"]
