#!/usr/bin/env bash
# Runs Tin Cậy as `make demo` does: gunicorn and the task worker, both stopped on Ctrl-C.
# Expects .venv, a migrated database and collected static files (the Makefile prepares them).
set -euo pipefail
cd "$(dirname "$0")/.."

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
case "$HOST" in
  *:*) BIND="[$HOST]:$PORT"; URL_HOST="[$HOST]" ;;
  *) BIND="$HOST:$PORT"; URL_HOST="$HOST" ;;
esac
case "$HOST" in
  0.0.0.0|::) export ALLOWED_HOSTS="${ALLOWED_HOSTS:-*}"; URL_HOST=127.0.0.1 ;;
  *) export ALLOWED_HOSTS="${ALLOWED_HOSTS:-$URL_HOST,127.0.0.1,localhost,[::1]}" ;;
esac
export SITE_URL="${SITE_URL:-http://$URL_HOST:$PORT}"

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "Stopping Tin Cậy…"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

.venv/bin/gunicorn tincay.wsgi:application \
  --bind "$BIND" --workers "${WEB_WORKERS:-2}" --threads "${WEB_THREADS:-4}" \
  --worker-class gthread --timeout 60 --graceful-timeout 10 \
  --access-logfile - --error-logfile - --log-level warning &
pids+=($!)
.venv/bin/python manage.py db_worker --interval 1 --queue-name '*' --verbosity 1 &
pids+=($!)
# The clock: opens the week's report cycle, sends reminders (idempotent jobs, see core.scheduler).
.venv/bin/python manage.py scheduler --interval 60 &
pids+=($!)
# The test SMSC the demo's SMS campaigns go to (OUTREACH_SMPP_URL's default), with receipts.
.venv/bin/python -m outreach.smsc --port "${SMSC_PORT:-2775}" --receipt-delay 2 &
pids+=($!)

# Wait until the web server answers before saying where it is.
for _ in $(seq 1 60); do
  if .venv/bin/python -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
      "http://$URL_HOST:$PORT/login/" >/dev/null 2>&1; then
    break
  fi
  sleep 0.5
done

cat <<MSG

  Tin Cậy is running: http://$URL_HOST:$PORT/
  Web server: gunicorn (pid ${pids[0]}), task worker: db_worker (pid ${pids[1]}), scheduler (pid ${pids[2]}),
  test SMSC on port ${SMSC_PORT:-2775} (pid ${pids[3]})
  Database: ${DATABASE_URL:-SQLite under var/}; e-mails are written to var/mail/.

MSG
sed "s/^/  /" var/demo-logins.txt 2>/dev/null || true
echo
echo "  Press Ctrl-C to stop them all."
echo

# If any process dies, stop the others too.
wait -n "${pids[@]}"
