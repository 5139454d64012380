#!/usr/bin/env bash
# Back up HMS: the database, the private files and the audit checkpoints, into
# BACKUP_DIR/hms-<UTC time>/. A thin wrapper around `manage.py backup` (hms/backups.py).
#
#   backup.sh [--env-file FILE] [--label NAME] [--keep-all] [--no-offsite]
#
#   --env-file FILE  read settings from FILE (e.g. /etc/hms/hms.env) for variables not already set
#   --label NAME     name the backup hms-<time>-NAME; labelled backups are never rotated away
#   --keep-all       remove no old backup this time (default: keep the newest of each of the
#                    last 7 days, 4 weeks and 12 months: BACKUP_KEEP_DAILY/_WEEKLY/_MONTHLY)
#   --no-offsite     do not copy the waiting backups to HMS_BACKUP_OFFSITE_BUCKET now
#
# Database: PostgreSQL (DATABASE_URL) with `pg_dump --format=custom`; otherwise the SQLite file
# copied with SQLite's online backup, so the services can keep running. Private files: a tar of
# HMS_PRIVATE_ROOT, unless AWS_STORAGE_BUCKET_NAME puts them in S3 (use bucket versioning).
# Encrypted with age to HMS_BACKUP_RECIPIENT(_FILE) when set. Each backup holds SHA256SUMS and
# INFO; restore checks the sums before touching anything.

set -euo pipefail
umask 077

# shellcheck source=deploy/backup/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

arguments=()
while (($#)); do
	case $1 in
	--env-file)
		[[ $# -ge 2 ]] || hms_die "--env-file needs a file"
		hms_load_env_file "$2"
		shift 2
		;;
	--label)
		[[ $# -ge 2 && $2 =~ ^[A-Za-z0-9_-]+$ ]] || hms_die "--label needs a name of letters, digits, - and _"
		arguments+=(--label "$2")
		shift 2
		;;
	--keep-all | --no-offsite)
		arguments+=("$1")
		shift
		;;
	-h | --help)
		sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*) hms_die "unknown argument: $1 (see --help)" ;;
	esac
done
hms_manage backup "${arguments[@]}"
