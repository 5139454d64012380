#!/usr/bin/env bash
# Back up HMS: the database and the private files folder, into BACKUP_DIR/hms-<UTC time>/.
#
#   backup.sh [--env-file FILE] [--label NAME] [--keep-all]
#
#   --env-file FILE  read settings from FILE (e.g. /etc/hms/hms.env) for variables not already set
#   --label NAME     name the backup hms-<time>-NAME; labelled backups are never rotated away
#   --keep-all       remove no old backup this time (default: keep the newest of each of the
#                    last 7 days, 4 weeks and 12 months: BACKUP_KEEP_DAILY/_WEEKLY/_MONTHLY)
#
# Database: PostgreSQL (DATABASE_URL) with `pg_dump --format=custom`; otherwise the SQLite file
# (HMS_SQLITE_PATH, default HMS_VAR_DIR/hms.sqlite3) copied with SQLite's online backup, so the
# services can keep running. Private files: a tar of HMS_PRIVATE_ROOT (default
# HMS_VAR_DIR/private), unless AWS_STORAGE_BUCKET_NAME puts them in S3 (use bucket versioning).
# Each backup holds SHA256SUMS and INFO; restore.sh checks the sums before touching anything.
# Queued Huey tasks and the Redis cache are not backed up: they are not records.

set -euo pipefail
umask 077

# shellcheck source=deploy/backup/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

label=""
keep=""
while (($#)); do
	case $1 in
	--env-file)
		[[ $# -ge 2 ]] || hms_die "--env-file needs a file"
		hms_load_env_file "$2"
		shift 2
		;;
	--label)
		[[ $# -ge 2 && $2 =~ ^[A-Za-z0-9_-]+$ ]] || hms_die "--label needs a name of letters, digits, - and _"
		label=$2
		shift 2
		;;
	--keep-all)
		keep=0
		shift
		;;
	-h | --help)
		sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*) hms_die "unknown argument: $1 (see --help)" ;;
	esac
done
[[ -z $keep ]] || BACKUP_KEEP=$keep
hms_resolve_paths

mkdir -p "$BACKUP_DIR"
BACKUP_DIR=$(cd "$BACKUP_DIR" && pwd)

# One backup at a time.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$BACKUP_DIR/.backup.lock"
	flock -n 9 || hms_die "another backup is running (lock $BACKUP_DIR/.backup.lock)"
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
name="hms-$stamp${label:+-$label}"
dest="$BACKUP_DIR/$name"
[[ ! -e $dest ]] || hms_die "$dest already exists"
work="$BACKUP_DIR/.$name.partial"
mkdir "$work"
trap 'rm -rf -- "$work"' EXIT

# --- database ---------------------------------------------------------------------------------
if [[ $DB_KIND == postgres ]]; then
	command -v pg_dump >/dev/null 2>&1 || hms_die "pg_dump not found (Debian: apt-get install postgresql-client)"
	hms_pg_prepare
	echo "dumping $PG_SHOW ..."
	pg_dump --format=custom --dbname="$PG_URL" --file="$work/database.pgdump"
	db_file=database.pgdump
	db_source=$PG_SHOW
else
	echo "copying SQLite database $SQLITE_PATH ..."
	hms_sqlite_backup "$SQLITE_PATH" "$work/database.sqlite3"
	hms_sqlite_check "$work/database.sqlite3"
	db_file=database.sqlite3
	db_source="SQLite $SQLITE_PATH"
fi

# --- private files ----------------------------------------------------------------------------
if [[ -n $FILES_IN_S3 ]]; then
	files_note="not included: they are in the S3 bucket $FILES_IN_S3 (use bucket versioning)"
elif [[ -d $PRIVATE_ROOT ]]; then
	echo "archiving private files $PRIVATE_ROOT ..."
	# Exit status 1 means a file changed while it was read: the archive is still usable.
	rc=0
	tar --create --gzip --numeric-owner --warning=no-file-changed \
		--file="$work/private.tar.gz" \
		--directory="$(dirname "$PRIVATE_ROOT")" "$(basename "$PRIVATE_ROOT")" || rc=$?
	((rc == 0 || rc == 1)) || hms_die "tar of $PRIVATE_ROOT failed (exit $rc)"
	files_note="private.tar.gz from $PRIVATE_ROOT"
else
	files_note="not included: no folder at $PRIVATE_ROOT"
fi

# --- description and checksums ----------------------------------------------------------------
{
	echo "created: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "host: $(hostname 2>/dev/null || echo unknown)"
	echo "database_kind: $DB_KIND"
	echo "database_file: $db_file"
	echo "database_source: $db_source"
	echo "private_files: $files_note"
	# safe.directory: the service user reads a checkout that root owns.
	if version=$(git -c safe.directory="$HMS_ROOT" -C "$HMS_ROOT" describe --always --dirty 2>/dev/null); then
		echo "code_version: $version"
	fi
} >"$work/INFO"
(cd "$work" && sha256sum -- * >SHA256SUMS)

mv "$work" "$dest"
trap - EXIT

echo "backup written: $dest"
(cd "$dest" && ls -l -- *) | sed 's/^/  /'
[[ $files_note != "not included"* ]] || echo "  note: private files $files_note"

# --- rotation: grandfather-father-son over the unlabelled backups ----------------------------
# Newest first, a backup is kept when it is the newest of its day among the last
# BACKUP_KEEP_DAILY days that have one, of its ISO week among the last BACKUP_KEEP_WEEKLY weeks,
# or of its month among the last BACKUP_KEEP_MONTHLY months; the others are removed. Labelled
# backups (pre-restore, before-upgrade ...) are never removed. BACKUP_KEEP=0 keeps everything.
if [[ -z $label && $BACKUP_KEEP != 0 ]]; then
	shopt -s nullglob
	backups=("$BACKUP_DIR"/hms-[0-9]*T[0-9]*Z)
	shopt -u nullglob
	declare -A seen_day=() seen_week=() seen_month=()
	days=0 weeks=0 months=0
	for ((i = ${#backups[@]} - 1; i >= 0; i--)); do
		name=${backups[i]##*/hms-}
		day=${name:0:8}
		week=$(date -u -d "$day" +%G-W%V)
		month=${day:0:6}
		keep_it=0
		if [[ -z ${seen_day[$day]+x} ]]; then
			seen_day[$day]=1
			if ((days < BACKUP_KEEP_DAILY)); then keep_it=1; fi
			days=$((days + 1))
		fi
		if [[ -z ${seen_week[$week]+x} ]]; then
			seen_week[$week]=1
			if ((weeks < BACKUP_KEEP_WEEKLY)); then keep_it=1; fi
			weeks=$((weeks + 1))
		fi
		if [[ -z ${seen_month[$month]+x} ]]; then
			seen_month[$month]=1
			if ((months < BACKUP_KEEP_MONTHLY)); then keep_it=1; fi
			months=$((months + 1))
		fi
		if ((!keep_it)); then
			echo "removing old backup: ${backups[i]}"
			rm -rf -- "${backups[i]}"
		fi
	done
fi
