#!/usr/bin/env bash
# Makes sure the test dependencies run on 127.0.0.1: MariaDB on 3306 (root, empty
# password) and Redis on 6379. Installs them with apt-get where missing and starts
# them where stopped. Safe to run again; does nothing when both already answer.
set -euo pipefail

log() { echo "ensure-services: $*" >&2; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for() { # port name
  for _ in $(seq 1 60); do listening "$1" && return 0; sleep 0.5; done
  log "$2 did not start listening on 127.0.0.1:$1"; return 1
}

ensure_mariadb() {
  if ! listening 3306; then
    if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ]; then
      log "installing MariaDB"
      apt_install mariadb-server mariadb-client
    fi
    log "starting MariaDB"
    as_root mkdir -p /run/mysqld
    as_root chown mysql:mysql /run/mysqld 2>/dev/null || true
    if [ ! -d /var/lib/mysql/mysql ]; then
      as_root mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
    fi
    as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
    wait_for 3306 MariaDB
  fi
  # A fresh Debian install lets root in only through the unix socket; the tests
  # connect over TCP as root with an empty password.
  if ! mariadb -h127.0.0.1 -uroot -e 'SELECT 1' >/dev/null 2>&1; then
    log "allowing root with an empty password over TCP"
    as_root mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket;
      CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
      GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;"
  fi
}

ensure_redis() {
  # The Sentinel, Cluster and TLS tests run redis-server (Debian's has TLS built
  # in) and redis-cli --cluster (redis-tools) on spare ports of their own.
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    log "installing Redis"
    apt_install redis-server redis-tools
  fi
  listening 6379 && return 0
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /tmp >/dev/null
  wait_for 6379 Redis
}

# go test -race needs cgo, hence a C compiler and the C library headers.
ensure_gcc() {
  command -v gcc >/dev/null && return 0
  log "installing gcc (go test -race needs cgo)"
  apt_install gcc libc6-dev
}

ensure_gcc
ensure_mariadb
ensure_redis
log "MariaDB and Redis are up"
