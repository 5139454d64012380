# shellcheck shell=bash
# Shared by backup.sh, restore.sh and ../manage.sh (sourced, not run): reading a settings file
# and finding the Python that runs manage.py. The backup and restore themselves are
# `manage.py backup` and `manage.py restore` (hms/backups.py): the scripts only keep their
# flags for systemd units, cron lines and people's habits.

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

# Run manage.py with the project's virtualenv (<project>/.venv), else the python3 on PATH (the
# application image installs the dependencies system-wide). HMS_PYTHON overrides both.
hms_manage() {
	local python=${HMS_PYTHON:-$HMS_ROOT/.venv/bin/python}
	if [[ ! -x $python ]]; then
		python=$(command -v python3 || true)
		[[ -n $python ]] || hms_die "no Python: neither $HMS_ROOT/.venv nor python3 (see docs/DEPLOYMENT.md)"
	fi
	cd "$HMS_ROOT" || hms_die "cannot enter $HMS_ROOT"
	exec "$python" manage.py "$@"
}
