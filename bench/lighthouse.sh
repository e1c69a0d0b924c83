#!/usr/bin/env bash
# Lighthouse mobile performance of the storefront (issue #15): home, listing and
# a product page, in French and Arabic, against a `make run`-like server on the
# demo data. Not part of `make test` (a score depends on the machine's load).
#
#   bash bench/lighthouse.sh            # prints the scores, writes bench/results/lighthouse/
#   RUNS=3 bash bench/lighthouse.sh     # each page three times; the median is printed
#
# It uses its own SQLite database and instance folder in a temporary directory
# (seeded with `flask seed-demo`), serves it with `flask serve` (what `make run`
# runs) on a free loopback port, and stops the server when done. Lighthouse is
# pinned in bench/lighthouse/package.json; Chromium is Debian's (CHROME_PATH).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
RUNS=${RUNS:-1}
PORT=${PORT:-$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
OUT=bench/results/lighthouse
LIGHTHOUSE=bench/lighthouse/node_modules/.bin/lighthouse
mkdir -p "$OUT"

if [ ! -x "$LIGHTHOUSE" ]; then
    npm ci --ignore-scripts --no-audit --no-fund --prefix bench/lighthouse >/dev/null
fi

WORK=$(mktemp -d)
SERVER=""
cleanup() {
    if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

export TAAWON_ENV=development
export PUBLIC_BASE_URL="http://127.0.0.1:$PORT"
export DATABASE_URL="sqlite:///$WORK/taawon.sqlite3"
export MEDIA_ROOT="$WORK/media" PRIVATE_MEDIA_ROOT="$WORK/private" SEARCH_INDEX_DIR="$WORK/search"
FLASK=".venv/bin/flask --app shop"
$FLASK translate compile >/dev/null
$FLASK db upgrade >/dev/null 2>&1
echo "seeding the demo data (about a minute)…"
$FLASK seed-demo >/dev/null
$FLASK serve --host 127.0.0.1 --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
    curl -fs -o /dev/null "$PUBLIC_BASE_URL/healthz" && break
    sleep 0.2
done
BASE=$PUBLIC_BASE_URL
PRODUCT=$(curl -fs "$BASE/fr/products/" | grep -o 'href="/fr/products/[a-z0-9-]\+"' | head -1 | cut -d'"' -f2 | cut -d/ -f4)

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
printf '%-48s %s\n' "page" "performance (LCP ms, TBT ms, CLS)"
for lang in fr ar; do
    for path in "/$lang/" "/$lang/products/" "/$lang/products/$PRODUCT"; do
        name=$(echo "$path" | tr '/' '_' | sed 's/^_//; s/_$//')
        scores=()
        for run in $(seq 1 "$RUNS"); do
            report="$OUT/${name:-home}-$run.json"
            "$LIGHTHOUSE" "$BASE$path" --quiet --only-categories=performance \
                --chrome-flags="--headless=new --no-sandbox --disable-gpu" \
                --output=json --output-path="$report" >/dev/null 2>&1
            scores+=("$(.venv/bin/python - "$report" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
a = r["audits"]
print(round(r["categories"]["performance"]["score"] * 100),
      round(a["largest-contentful-paint"]["numericValue"]),
      round(a["total-blocking-time"]["numericValue"]),
      round(a["cumulative-layout-shift"]["numericValue"], 3))
PY
)")
        done
        median=$(printf '%s\n' "${scores[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
        printf '%-48s %s\n' "$path" "$median"
    done
done
echo "load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg); reports in $OUT/"
