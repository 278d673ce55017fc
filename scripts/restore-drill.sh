#!/usr/bin/env bash
# Restore drill (docs/operations.md, "Backups"): dumps SOURCE_DB the way the
# nightly backup does (mysqldump --single-transaction: one consistent snapshot,
# no table locks on InnoDB), restores the dump into TARGET_DB, a database that
# must not exist yet, and compares every table: row count and CHECKSUM TABLE.
# Exits 0 when every table matches, 1 when one differs, 2 on misuse.
#
#   scripts/restore-drill.sh coupon coupon_drill_20261201
#
# Connection: MYSQL_HOST (127.0.0.1), MYSQL_PORT (3306), MYSQL_USER (root),
# MYSQL_PWD (empty; read by the clients from the environment, never on the
# command line). DUMP_FILE keeps the dump there (default: a temp file, removed).
# DROP_AFTER=1 drops TARGET_DB when the drill passed.
# The user needs SELECT, SHOW VIEW, TRIGGER, LOCK TABLES on SOURCE_DB and
# CREATE, INSERT, ALTER, INDEX on TARGET_DB. Works with MariaDB's and MySQL's
# clients (mariadb-dump/mysqldump, mariadb/mysql).
set -euo pipefail

usage() { echo "usage: $0 SOURCE_DB TARGET_DB" >&2; exit 2; }
[ $# -eq 2 ] || usage
src=$1 dst=$2
for name in "$src" "$dst"; do
  [[ $name =~ ^[A-Za-z0-9_]+$ ]] || { echo "restore-drill: database names are letters, digits and _: $name" >&2; exit 2; }
done
[ "$src" != "$dst" ] || { echo "restore-drill: TARGET_DB must differ from SOURCE_DB" >&2; exit 2; }

pick() { for c in "$@"; do command -v "$c" >/dev/null && { echo "$c"; return; }; done
  echo "restore-drill: none of $* found (Debian: apt-get install mariadb-client)" >&2; exit 2; }
dump_cmd=$(pick mariadb-dump mysqldump)
sql_cmd=$(pick mariadb mysql)
conn=(--protocol=tcp -h "${MYSQL_HOST:-127.0.0.1}" -P "${MYSQL_PORT:-3306}" -u "${MYSQL_USER:-root}")
export MYSQL_PWD="${MYSQL_PWD:-}"
q() { "$sql_cmd" "${conn[@]}" --batch --skip-column-names "$@"; }
log() { echo "restore-drill: $*" >&2; }

if [ -n "$(q -e "SHOW DATABASES LIKE '$dst'")" ]; then
  log "$dst exists already: the drill restores only into a new database"; exit 2
fi
dump=${DUMP_FILE:-}
if [ -z "$dump" ]; then
  dump=$(mktemp -t coupon-dump.XXXXXX.sql)
  trap 'rm -f "$dump"' EXIT
fi

log "dumping $src to $dump"
start=$(date +%s)
# --single-transaction: a consistent snapshot while the service keeps writing;
# --no-tablespaces: no PROCESS privilege needed on MySQL 8; --hex-blob: bytes
# survive any client charset; no --databases, so the dump restores under any name.
"$dump_cmd" "${conn[@]}" --single-transaction --quick --no-tablespaces --routines --triggers \
  --hex-blob --default-character-set=utf8mb4 "$src" > "$dump"
log "dump: $(wc -c < "$dump") bytes in $(( $(date +%s) - start )) s"

log "restoring into $dst"
q -e "CREATE DATABASE \`$dst\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
"$sql_cmd" "${conn[@]}" --default-character-set=utf8mb4 "$dst" < "$dump"

tables=$(q -e "SELECT table_name FROM information_schema.tables WHERE table_schema = '$src' AND table_type = 'BASE TABLE' ORDER BY table_name")
restored=$(q -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$dst' AND table_type = 'BASE TABLE'")
status=0
printf '%-28s %12s %12s %14s %14s %s\n' table rows restored checksum restored result
for t in $tables; do
  a_rows=$(q -e "SELECT COUNT(*) FROM \`$src\`.\`$t\`")
  b_rows=$(q -e "SELECT COUNT(*) FROM \`$dst\`.\`$t\`" 2>/dev/null || echo missing)
  a_sum=$(q -e "CHECKSUM TABLE \`$src\`.\`$t\`" | awk '{print $2}')
  b_sum=$(q -e "CHECKSUM TABLE \`$dst\`.\`$t\`" 2>/dev/null | awk '{print $2}')
  result=ok
  if [ "$a_rows" != "$b_rows" ] || [ "$a_sum" != "$b_sum" ]; then result=DIFFERENT; status=1; fi
  printf '%-28s %12s %12s %14s %14s %s\n' "$t" "$a_rows" "$b_rows" "$a_sum" "${b_sum:-missing}" "$result"
done
n=$(echo "$tables" | grep -c . || true)
if [ "$restored" != "$n" ]; then log "$src has $n tables, $dst $restored"; status=1; fi
if [ "$status" = 0 ]; then
  log "PASS: $n tables, rows and checksums equal"
  if [ "${DROP_AFTER:-}" = 1 ]; then q -e "DROP DATABASE \`$dst\`"; log "dropped $dst"; fi
else
  log "FAIL: the restored copy differs (kept: $dst)"
fi
exit "$status"
