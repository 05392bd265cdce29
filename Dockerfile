# govwatch's daemon in a container (docs/running.md). It installs through the Makefile's own
# targets, as the README does: `make setup` (the virtualenv) and `make system-deps`.
FROM debian:bookworm-slim

RUN apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
       make python3 python3-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/govwatch
COPY . .
# Chromium for `render: js` portals; the tests' packages (PostgreSQL, nginx, fonts) are not needed
RUN make setup system-deps DEB_PACKAGES=chromium \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/govwatch --create-home govwatch

USER govwatch
WORKDIR /var/lib/govwatch
ENV PATH=/opt/govwatch/.venv/bin:$PATH \
    GOVWATCH_PORTALS=/etc/govwatch/portals.yaml \
    GOVWATCH_ALERTS=/etc/govwatch/alerts.yaml \
    GOVWATCH_DB=sqlite:////var/lib/govwatch/govwatch.db
VOLUME ["/var/lib/govwatch"]
# SIGTERM stops the daemon in order (its crawls first); give it GOVWATCH_KILL_GRACE and more
STOPSIGNAL SIGTERM
CMD ["govwatch", "run"]
