#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, on 127.0.0.1, with its own data directory.
#
#   eval "$(.ci/postgres.sh start DIR)"   # prints: export NEWSBOT_TEST_POSTGRES_URL=...
#   .ci/postgres.sh stop DIR
#
# DIR must be empty or missing at start; everything the server writes stays inside it. The
# server's superuser is reachable only through the Unix socket in DIR (peer authentication);
# the tests connect over TCP as the role `newsbot` (password `newsbot`, may create databases:
# the tests make one per test). Run as root (CI), the server runs as the `postgres` OS user.
# PGPORT picks the port (default 55432). Needs Debian's postgresql package (server 15 or newer).
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}
(($# == 2)) || usage
action=$1
dir=$2
port=${PGPORT:-55432}

bindir=""
for candidate in /usr/lib/postgresql/*/bin; do
  [[ -x $candidate/initdb ]] && bindir=$candidate
done
if [[ -z $bindir ]] && command -v initdb >/dev/null 2>&1; then
  bindir=$(dirname "$(command -v initdb)")
fi
[[ -n $bindir ]] || {
  echo "no PostgreSQL server binaries found (apt-get install postgresql)" >&2
  exit 2
}

# root can't run the server; the `postgres` OS user (made by the Debian package) does.
as_server() {
  if ((EUID == 0)); then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case $action in
start)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [[ -z $(ls -A "$dir") ]] || {
    echo "$dir is not empty" >&2
    exit 2
  }
  if ((EUID == 0)); then
    chmod 755 "$dir"
    install -d -o postgres -g postgres -m 700 "$dir/data"
  else
    install -d -m 700 "$dir/data"
  fi
  as_server "$bindir/initdb" -D "$dir/data" --username=postgres --encoding=UTF8 \
    --locale=C.UTF-8 --auth-local=peer --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
  }
  # Peer authentication maps the OS user to the role of the same name; a developer's own
  # account (not `postgres`) may also act as the superuser through the socket.
  if ((EUID != 0)); then
    echo "local all postgres peer map=self" >"$dir/data/pg_hba.conf.new"
    grep -v '^local' "$dir/data/pg_hba.conf" >>"$dir/data/pg_hba.conf.new"
    mv "$dir/data/pg_hba.conf.new" "$dir/data/pg_hba.conf"
    echo "self $(id -un) postgres" >>"$dir/data/pg_ident.conf"
  fi
  as_server "$bindir/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/data \
-c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null || {
    cat "$dir/data/server.log" >&2
    exit 1
  }
  as_server "$bindir/psql" -q -v ON_ERROR_STOP=1 -h "$dir/data" -p "$port" -U postgres \
    -d postgres >/dev/null <<'SQL'
CREATE ROLE newsbot LOGIN CREATEDB PASSWORD 'newsbot';
-- DROP DATABASE ... WITH (FORCE) after each test ends the sessions in it, autovacuum's too.
GRANT pg_signal_backend TO newsbot;
CREATE DATABASE newsbot OWNER newsbot;
SQL
  echo "export NEWSBOT_TEST_POSTGRES_URL=postgresql+asyncpg://newsbot:newsbot@127.0.0.1:$port/newsbot"
  ;;
stop)
  [[ -d $dir/data ]] || exit 0
  dir=$(cd "$dir" && pwd)
  if [[ -f $dir/data/postmaster.pid ]]; then
    as_server "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  fi
  ;;
*)
  usage
  ;;
esac
