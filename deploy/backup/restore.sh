#!/usr/bin/env bash
# Restore HMS from a backup: the database, the private files, the audit checkpoints.
# A thin wrapper around `manage.py restore` (hms/backups.py).
#
#   restore.sh [--env-file FILE] [--identity KEYFILE] [--yes] [--no-safety-backup] BACKUP_DIR/hms-<time>
#   restore.sh [...] --from-offsite hms-<time>|latest
#
#   --env-file FILE      read settings from FILE (e.g. /etc/hms/hms.env) for unset variables
#   --identity KEYFILE   the age secret key of an encrypted backup (bring it; it is not on the box)
#   --yes                do not ask (for scripted disaster-recovery drills)
#   --no-safety-backup   do not back up the current state first (e.g. a new, empty box)
#   --from-offsite       download that backup from HMS_BACKUP_OFFSITE_BUCKET first (a new box)
#
# The target is the database and folder the settings point at. What happens, in order:
#   1. the backup's SHA256SUMS are checked (and an encrypted one decrypted); nothing is touched
#      if that fails;
#   2. you confirm by typing "restore" (unless --yes);
#   3. the current state is backed up as BACKUP_DIR/hms-<time>-pre-restore (the way back);
#   4. PostgreSQL: the public schema is emptied and the dump restored in one transaction;
#      SQLite: the file is replaced (its -wal/-shm files removed);
#   5. the private files folder is emptied and the archive unpacked into it; the audit
#      checkpoints file is the backup's (the current one is kept beside it).
# Stop the HMS services first (systemctl stop hms-web hms-ws hms-worker, or
# docker compose stop web ws worker), and afterwards run `manage.py migrate` and
# `manage.py verify_audit` before starting them again.

set -euo pipefail
umask 027

# shellcheck source=deploy/backup/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

arguments=()
src=""
from_offsite=0
while (($#)); do
	case $1 in
	--env-file)
		[[ $# -ge 2 ]] || hms_die "--env-file needs a file"
		hms_load_env_file "$2"
		shift 2
		;;
	--identity)
		[[ $# -ge 2 ]] || hms_die "--identity needs the key file"
		arguments+=(--identity "$(realpath -- "$2")")
		shift 2
		;;
	--yes | --no-safety-backup)
		arguments+=("$1")
		shift
		;;
	--from-offsite)
		from_offsite=1
		arguments+=("$1")
		shift
		;;
	-h | --help)
		sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'
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
if ((from_offsite)); then
	hms_manage restore "${arguments[@]}" "$src"
fi
[[ -d $src ]] || hms_die "not a directory: $src"
# manage.py runs from the project folder: a relative path must not change meaning.
hms_manage restore "${arguments[@]}" "$(cd "$src" && pwd)"
