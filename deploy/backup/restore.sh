#!/usr/bin/env bash
# Restore HMS from a backup written by backup.sh: the database, then the private files.
#
#   restore.sh [--env-file FILE] [--yes] [--no-safety-backup] BACKUP_DIR/hms-<time>
#
#   --env-file FILE      read settings from FILE (e.g. /etc/hms/hms.env) for unset variables
#   --yes                do not ask (for scripted disaster-recovery drills)
#   --no-safety-backup   do not back up the current state first (e.g. a new, empty box)
#
# The target is the database and folder the settings point at (DATABASE_URL or the SQLite file;
# HMS_PRIVATE_ROOT). What happens, in order:
#   1. the backup's SHA256SUMS are checked; nothing is touched if one fails;
#   2. you confirm by typing "restore" (unless --yes);
#   3. the current state is backed up as BACKUP_DIR/hms-<time>-pre-restore (the way back);
#   4. PostgreSQL: the public schema is emptied and the dump restored in one transaction;
#      SQLite: the file is replaced (its -wal/-shm files removed);
#   5. the private files folder is emptied and the archive unpacked into it.
# Stop the HMS services first (systemctl stop hms-web hms-ws hms-worker, or
# docker compose stop web ws worker), and afterwards run `manage.py migrate` and
# `manage.py verify_audit` before starting them again.

set -euo pipefail
umask 027

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=deploy/backup/common.sh
source "$script_dir/common.sh"

assume_yes=0
safety=1
src=""
env_file_args=()
while (($#)); do
	case $1 in
	--env-file)
		[[ $# -ge 2 ]] || hms_die "--env-file needs a file"
		hms_load_env_file "$2"
		env_file_args=(--env-file "$2")
		shift 2
		;;
	--yes)
		assume_yes=1
		shift
		;;
	--no-safety-backup)
		safety=0
		shift
		;;
	-h | --help)
		sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	-*) hms_die "unknown option: $1 (see --help)" ;;
	*)
		[[ -z $src ]] || hms_die "one backup at a time"
		src=$1
		shift
		;;
	esac
done
[[ -n $src ]] || hms_die "which backup? restore.sh [options] BACKUP_DIR/hms-<time> (see --help)"
[[ -d $src ]] || hms_die "not a directory: $src"
src=$(cd "$src" && pwd)
hms_resolve_paths

# --- 1. check the backup ----------------------------------------------------------------------
[[ -f $src/SHA256SUMS && -f $src/INFO ]] || hms_die "$src is not a backup written by backup.sh"
echo "checking $src ..."
(cd "$src" && sha256sum --check --quiet SHA256SUMS) || hms_die "checksum mismatch in $src: not restoring"

if [[ -f $src/database.pgdump ]]; then
	backup_kind=postgres
elif [[ -f $src/database.sqlite3 ]]; then
	backup_kind=sqlite
else
	hms_die "$src holds no database file"
fi
if [[ $backup_kind != "$DB_KIND" ]]; then
	hms_die "the backup is a $backup_kind database but the settings point at $DB_KIND;" \
		"restore into the same kind of database (moving between engines is a migration, not a restore)"
fi

if [[ $DB_KIND == postgres ]]; then
	if ! command -v pg_restore >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
		hms_die "pg_restore/psql not found (Debian: apt-get install postgresql-client)"
	fi
	hms_pg_prepare
	target_db=$PG_SHOW
else
	target_db="SQLite $SQLITE_PATH"
fi
if ((safety)) && [[ $DB_KIND == sqlite && ! -f $SQLITE_PATH ]]; then
	hms_die "there is no current database at $SQLITE_PATH to back up first;" \
		"if this is a new box, run again with --no-safety-backup"
fi
restore_files=0
if [[ -f $src/private.tar.gz ]]; then
	if [[ -n $FILES_IN_S3 ]]; then
		echo "note: the backup holds private files, but the settings keep files in S3 ($FILES_IN_S3);"
		echo "      they are not restored (unpack private.tar.gz by hand if you need them)."
	else
		restore_files=1
	fi
fi

# --- 2. confirm -------------------------------------------------------------------------------
echo
echo "Backup:        $src"
sed 's/^/               /' "$src/INFO"
echo "Will REPLACE:  database      $target_db"
if ((restore_files)); then
	echo "               private files $PRIVATE_ROOT (emptied, then unpacked from the backup)"
else
	echo "               (private files are left as they are)"
fi
if ((safety)); then
	echo "First:         the current state is backed up to $BACKUP_DIR/hms-<time>-pre-restore"
else
	echo "First:         NO safety backup of the current state (--no-safety-backup)"
fi
echo "The HMS services must be stopped (hms-web, hms-ws, hms-worker / compose web, ws, worker)."
if ((!assume_yes)); then
	if ! { exec 8</dev/tty; } 2>/dev/null; then
		hms_die "no terminal to confirm on: pass --yes to restore without asking"
	fi
	read -r -u 8 -p 'Type "restore" to go on, anything else stops: ' answer
	exec 8<&-
	[[ $answer == restore ]] || hms_die "stopped; nothing was changed"
fi

# --- 3. safety backup -------------------------------------------------------------------------
if ((safety)); then
	echo
	echo "backing up the current state first ..."
	"$script_dir/backup.sh" "${env_file_args[@]}" --label pre-restore
fi

# --- 4. database ------------------------------------------------------------------------------
echo
if [[ $DB_KIND == postgres ]]; then
	echo "restoring $target_db ..."
	# Everything HMS owns lives in the public schema: drop it whole, so tables added by later
	# migrations do not survive next to the restored ones, then restore in one transaction.
	PGOPTIONS="-c client_min_messages=warning" \
		psql --quiet --no-psqlrc --set=ON_ERROR_STOP=1 --dbname="$PG_URL" \
		--command="DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;"
	pg_restore --no-owner --no-privileges --single-transaction --exit-on-error \
		--dbname="$PG_URL" "$src/database.pgdump"
else
	echo "restoring $target_db ..."
	mkdir -p "$(dirname "$SQLITE_PATH")"
	tmp_db="$SQLITE_PATH.restoring"
	cp -- "$src/database.sqlite3" "$tmp_db"
	hms_sqlite_check "$tmp_db"
	# Run as root (sudo), the file goes to the owner of its folder, i.e. the service user.
	if ((EUID == 0)); then
		chown "$(stat -c %u:%g "$(dirname "$SQLITE_PATH")")" "$tmp_db"
	fi
	rm -f -- "$SQLITE_PATH-wal" "$SQLITE_PATH-shm"
	mv -f -- "$tmp_db" "$SQLITE_PATH"
fi

# --- 5. private files -------------------------------------------------------------------------
if ((restore_files)); then
	echo "restoring private files into $PRIVATE_ROOT ..."
	mkdir -p "$PRIVATE_ROOT"
	find "$PRIVATE_ROOT" -mindepth 1 -delete
	tar --extract --gzip --strip-components=1 \
		--file="$src/private.tar.gz" --directory="$PRIVATE_ROOT"
	# Run as root, the files go to the folder's owner (the service user), whatever user id they
	# had on the machine the backup came from.
	if ((EUID == 0)); then
		chown -R "$(stat -c %u:%g "$PRIVATE_ROOT")" "$PRIVATE_ROOT"
	fi
fi

echo
echo "restored from $src"
echo "next: manage.py migrate --noinput; manage.py verify_audit; then start the HMS services."
