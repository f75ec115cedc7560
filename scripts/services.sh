#!/usr/bin/env bash
# Start or stop throwaway PostgreSQL and Redis servers on 127.0.0.1 without systemd.
#   scripts/services.sh start DIR   -> prints the export lines for DATABASE_URL / REDIS_URL
#   scripts/services.sh stop DIR
# Used by .ci/run and by developers who want the CI set-up locally.
set -euo pipefail

action=${1:?start or stop}
dir=${2:?state directory}
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg_port=${PG_PORT:-5432}
redis_port=${REDIS_PORT:-6379}

start() {
  mkdir -p "$dir"
  chown postgres:postgres "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    runuser -u postgres -- "$pgbin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
      --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1
  fi
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
  psql -h "$dir" -p "$pg_port" -U postgres -v ON_ERROR_STOP=1 -q \
    -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='app') THEN CREATE ROLE app LOGIN PASSWORD 'app' CREATEDB; END IF; END \$\$;" >/dev/null
  psql -h "$dir" -p "$pg_port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='app'" | grep -q 1 \
    || psql -h "$dir" -p "$pg_port" -U postgres -q -c "CREATE DATABASE app OWNER app" >/dev/null
  redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --pidfile "$dir/redis.pid" \
    --logfile "$dir/redis.log" --save '' --appendonly no
  for _ in $(seq 1 50); do
    redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
    sleep 0.2
  done
  redis-cli -p "$redis_port" ping | grep -q PONG || { echo "Redis did not start" >&2; exit 1; }
  pg_isready -h 127.0.0.1 -p "$pg_port" >/dev/null || { echo "PostgreSQL did not start" >&2; exit 1; }
  echo "export DATABASE_URL=postgres://app:app@127.0.0.1:$pg_port/app"
  echo "export REDIS_URL=redis://127.0.0.1:$redis_port/0"
}

stop() {
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  if [ -f "$dir/data/postmaster.pid" ]; then
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

case "$action" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
