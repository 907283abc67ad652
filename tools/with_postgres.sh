#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL 15 server: initdb in a fresh temporary
# directory, start it on a free local port (its unix socket in that directory too), export
# VLMLAB_TEST_POSTGRES_URL, run the command, then stop the server and delete the directory,
# whatever happens. Exits with the command's status.
#
#   tools/with_postgres.sh bazel test --test_env=VLMLAB_TEST_POSTGRES_URL //platform/store/...
#
# Needs Debian's postgresql package (tools/setup.sh installs it). PostgreSQL refuses to run as
# root, so as root the server runs as the `postgres` user; the command itself runs as the
# caller. The server trusts local connections and skips fsync: it is for tests only.
set -euo pipefail

if (($# == 0)); then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
for tool in initdb pg_ctl; do
  if [ ! -x "$PG_BIN/$tool" ]; then
    echo "with_postgres: $PG_BIN/$tool not found; install postgresql (tools/setup.sh) or set PG_BIN" >&2
    exit 2
  fi
done

# Under /tmp so that the postgres user can reach it even when the caller's TMPDIR is private.
dir="$(mktemp -d /tmp/vlmlab-pg.XXXXXX)"
as_server=()
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$dir"
  as_server=(runuser -u postgres --)
fi
started=0
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
  if ((started)); then
    "${as_server[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! "${as_server[@]}" "$PG_BIN/initdb" -D "$dir/data" -U vlmlab --auth=trust --encoding=UTF8 \
  --locale=C >"$dir/initdb.log" 2>&1; then
  echo "with_postgres: initdb failed:" >&2
  cat "$dir/initdb.log" >&2
  exit 1
fi
"${as_server[@]}" mkdir "$dir/socket"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=""
for _ in $(seq 20); do
  candidate=$((20000 + RANDOM % 40000))
  port_free "$candidate" || continue
  # A port taken between the check and the start makes pg_ctl fail: try another.
  if "${as_server[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $candidate -k $dir/socket -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" \
    start >/dev/null 2>&1; then
    started=1
    port="$candidate"
    break
  fi
done
if ((!started)); then
  echo "with_postgres: the server did not start; its log:" >&2
  cat "$dir/server.log" >&2 || true
  exit 1
fi

export VLMLAB_TEST_POSTGRES_URL="postgresql://vlmlab@127.0.0.1:$port/postgres"
echo "with_postgres: PostgreSQL on $VLMLAB_TEST_POSTGRES_URL (data in $dir)" >&2
status=0
"$@" || status=$?
exit "$status"
