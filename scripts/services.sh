#!/usr/bin/env bash
# Makes sure the local Redis and PostgreSQL that Tickline's tests and demo use are reachable.
# Order of preference: use a running server, else start an installed one, else install it from
# Debian's packages (root only). Says what it did.
# Also installs the programs the integration tests run (prometheus).
# Usage: scripts/services.sh up [redis] [postgres] [tools]   (all when none is named) | status
set -euo pipefail

# Ports can be moved for tests of this script itself; Tickline's defaults expect the standard ones.
REDIS_HOST=127.0.0.1 REDIS_PORT=${SERVICES_REDIS_PORT:-6379}
PG_HOST=127.0.0.1 PG_PORT=${SERVICES_PG_PORT:-5432}
APT_UPDATED=0

say() { printf 'services: %s\n' "$*"; }
port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
wait_port() { # host port what
  for _ in $(seq 1 60); do port_open "$1" "$2" && return 0; sleep 0.5; done
  say "$3 did not open $1:$2 within 30 s"; return 1
}
apt_install() {
  if [ "$(id -u)" != 0 ]; then say "cannot install $* without root; install it and run again"; exit 1; fi
  if [ "$APT_UPDATED" = 0 ]; then say "apt-get update"; DEBIAN_FRONTEND=noninteractive apt-get update -qq; APT_UPDATED=1; fi
  say "installing $* from Debian packages"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

redis_up() {
  if port_open $REDIS_HOST $REDIS_PORT; then say "redis: running at $REDIS_HOST:$REDIS_PORT"; return; fi
  command -v redis-server >/dev/null || apt_install redis-server
  # The init scripts may have started it already on install.
  if port_open $REDIS_HOST $REDIS_PORT; then say "redis: started by its package"; return; fi
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  local dir=/var/lib/redis log=/var/log/redis/tickline.log
  [ -w "$dir" ] || { dir=$(mktemp -d); log="$dir/redis.log"; }
  redis-server --daemonize yes --bind 127.0.0.1 --port $REDIS_PORT --save '' --appendonly no \
    --dir "$dir" --logfile "$log" >/dev/null 2>&1
  wait_port $REDIS_HOST $REDIS_PORT redis
  say "redis: started $(redis-server --version | awk '{print $3}') at $REDIS_HOST:$REDIS_PORT"
}

pg_trust_local() { # fresh Debian clusters use scram for TCP; tests connect as postgres with trust
  local hba=$1
  grep -q '^host all all 127.0.0.1/32 trust' "$hba" && return
  sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
}

pg_up() {
  if port_open $PG_HOST $PG_PORT; then say "postgresql: running at $PG_HOST:$PG_PORT"; ensure_test_db; return; fi
  if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    apt_install postgresql
  fi
  local version; version=$(ls /etc/postgresql | sort -V | tail -1)
  pg_trust_local "/etc/postgresql/$version/main/pg_hba.conf"
  if ! port_open $PG_HOST $PG_PORT; then
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
  else
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload || true
  fi
  wait_port $PG_HOST $PG_PORT postgresql
  say "postgresql: started $version at $PG_HOST:$PG_PORT"
  ensure_test_db
}

tools_up() { # programs tests start themselves; nothing runs until a test starts them
  if command -v prometheus >/dev/null; then
    say "prometheus: installed"
  else
    apt_install --no-install-recommends prometheus
    # Debian's package may start its own server on :9090; the tests start theirs on free ports.
    pkill -x prometheus 2>/dev/null || true
    say "prometheus: installed $(prometheus --version 2>&1 | awk 'NR==1{print $3}')"
  fi
  # Debian's chromium, driven by playwright-core in the gateway's dashboard test (no browser download).
  if [ -x /usr/bin/chromium ]; then
    say "chromium: installed"
  else
    apt_install --no-install-recommends chromium
    say "chromium: installed $(/usr/bin/chromium --version 2>/dev/null)"
  fi
}

ensure_test_db() {
  command -v psql >/dev/null || return 0
  if ! psql -h $PG_HOST -U postgres -d postgres -tAc "select 1 from pg_database where datname='test'" 2>/dev/null | grep -q 1; then
    psql -h $PG_HOST -U postgres -d postgres -qc 'create database test' && say "postgresql: created database test"
  fi
}

command=${1:-up}; shift || true
wanted=${*:-redis postgres tools}
case "$command" in
  up)
    for service in $wanted; do
      case "$service" in
        redis) redis_up ;;
        postgres|postgresql) pg_up ;;
        tools) tools_up ;;
        *) echo "unknown service '$service' (redis, postgres, tools)" >&2; exit 2 ;;
      esac
    done ;;
  status)
    port_open $REDIS_HOST $REDIS_PORT && say "redis: up" || say "redis: down"
    port_open $PG_HOST $PG_PORT && say "postgresql: up" || say "postgresql: down" ;;
  *) echo "usage: $0 up [redis] [postgres] [tools] | status" >&2; exit 2 ;;
esac
