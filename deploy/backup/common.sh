# shellcheck shell=bash disable=SC2034
# Shared by backup.sh and restore.sh (sourced, not run). Finds the database and the private files
# from the same environment variables hms/settings.py reads:
#   DATABASE_URL       PostgreSQL URL; empty means the SQLite file below
#   HMS_VAR_DIR        default: <project>/var
#   HMS_SQLITE_PATH    default: $HMS_VAR_DIR/hms.sqlite3 (used when DATABASE_URL is empty)
#   HMS_PRIVATE_ROOT   default: $HMS_VAR_DIR/private
#   AWS_STORAGE_BUCKET_NAME   set: private files live in S3, not on this disk
# and two of the scripts' own:
#   BACKUP_DIR         default: $HMS_VAR_DIR/backups
#   BACKUP_KEEP_DAILY, BACKUP_KEEP_WEEKLY, BACKUP_KEEP_MONTHLY
#                      defaults 7, 4, 12: backup.sh keeps the newest backup of each of that
#                      many days, weeks and months (BACKUP_KEEP=0 keeps every backup)
# (SC2034: the variables set here are used by the scripts that source this file.)

HMS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

hms_die() {
	echo "error: $*" >&2
	exit 1
}

# Read KEY=VALUE lines (the /etc/hms/hms.env or deploy/.env format) without running anything.
# Blank lines and # comments are skipped; one pair of surrounding quotes is removed. Variables
# already set in the environment win, so `BACKUP_DIR=/mnt/usb backup.sh --env-file ...` works.
hms_load_env_file() {
	local file=$1 line key value
	[[ -r $file ]] || hms_die "cannot read env file: $file"
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line%$'\r'}
		[[ $line =~ ^[[:space:]]*(#|$) ]] && continue
		[[ $line =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
		key=${BASH_REMATCH[2]}
		value=${BASH_REMATCH[3]}
		if [[ $value =~ ^\"(.*)\"[[:space:]]*$ || $value =~ ^\'(.*)\'[[:space:]]*$ ]]; then
			value=${BASH_REMATCH[1]}
		fi
		if [[ -z ${!key+set} ]]; then
			export "$key=$value"
		fi
	done <"$file"
}

# Sets DB_KIND (postgres|sqlite), SQLITE_PATH, PRIVATE_ROOT, FILES_IN_S3, BACKUP_DIR, BACKUP_KEEP
# and BACKUP_KEEP_DAILY/_WEEKLY/_MONTHLY.
hms_resolve_paths() {
	VAR_DIR=${HMS_VAR_DIR:-$HMS_ROOT/var}
	PRIVATE_ROOT=${HMS_PRIVATE_ROOT:-$VAR_DIR/private}
	FILES_IN_S3=${AWS_STORAGE_BUCKET_NAME:-}
	BACKUP_DIR=${BACKUP_DIR:-$VAR_DIR/backups}
	BACKUP_KEEP=${BACKUP_KEEP:-gfs}
	BACKUP_KEEP_DAILY=${BACKUP_KEEP_DAILY:-7}
	BACKUP_KEEP_WEEKLY=${BACKUP_KEEP_WEEKLY:-4}
	BACKUP_KEEP_MONTHLY=${BACKUP_KEEP_MONTHLY:-12}
	local count
	for count in "$BACKUP_KEEP_DAILY" "$BACKUP_KEEP_WEEKLY" "$BACKUP_KEEP_MONTHLY"; do
		[[ $count =~ ^[0-9]+$ ]] || hms_die "BACKUP_KEEP_DAILY/_WEEKLY/_MONTHLY must be whole numbers, not '$count'"
	done
	SQLITE_PATH=""
	case ${DATABASE_URL:-} in
	"")
		DB_KIND=sqlite
		SQLITE_PATH=${HMS_SQLITE_PATH:-$VAR_DIR/hms.sqlite3}
		;;
	postgres://* | postgresql://* | pgsql://* | postgis://*)
		DB_KIND=postgres
		;;
	sqlite://*)
		# dj-database-url: sqlite:////absolute/path or sqlite:///relative/path
		DB_KIND=sqlite
		SQLITE_PATH=${DATABASE_URL#sqlite://}
		SQLITE_PATH=${SQLITE_PATH#/}
		SQLITE_PATH=${SQLITE_PATH%%\?*}
		[[ -n $SQLITE_PATH && $SQLITE_PATH != ":memory:" ]] || hms_die "DATABASE_URL names no SQLite file"
		;;
	*)
		hms_die "DATABASE_URL is neither PostgreSQL nor SQLite: ${DATABASE_URL%%://*}://..."
		;;
	esac
}

hms_urldecode() {
	local s=${1//\\/\\\\}
	printf '%b' "${s//%/\\x}"
}

# From DATABASE_URL: PG_URL (a libpq URL without the password, safe to show in `ps`) and
# PGPASSWORD (exported, read by pg_dump/pg_restore/psql). PG_SHOW: host/database for messages.
hms_pg_prepare() {
	local rest authority tail userinfo hostpart
	rest=${DATABASE_URL#*://}
	authority=${rest%%[/?]*}
	tail=${rest:${#authority}}
	hostpart=$authority
	if [[ $authority == *@* ]]; then
		userinfo=${authority%@*}
		hostpart=${authority##*@}
		if [[ $userinfo == *:* ]]; then
			PGPASSWORD=$(hms_urldecode "${userinfo#*:}")
			export PGPASSWORD
			userinfo=${userinfo%%:*}
		fi
		authority="$userinfo@$hostpart"
	fi
	PG_URL="postgresql://$authority$tail"
	PG_SHOW="PostgreSQL ${hostpart:-localhost}${tail%%\?*}"
}

# Consistent copy of a live SQLite database (WAL mode, writers running) through SQLite's online
# backup API: the sqlite3 shell's .backup when installed, else Python's sqlite3 module.
hms_sqlite_backup() {
	local src=$1 out=$2 python
	[[ -f $src ]] || hms_die "no SQLite database at $src"
	if command -v sqlite3 >/dev/null 2>&1; then
		[[ $out != *"'"* ]] || hms_die "backup path must not contain a single quote: $out"
		sqlite3 -cmd ".timeout 20000" "$src" ".backup '$out'"
	else
		python=$HMS_ROOT/.venv/bin/python
		[[ -x $python ]] || python=$(command -v python3 || true)
		[[ -n $python ]] || hms_die "neither sqlite3 nor python3 is installed: cannot copy $src"
		"$python" - "$src" "$out" <<'PY'
import sqlite3
import sys

source = sqlite3.connect(sys.argv[1], timeout=20)
target = sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)
target.close()
source.close()
PY
	fi
}

hms_sqlite_check() {
	local db=$1 python result
	if command -v sqlite3 >/dev/null 2>&1; then
		result=$(sqlite3 "$db" "PRAGMA integrity_check;")
	else
		python=$HMS_ROOT/.venv/bin/python
		[[ -x $python ]] || python=$(command -v python3)
		result=$("$python" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$db")
	fi
	[[ $result == ok ]] || hms_die "SQLite integrity check of $db failed: $result"
}
