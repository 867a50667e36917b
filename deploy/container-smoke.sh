#!/usr/bin/env bash
# Build newsbot's image and check it: `newsbot demo` runs inside it, and a `newsbot worker`
# container (SQLite, no Discord needed) passes the image's own HEALTHCHECK on /healthz.
#   deploy/container-smoke.sh            with podman (CONTAINER_ENGINE=docker for Docker)
# .ci/run calls it where a container engine runs and can pull the python:3.11-slim base image.
set -euo pipefail
cd "$(dirname "$0")/.."

engine=${CONTAINER_ENGINE:-podman}
image=localhost/newsbot:smoke
name="newsbot-smoke-$$"
format=()
[[ "$engine" == podman ]] && format=(--format docker)  # OCI images drop HEALTHCHECK

"$engine" build "${format[@]}" -t "$image" .
"$engine" run --rm "$image" demo

"$engine" run -d --name "$name" "$image" worker >/dev/null
trap '"$engine" rm -f "$name" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 60); do
  if "$engine" healthcheck run "$name" >/dev/null 2>&1 \
     || "$engine" exec "$name" python -c \
        "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)" \
        >/dev/null 2>&1; then
    echo "container-smoke: demo ran and /healthz answered inside the image"
    exit 0
  fi
  sleep 1
done
echo "container-smoke: no /healthz answer within 60 s" >&2
"$engine" logs "$name" >&2 || true
exit 1
