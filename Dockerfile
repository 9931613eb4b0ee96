# `mirage serve` in a container: the image Railway builds for the
# `mirage` service of examples/team-service (see docs/serve.md,
# "Deploying on Railway"), or any other container platform.
#
#   docker build -t mirage .
#   docker run -p 8080:8080 -e MIRAGE_STATE=postgres://… \
#     -e MIRAGE_GITHUB_WEBHOOK_SECRET=… -e RAILWAY_API_TOKEN=… mirage
#
# Not built where this file was written (no Docker daemon there): the
# stages follow the Rust and Debian images' documented use and the
# commands `cargo build --release --locked --bin mirage` runs in CI, but
# the first `docker build` of your fork is the test of this file.

# ---------------------------------------------------------------- build
FROM rust:1-bookworm AS builder
WORKDIR /src
# The commit `mirage --version` prints (build.rs reads it; there is no
# .git in the build context). Railway passes RAILWAY_GIT_COMMIT_SHA as a
# build argument when it is declared.
ARG RAILWAY_GIT_COMMIT_SHA
ENV MIRAGE_BUILD_COMMIT=${RAILWAY_GIT_COMMIT_SHA}
COPY . .
RUN cargo build --release --locked --bin mirage \
 && cp target/release/mirage /usr/local/bin/mirage

# -------------------------------------------------------------- runtime
FROM debian:bookworm-slim
# ca-certificates: TLS to Railway, GitHub, the OpenID provider and
# PostgreSQL; git: projects whose sources Mirage reads from git.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git \
 && rm -rf /var/lib/apt/lists/*
# A user of its own, no shell login, no home to write in but its own.
RUN useradd --system --uid 10001 --create-home --home-dir /home/mirage \
      --shell /usr/sbin/nologin mirage
COPY --from=builder /usr/local/bin/mirage /usr/local/bin/mirage
# The project whose previews and environments serve manages: its
# `.mirage` files, copied from this repository. In your fork, set the
# build argument (on Railway: a service variable of the same name) to the
# directory holding them, e.g. `infra`.
ARG MIRAGE_PROJECT=examples/saas
COPY --from=builder --chown=mirage:mirage /src/${MIRAGE_PROJECT} /srv/project
USER mirage
WORKDIR /srv/project
# Plain HTTP: TLS is terminated in front of serve (Railway's edge, or a
# proxy). Railway sets PORT; MIRAGE_SERVE_LISTEN (the `--listen` flag's
# variable) must use it — examples/team-service sets both.
ENV PORT=8080 \
    MIRAGE_SERVE_LISTEN=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["mirage"]
CMD ["serve", "/srv/project"]
