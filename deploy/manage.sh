#!/usr/bin/env bash
# Run manage.py with a systemd box's settings (the same file the services read), e.g.
#
#   sudo -u hms /opt/hms/deploy/manage.sh migrate --noinput
#   sudo -u hms /opt/hms/deploy/manage.sh verify_audit
#   sudo -u hms /opt/hms/deploy/manage.sh --env-file /path/to/other.env check --deploy
#
# Reads /etc/hms/hms.env (or --env-file FILE) without running it as shell code; variables already
# set in the environment win. Uses the virtualenv in <project>/.venv.

set -euo pipefail

# shellcheck source=deploy/backup/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/backup/common.sh"

env_file=/etc/hms/hms.env
if [[ ${1:-} == --env-file ]]; then
	[[ $# -ge 2 ]] || hms_die "--env-file needs a file"
	env_file=$2
	shift 2
fi
hms_load_env_file "$env_file"

[[ -x ${HMS_PYTHON:-$HMS_ROOT/.venv/bin/python} ]] || hms_die "no virtualenv at $HMS_ROOT/.venv (see docs/DEPLOYMENT.md)"
hms_manage "$@"
