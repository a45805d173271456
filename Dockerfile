# syntax=docker/dockerfile:1
# Build: the release binary, with SQLite bundled and libpq linked for PostgreSQL.
FROM rust:1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev pkg-config && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so source edits do not rebuild them.
COPY Cargo.toml Cargo.lock ./
# The bundled SQLite's build flags.
COPY .cargo ./.cargo
# Stand-ins for every target the manifest names, so the dependencies build (and are
# cached) before any source is copied.
RUN mkdir -p src tests/api bench \
    && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && touch tests/api/main.rs && echo 'fn main() {}' > bench/baseline.rs \
    && echo 'fn main() {}' > bench/photos.rs \
    && cargo build --release --locked --bin newsdesk
COPY src ./src
COPY migrations ./migrations
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin newsdesk

# Run: a slim image with only the binary and libpq, as an unprivileged user.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/newsdesk --create-home newsdesk
COPY --from=build /src/target/release/newsdesk /usr/local/bin/newsdesk
USER newsdesk
WORKDIR /var/lib/newsdesk
ENV NEWSDESK_BIND=0.0.0.0:8080 \
    DATABASE_URL=/var/lib/newsdesk/newsdesk.db \
    NEWSDESK_MEDIA_STORE=/var/lib/newsdesk/media \
    RUST_LOG=info
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["newsdesk"]
CMD ["serve"]
