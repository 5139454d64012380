#!/usr/bin/env bash
# A drill of PostgreSQL's point-in-time recovery on a throw-away cluster: how many seconds of
# records WAL archiving loses when the server dies (the RPO it gives), for an archive_timeout.
#
#   pitr-drill.sh [--timeout SECONDS] [--write SECONDS] [--port PORT]
#
#   --timeout SECONDS  archive_timeout of the drill's server (default 60)
#   --write SECONDS    how long a "desk" writes one row a second before the crash (default 150)
#   --port PORT        port of the throw-away cluster; PORT+1 for the restored one (default 8301)
#
# What it does, all in a temporary folder removed at the end (nothing of HMS is touched):
#   1. initdb a cluster with wal_level=replica, archive_mode=on, archive_command copying each
#      finished WAL segment to an "offsite" folder, and the archive_timeout given;
#   2. takes a base backup (pg_basebackup), then writes one row a second for --write seconds;
#   3. the box dies: the server is killed (pg_ctl stop -m immediate) and its data folder deleted;
#   4. restores the base backup with restore_command reading the archive, replays to its end;
#   5. prints the last row written, the last row recovered, and the seconds lost.
# Needs the PostgreSQL server binaries (PG_BIN, default /usr/lib/postgresql/15/bin; Debian:
# postgresql-15). initdb refuses root: run it as another user, e.g.
#   runuser -u postgres -- deploy/backup/pitr-drill.sh

set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
timeout=60
write=150
port=8301
while (($#)); do
	case $1 in
	--timeout | --write | --port)
		[[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || { echo "error: $1 needs a number" >&2; exit 1; }
		case $1 in
		--timeout) timeout=$2 ;;
		--write) write=$2 ;;
		--port) port=$2 ;;
		esac
		shift 2
		;;
	-h | --help)
		sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*) echo "error: unknown argument: $1 (see --help)" >&2; exit 1 ;;
	esac
done
((EUID != 0)) || { echo "error: initdb refuses root; run as another user (see --help)" >&2; exit 1; }
[[ -x $PG_BIN/initdb ]] || { echo "error: no PostgreSQL server binaries in $PG_BIN" >&2; exit 1; }

work=$(mktemp -d)
cleanup() {
	"$PG_BIN/pg_ctl" -D "$work/data" stop -m immediate >/dev/null 2>&1 || true
	"$PG_BIN/pg_ctl" -D "$work/restored" stop -m immediate >/dev/null 2>&1 || true
	rm -rf -- "$work"
}
trap cleanup EXIT
mkdir "$work/archive"
psql_at() { "$PG_BIN/psql" -X -q -A -t -h "$work" -p "$1" -U postgres -d postgres -c "$2"; }
say() { echo "[$(date -u +%H:%M:%S)] $*"; }

say "1. a cluster archiving WAL, archive_timeout=${timeout}s (port $port)"
"$PG_BIN/initdb" -D "$work/data" -U postgres --auth=trust >/dev/null
cat >>"$work/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$work'
port = $port
wal_level = replica
archive_mode = on
archive_command = 'test ! -f $work/archive/%f && cp %p $work/archive/%f'
archive_timeout = $timeout
CONF
"$PG_BIN/pg_ctl" -D "$work/data" -l "$work/data.log" -w start >/dev/null
psql_at "$port" "CREATE TABLE desk (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())"

say "2. base backup, then one row a second for ${write}s"
"$PG_BIN/pg_basebackup" -h "$work" -p "$port" -U postgres -D "$work/base" -X stream -c fast
for ((second = 0; second < write; second++)); do
	psql_at "$port" "INSERT INTO desk DEFAULT VALUES"
	sleep 1
done
last_written=$(psql_at "$port" "SELECT id || ' at ' || to_char(at AT TIME ZONE 'UTC', 'HH24:MI:SS') FROM desk ORDER BY id DESC LIMIT 1")
last_epoch=$(psql_at "$port" "SELECT extract(epoch FROM max(at)) FROM desk")

say "3. the box dies: server killed, data folder gone ($(find "$work/archive" -type f | wc -l) WAL segments archived)"
"$PG_BIN/pg_ctl" -D "$work/data" stop -m immediate >/dev/null
rm -rf -- "$work/data"

say "4. restore the base backup and replay the archive (port $((port + 1)))"
cp -a "$work/base" "$work/restored"
chmod 0700 "$work/restored"
cat >>"$work/restored/postgresql.conf" <<CONF
port = $((port + 1))
archive_mode = off
restore_command = 'cp $work/archive/%f %p'
CONF
touch "$work/restored/recovery.signal"
"$PG_BIN/pg_ctl" -D "$work/restored" -l "$work/restored.log" -w -t 300 start >/dev/null
until [[ $(psql_at $((port + 1)) "SELECT pg_is_in_recovery()") == f ]]; do sleep 1; done
last_recovered=$(psql_at $((port + 1)) "SELECT coalesce(max(id) || ' at ' || to_char(max(at) AT TIME ZONE 'UTC', 'HH24:MI:SS'), 'none') FROM desk")
recovered_epoch=$(psql_at $((port + 1)) "SELECT coalesce(extract(epoch FROM max(at)), 0) FROM desk")

say "5. result"
echo "   last row written:   $last_written"
echo "   last row recovered: $last_recovered"
echo "   lost: $(awk -v a="$last_epoch" -v b="$recovered_epoch" 'BEGIN { printf "%.0f", a - b }') s of writes (archive_timeout ${timeout}s)"
