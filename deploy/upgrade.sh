#!/usr/bin/env bash
# Upgrade a LAN box installed by deploy/install-lan.sh (as root; `make upgrade` runs it):
#
#   1. a backup first (manage.py backup, labelled pre-upgrade-<old commit>: never thinned away);
#   2. the new code: git fetch of REF from FROM into the install's checkout, checked out;
#   3. the installer of the NEW version, with the options the box was installed with: pip
#      install of its pinned dependencies (when pyproject.toml changed), its units and nginx site
#      (when they changed), migrate, collectstatic, a restart of the services, and /healthz
#      through the web worker;
#   4. if any of that fails: the CODE goes back to the previous commit (the installer of that
#      version, restarted the same way) and this says so loudly, with exit status 2. The DATA is
#      not rolled back: migrations are forward-only, so the old code runs on the new schema;
#      if a migration itself was wrong, restore the backup of step 1 by hand
#      (docs/DEPLOYMENT.md, "Upgrading and rolling back").
#
#   deploy/upgrade.sh [--config-dir DIR] [--from REPOSITORY] [--ref REF] [--health-timeout S]
#
#   --config-dir DIR    the install's config folder, with install.conf              [/etc/hms]
#   --from REPOSITORY   a git URL or folder to fetch from                             [origin]
#   --ref REF           a tag, branch or commit there                       [HEAD: its default]
#   --health-timeout S  seconds the new version has to answer /healthz               [60]
#
# Exit status: 0 upgraded (or already at REF), 1 failed before the code changed (no backup, no
# such ref: nothing changed), 2 failed and rolled back to the previous commit (the site serves
# the old version), 3 the roll-back failed too (the site is down: see the logs, call for help).

set -euo pipefail

CONFIG_DIR=/etc/hms
FROM=origin
REF=HEAD
HEALTH_TIMEOUT=60

say() { echo "upgrade: $*"; }
die() {
	echo "upgrade: error: $*" >&2
	exit 1
}

# A message nobody scrolling past a terminal can miss.
shout() {
	local line
	line=$(printf '%.0s!' $(seq 78))
	{
		echo "$line"
		printf '!! %s\n' "$@"
		echo "$line"
	} >&2
}

parse_options() {
	while (($#)); do
		if [[ $1 == --*=* ]]; then
			set -- "${1%%=*}" "${1#*=}" "${@:2}"
		fi
		[[ $1 == -h || $1 == --help || $# -ge 2 ]] || die "$1 needs a value (see --help)"
		case $1 in
		--config-dir) CONFIG_DIR=$2 ;;
		--from) FROM=$2 ;;
		--ref) REF=$2 ;;
		--health-timeout) HEALTH_TIMEOUT=$2 ;;
		-h | --help)
			sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
			exit 0
			;;
		*) die "unknown option: $1 (see --help)" ;;
		esac
		shift 2
	done
	[[ $EUID -eq 0 ]] || die "run as root (it restarts the services)"
	[[ -r $CONFIG_DIR/install.conf ]] || die "no $CONFIG_DIR/install.conf: install with deploy/install-lan.sh first"
	# Written by the installer (root-only folder): the install's paths and options.
	# shellcheck source=/dev/null
	source "$CONFIG_DIR/install.conf"
}

git_prefix() { git -C "$PREFIX" -c safe.directory='*' "$@"; }

# manage.py as the service user with the box's settings, nothing of this shell's environment.
manage() {
	local pairs
	mapfile -t pairs < <(hms_env_pairs "$ENV_FILE")
	(cd "$PREFIX" && env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$VAR_DIR" LANG=C.UTF-8 \
		"${pairs[@]}" setpriv --reuid="$SERVICE_USER" --regid="$SERVICE_USER" --init-groups -- \
		"$PREFIX/.venv/bin/python" manage.py "$@")
}

take_backup() {
	say "backing up first (manage.py backup --label pre-upgrade-${OLD:0:12})"
	manage backup --label "pre-upgrade-${OLD:0:12}" ||
		die "the backup failed: nothing was upgraded (fix the backup first: the upgrade needs it)"
}

fetch_new_code() {
	git_prefix fetch --quiet "$FROM" "$REF" || die "cannot fetch $REF from $FROM: nothing was upgraded"
	NEW=$(git_prefix rev-parse --verify 'FETCH_HEAD^{commit}')
}

# install_version COMMIT: that version's code, then its installer with the install's options.
install_version() {
	git_prefix checkout --quiet --force --detach "$1"
	"$PREFIX/deploy/install-lan.sh" "${INSTALL_ARGS[@]}" --restart --health-timeout "$HEALTH_TIMEOUT"
}

main() {
	parse_options "$@"
	# shellcheck source=deploy/lib.sh
	source "$PREFIX/deploy/lib.sh"
	# Without running services there is no health to check, so no way to know whether to roll back.
	[[ $RUN_MODE != none ]] || die "the services of this install are not running under systemd or" \
		"started directly (install-lan.sh --start-directly): an upgrade could not check its health"
	OLD=$(git_prefix rev-parse HEAD)
	fetch_new_code
	if [[ $NEW == "$OLD" ]]; then
		say "already at ${NEW:0:12} ($REF from $FROM): nothing to do"
		exit 0
	fi
	take_backup
	say "upgrading ${OLD:0:12} -> ${NEW:0:12} ($REF from $FROM)"
	if install_version "$NEW"; then
		say "upgraded to ${NEW:0:12}: healthy. The previous commit was ${OLD:0:12}."
		exit 0
	fi
	shout "THE UPGRADE TO ${NEW:0:12} FAILED (see above): ROLLING THE CODE BACK TO ${OLD:0:12}." \
		"The database keeps any migration the new version applied (forward-only); the backup" \
		"taken before is labelled pre-upgrade-${OLD:0:12} in $BACKUP_DIR."
	if install_version "$OLD"; then
		shout "ROLLED BACK: the site runs ${OLD:0:12} again and answers /healthz." \
			"The upgrade to ${NEW:0:12} did NOT happen. Find out why before trying again."
		exit 2
	fi
	shout "THE ROLL-BACK FAILED TOO: HMS IS DOWN." \
		"Logs: journalctl -u hms-web (or $VAR_DIR/log). Restore by hand: docs/DEPLOYMENT.md."
	exit 3
}

main "$@"
