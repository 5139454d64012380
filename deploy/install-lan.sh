#!/usr/bin/env bash
# Install HMS on one LAN box (Debian 12, as root): PostgreSQL, Redis, nginx and the app, run as
# the system user hms by systemd (docs/DEPLOYMENT.md, "Installing with deploy/install-lan.sh").
#
#   deploy/install-lan.sh [options]
#
# Run it again at any time: it changes only what is missing or different, says what it changed,
# and restarts nothing when nothing changed. It never rewrites the settings file (the secret key
# and a hospital's own settings stay) and never touches installed code: that is deploy/upgrade.sh.
#
# Where things go (defaults: the layout of deploy/README.md):
#   --prefix DIR        code (a git checkout) and its virtualenv DIR/.venv          [/opt/hms]
#   --config-dir DIR    hms.env (settings, made once), tls/, install.conf         [/etc/hms]
#   --var-dir DIR       state: private files, metrics, pid files and logs without systemd
#                                                                                [/var/lib/hms]
#   --static-dir DIR    collected static files, served by nginx          [/var/www/hms/static]
#   --backup-dir DIR    backups (manage.py backup)                          [/var/backups/hms]
#   --unit-dir DIR      where the systemd units are written             [/etc/systemd/system]
#   --nginx-dir DIR     nginx's folder: the site goes to DIR/sites-available/hms   [/etc/nginx]
#   --source DIR        the HMS checkout to install from         [the one this script is in]
#   --user NAME         system user the services run as                                 [hms]
# The site:
#   --server-name NAME  the host name staff type (certificate, allowed hosts)  [hostname -f]
#   --listen ADDRESS    nginx listens on this address only               [every address]
#   --https-port N --http-port N   nginx                                          [443, 80]
#   --web-port N --ws-port N       gunicorn (pages) and uvicorn (/ws/) on 127.0.0.1 [8001, 8002]
#   --tls-cert FILE --tls-key FILE the hospital's own certificate (chain) and key, used where
#                       they are (env HMS_TLS_CERT, HMS_TLS_KEY); default: a self-signed one in
#                       CONFIG_DIR/tls, made once
# Services:
#   --database-url URL  PostgreSQL to use; its database is created if missing. Default: a role
#                       and database named like the user on this box's server, reached through
#                       the Unix socket (peer authentication: no password to keep)
#   --redis-url URL     [redis://127.0.0.1:6379/0]
# The first administrator (only while there is no active one; TOTP is set up at first sign-in):
#   --admin-username NAME --admin-email ADDRESS, password in env HMS_ADMIN_PASSWORD (never on the
#                       command line, where `ps` shows it). Without them: asked on a terminal,
#                       otherwise a note says how to make one later.
# How:
#   --no-apt            install no Debian package (they are there already); check them instead
#   --start-directly    without systemd (a container, CI): start the units' own commands as the
#                       user, with pid files and logs in VAR_DIR/run and VAR_DIR/log, and an nginx
#                       of our own when NGINX_DIR is not /etc/nginx
#   --restart           restart the services even if nothing changed (deploy/upgrade.sh: new code)
#   --health-timeout S  seconds to wait for /healthz after starting                       [60]
#   --venv-from DIR     CI only: let the new virtualenv see DIR's site-packages (a .pth file), so
#                       `pip install` of the pinned dependencies finds them there instead of
#                       downloading them. The install itself is the same `pip install PREFIX`.
#
# Exit status: 0 installed (or nothing to change), 1 on any failure (it stops at the first).

set -euo pipefail

SOURCE_DEFAULT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=deploy/lib.sh
source "$SOURCE_DEFAULT/deploy/lib.sh"

PREFIX=/opt/hms
CONFIG_DIR=/etc/hms
VAR_DIR=/var/lib/hms
STATIC_DIR=/var/www/hms/static
BACKUP_DIR=/var/backups/hms
UNIT_DIR=/etc/systemd/system
NGINX_DIR=/etc/nginx
SOURCE=$SOURCE_DEFAULT
SERVICE_USER=hms
SERVER_NAME=""
LISTEN=""
HTTPS_PORT=443
HTTP_PORT=80
WEB_PORT=8001
WS_PORT=8002
TLS_CERT=${HMS_TLS_CERT:-}
TLS_KEY=${HMS_TLS_KEY:-}
DATABASE_URL_GIVEN=""
REDIS_URL_GIVEN=redis://127.0.0.1:6379/0
ADMIN_USERNAME=""
ADMIN_EMAIL=""
USE_APT=yes
START_DIRECTLY=no
VENV_FROM=""
HEALTH_TIMEOUT=60
# The options of this run, but for the one-off ones: deploy/upgrade.sh runs the installer of the
# new version with them (install.conf keeps them).
RECORDED_ARGS=()

# Debian packages: the services, Python's venv, git for upgrades, the PostgreSQL client for
# backups (postgresql brings its client, pg_dump), and what WeasyPrint needs to render invoices (Pango, fonts).
PACKAGES=(postgresql redis-server nginx python3 python3-venv git openssl curl
	libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
SERVICES=(hms-web hms-ws hms-worker)

CHANGES=()
RESTART=no
RELOAD_NGINX=no
FORCE_RESTART=no

say() { echo "install-lan: $*"; }
die() {
	echo "install-lan: error: $*" >&2
	exit 1
}
changed() {
	CHANGES+=("$1")
	say "changed: $1"
}

parse_options() {
	while (($#)); do
		# --name=value is --name value.
		if [[ $1 == --*=* ]]; then
			set -- "${1%%=*}" "${1#*=}" "${@:2}"
		fi
		local option=$1
		case $option in
		--no-apt) USE_APT=no ;;
		--start-directly) START_DIRECTLY=yes ;;
		--restart) FORCE_RESTART=yes ;;
		-h | --help)
			sed -n '2,50p' "$0" | sed 's/^# \{0,1\}//'
			exit 0
			;;
		--*)
			[[ $# -ge 2 ]] || die "$option needs a value"
			local value=$2
			shift
			case $option in
			--admin-username | --admin-email | --health-timeout) ;;
			*) RECORDED_ARGS+=("$option" "$value") ;;
			esac
			case $option in
			--prefix) PREFIX=$value ;;
			--config-dir) CONFIG_DIR=$value ;;
			--var-dir) VAR_DIR=$value ;;
			--static-dir) STATIC_DIR=$value ;;
			--backup-dir) BACKUP_DIR=$value ;;
			--unit-dir) UNIT_DIR=$value ;;
			--nginx-dir) NGINX_DIR=$value ;;
			--source) SOURCE=$value ;;
			--user) SERVICE_USER=$value ;;
			--server-name) SERVER_NAME=$value ;;
			--listen) LISTEN=$value ;;
			--https-port) HTTPS_PORT=$value ;;
			--http-port) HTTP_PORT=$value ;;
			--web-port) WEB_PORT=$value ;;
			--ws-port) WS_PORT=$value ;;
			--tls-cert) TLS_CERT=$value ;;
			--tls-key) TLS_KEY=$value ;;
			--database-url) DATABASE_URL_GIVEN=$value ;;
			--redis-url) REDIS_URL_GIVEN=$value ;;
			--admin-username) ADMIN_USERNAME=$value ;;
			--admin-email) ADMIN_EMAIL=$value ;;
			--venv-from) VENV_FROM=$value ;;
			--health-timeout) HEALTH_TIMEOUT=$value ;;
			*) die "unknown option: $option (see --help)" ;;
			esac
			;;
		*) die "unknown argument: $option (see --help)" ;;
		esac
		[[ $option != --no-apt && $option != --start-directly ]] || RECORDED_ARGS+=("$option")
		shift
	done
	[[ $EUID -eq 0 ]] || die "run as root (it installs packages, users and services)"
	[[ -n $SERVER_NAME ]] || SERVER_NAME=$(hostname -f 2>/dev/null || hostname)
	[[ $SERVER_NAME =~ ^[A-Za-z0-9.-]+$ ]] || die "--server-name: letters, digits, dots and dashes"
	[[ $SERVICE_USER =~ ^[a-z_][a-z0-9_-]*$ ]] || die "--user: a lower-case system user name"
	local port
	for port in "$HTTPS_PORT" "$HTTP_PORT" "$WEB_PORT" "$WS_PORT" "$HEALTH_TIMEOUT"; do
		[[ $port =~ ^[0-9]+$ ]] || die "a port (or timeout) is a number: $port"
	done
	if [[ -n $TLS_CERT || -n $TLS_KEY ]]; then
		[[ -r $TLS_CERT && -r $TLS_KEY ]] || die "--tls-cert and --tls-key: both, readable files"
	fi
	SOURCE=$(cd "$SOURCE" && pwd)
	ENV_FILE=$CONFIG_DIR/hms.env
	RUN_DIR=$VAR_DIR/run
	LOG_DIR=$VAR_DIR/log
}

# --- small helpers -------------------------------------------------------------------------------

# put_file DEST MODE OWNER:GROUP < content: write DEST only if its content differs (so a second
# run rewrites nothing and keeps every mtime); mode and owner are put right either way. Returns 0
# when it changed the content, 1 when it was already so.
put_file() {
	local dest=$1 mode=$2 owner=$3 temp
	temp=$(mktemp "$(dirname "$dest")/.hms-install.XXXXXX")
	cat >"$temp"
	if [[ -f $dest ]] && cmp -s "$temp" "$dest"; then
		rm -f "$temp"
		chmod "$mode" "$dest"
		chown "$owner" "$dest"
		return 1
	fi
	chmod "$mode" "$temp"
	chown "$owner" "$temp"
	mv -f "$temp" "$dest"
	changed "$dest"
	return 0
}

# make_dir DIR MODE OWNER:GROUP
make_dir() {
	if [[ ! -d $1 ]]; then
		install -d -m "$2" -o "${3%:*}" -g "${3#*:}" "$1"
		changed "$1/"
	fi
}

# The environment of every HMS command: the settings file only (and PATH, HOME, a UTF-8 locale),
# never the caller's: a DATABASE_URL of the shell that runs this must not reach the hospital's.
HMS_ENV=()
load_settings() {
	local pairs
	mapfile -t pairs < <(hms_env_pairs "$ENV_FILE")
	HMS_ENV=(PATH=/usr/local/bin:/usr/bin:/bin HOME="$VAR_DIR" LANG=C.UTF-8 "${pairs[@]}")
}

# manage ARGS...: manage.py as the service user with the box's settings.
manage() {
	(cd "$PREFIX" && env -i "${HMS_ENV[@]}" setpriv --reuid="$SERVICE_USER" \
		--regid="$SERVICE_USER" --init-groups -- "$PREFIX/.venv/bin/python" manage.py "$@")
}

systemd_running() { [[ -d /run/systemd/system ]]; }

# A value put into a sed replacement: its &, \ and the # delimiter kept literal.
sed_escape() { printf '%s' "$1" | sed -e 's/[\\&#]/\\&/g'; }

# --- the steps -----------------------------------------------------------------------------------

install_packages() {
	local missing=() package
	for package in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$package")
	done
	((${#missing[@]})) || return 0
	[[ $USE_APT == yes ]] || die "--no-apt, but these Debian packages are missing: ${missing[*]}"
	say "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	changed "Debian packages: ${missing[*]}"
}

# Without systemd (a container), Debian's packages are installed but their servers not started:
# start PostgreSQL and Redis the way .ci/run does, or the database cannot be made.
ensure_local_servers() {
	systemd_running && return 0
	if [[ -z $DATABASE_URL_GIVEN ]] && ! pg_isready -q; then
		pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
		changed "PostgreSQL started"
	fi
	if [[ $REDIS_URL_GIVEN == redis://127.0.0.1:6379/* ]] && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
		redis-server --daemonize yes --bind 127.0.0.1 --port 6379 >/dev/null
		changed "Redis started"
	fi
	local _ target=()
	[[ -z $DATABASE_URL_GIVEN ]] || target=(-d "$DATABASE_URL_GIVEN")
	for _ in $(seq 30); do
		pg_isready -q "${target[@]}" && return 0
		sleep 1
	done
	die "PostgreSQL does not answer"
}

ensure_user_and_folders() {
	if ! getent passwd "$SERVICE_USER" >/dev/null; then
		useradd --system --user-group --home-dir "$VAR_DIR" --shell /usr/sbin/nologin "$SERVICE_USER"
		changed "system user $SERVICE_USER"
	fi
	local owner=$SERVICE_USER:$SERVICE_USER
	make_dir "$CONFIG_DIR" 0750 "root:$SERVICE_USER"
	make_dir "$VAR_DIR" 0750 "$owner"
	make_dir "$VAR_DIR/private" 0750 "$owner"
	make_dir "$BACKUP_DIR" 0750 "$owner"
	make_dir "$(dirname "$STATIC_DIR")" 0755 root:root
	make_dir "$STATIC_DIR" 0755 "$owner"
}

# The code: a git checkout in PREFIX, cloned from SOURCE once. An existing checkout is left as
# it is (deploy/upgrade.sh moves it); so is SOURCE when it is PREFIX itself.
install_code() {
	if [[ -e $PREFIX/.git ]]; then
		return 0
	fi
	[[ ! -e $PREFIX || -z $(ls -A "$PREFIX") ]] || die "$PREFIX exists and is not an HMS checkout"
	git -c safe.directory='*' clone --quiet --no-hardlinks "$SOURCE" "$PREFIX"
	chown -R root:root "$PREFIX"
	changed "$PREFIX: HMS $(git -C "$PREFIX" rev-parse --short HEAD) from $SOURCE"
	RESTART=yes
}

# pip install PREFIX: the pinned dependencies of its pyproject.toml, into PREFIX/.venv (Debian's
# Python 3.11). Done again only when pyproject.toml changed (its hash is kept in the venv).
install_virtualenv() {
	local venv=$PREFIX/.venv stamp=$PREFIX/.venv/.hms-pyproject.sha256 wanted
	if [[ ! -x $venv/bin/python ]]; then
		/usr/bin/python3 -m venv "$venv"
		changed "$venv"
	fi
	if [[ -n $VENV_FROM ]]; then
		local site
		site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
		put_file "$site/hms-venv-from.pth" 0644 root:root < <("$VENV_FROM/bin/python" -c \
			'import sysconfig; print(sysconfig.get_path("purelib"))') || true
	fi
	wanted=$(sha256sum "$PREFIX/pyproject.toml" | cut -d' ' -f1)
	[[ -f $stamp && $(<"$stamp") == "$wanted" ]] && return 0
	say "installing the pinned dependencies (pip install $PREFIX)"
	"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$PREFIX"
	if [[ -n $VENV_FROM ]]; then
		# The servers' commands (bin/gunicorn, bin/uvicorn) the units run: found satisfied in
		# VENV_FROM, pip wrote none here. Their pinned versions, without dependencies.
		local pins
		mapfile -t pins < <(grep -oE '"(gunicorn|uvicorn)(\[[a-z]+\])?==[^"]+"' "$PREFIX/pyproject.toml" |
			tr -d '"' | sed 's/\[[a-z]*\]//')
		"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
			--ignore-installed "${pins[@]}"
	fi
	echo "$wanted" >"$stamp"
	changed "$venv: dependencies of pyproject.toml $wanted"
	RESTART=yes
}

# The database: given (--database-url), created if missing; otherwise a role and a database
# named like the service user on this box's server, owned by that role.
ensure_database() {
	if [[ -n $DATABASE_URL_GIVEN ]]; then
		DATABASE_URL_FINAL=$DATABASE_URL_GIVEN
		local name=${DATABASE_URL_GIVEN##*/}
		name=${name%%\?*}
		local server=${DATABASE_URL_GIVEN%/*}/postgres
		if [[ -z $(psql -qtA "$server" -c "SELECT 1 FROM pg_database WHERE datname = '$name'") ]]; then
			psql -q "$server" -c "CREATE DATABASE \"$name\""
			changed "database $name"
		fi
		return 0
	fi
	DATABASE_URL_FINAL=postgresql:///$SERVICE_USER
	local as_postgres=(runuser -u postgres -- psql -qtA -v ON_ERROR_STOP=1)
	if [[ -z $("${as_postgres[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = '$SERVICE_USER'") ]]; then
		"${as_postgres[@]}" -c "CREATE ROLE \"$SERVICE_USER\" LOGIN"
		changed "PostgreSQL role $SERVICE_USER"
	fi
	if [[ -z $("${as_postgres[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$SERVICE_USER'") ]]; then
		"${as_postgres[@]}" -c "CREATE DATABASE \"$SERVICE_USER\" OWNER \"$SERVICE_USER\""
		changed "PostgreSQL database $SERVICE_USER"
	fi
	# The patient search's trigram extension, with its operators' true cost: only a superuser may
	# set that (clinical migration 0012 explains why it matters, and only warns without it).
	if [[ -z $("${as_postgres[@]}" -d "$SERVICE_USER" -c "SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'") ]]; then
		"${as_postgres[@]}" -d "$SERVICE_USER" -c "CREATE EXTENSION IF NOT EXISTS pg_trgm" \
			-c "ALTER FUNCTION similarity_op(text, text) COST 100" \
			-c "ALTER FUNCTION word_similarity_op(text, text) COST 100" \
			-c "ALTER FUNCTION word_similarity_commutator_op(text, text) COST 100"
		changed "PostgreSQL extension pg_trgm in $SERVICE_USER, its operators' costs set"
	fi
}

# The settings file, from deploy/env.example with this box's values and new secrets in place of
# the REPLACE lines. Written once: afterwards it is the hospital's, and never rewritten.
write_settings() {
	if [[ -f $ENV_FILE ]]; then
		load_settings
		return 0
	fi
	local secret checkpoint
	secret=$(/usr/bin/python3 -c 'import secrets; print(secrets.token_urlsafe(64))')
	checkpoint=$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(32))')
	put_file "$ENV_FILE" 0640 "root:$SERVICE_USER" < <(sed \
		-e "s#^DJANGO_SECRET_KEY=.*#DJANGO_SECRET_KEY=$secret#" \
		-e "s#^HMS_AUDIT_CHECKPOINT_KEY=.*#HMS_AUDIT_CHECKPOINT_KEY=$checkpoint#" \
		-e "s#^DJANGO_ALLOWED_HOSTS=.*#DJANGO_ALLOWED_HOSTS=$SERVER_NAME,localhost,127.0.0.1#" \
		-e "s#^DATABASE_URL=.*#DATABASE_URL=$(sed_escape "$DATABASE_URL_FINAL")#" \
		-e "s#^REDIS_URL=.*#REDIS_URL=$(sed_escape "$REDIS_URL_GIVEN")#" \
		-e "s#^BACKUP_DIR=.*#BACKUP_DIR=$BACKUP_DIR#" \
		-e "s#^HMS_VAR_DIR=.*#HMS_VAR_DIR=$VAR_DIR#" \
		-e "s#^HMS_PRIVATE_ROOT=.*#HMS_PRIVATE_ROOT=$VAR_DIR/private#" \
		-e "s#^HMS_STATIC_ROOT=.*#HMS_STATIC_ROOT=$STATIC_DIR#" \
		-e "s#^HMS_BACKUP_RECIPIENT=.*#\# HMS_BACKUP_RECIPIENT=  (REPLACE: the public key, see the first-day checklist)#" \
		-e "s#^DJANGO_HSTS_SECONDS=.*#DJANGO_HSTS_SECONDS=3600#" \
		-e "1s#^.*#\# HMS settings, written by deploy/install-lan.sh on $(date -u +%F) and never rewritten by it.#" \
		"$PREFIX/deploy/env.example") || true
	say "settings written with a new secret key: $ENV_FILE (HSTS starts at one hour: raise it" \
		"once the certificate is settled)"
	RESTART=yes
	load_settings
}

ensure_certificate() {
	if [[ -n $TLS_CERT ]]; then
		CERT_FILE=$TLS_CERT
		KEY_FILE=$TLS_KEY
		return 0
	fi
	CERT_FILE=$CONFIG_DIR/tls/hms.crt
	KEY_FILE=$CONFIG_DIR/tls/hms.key
	make_dir "$CONFIG_DIR/tls" 0700 root:root
	[[ -f $CERT_FILE && -f $KEY_FILE ]] && return 0
	hms_self_signed_certificate "$KEY_FILE" "$CERT_FILE" "$SERVER_NAME" localhost 127.0.0.1
	changed "$CERT_FILE (self-signed, 825 days: give staff's browsers this file to trust)"
	RELOAD_NGINX=yes
}

# The units of deploy/systemd with this install's paths, ports and user put in.
render_unit() {
	sed -e "s#/opt/hms#$PREFIX#g" \
		-e "s#/etc/hms/hms.env#$ENV_FILE#g" \
		-e "s#/var/lib/hms#$VAR_DIR#g" \
		-e "s#/var/backups/hms#$BACKUP_DIR#g" \
		-e "s#127.0.0.1:8001#127.0.0.1:$WEB_PORT#g" \
		-e "s#127.0.0.1:8002#127.0.0.1:$WS_PORT#g" \
		-e "s#--port 8002#--port $WS_PORT#" \
		-e "s#^User=hms#User=$SERVICE_USER#" \
		-e "s#^Group=hms#Group=$SERVICE_USER#" \
		"$1"
}

install_units() {
	make_dir "$UNIT_DIR" 0755 root:root
	local unit rendered=()
	for unit in hms-web.service hms-ws.service hms-worker.service hms-backup.service hms-backup.timer; do
		if put_file "$UNIT_DIR/$unit" 0644 root:root < <(render_unit "$PREFIX/deploy/systemd/$unit"); then
			RESTART=yes
		fi
		rendered+=("$UNIT_DIR/$unit")
	done
	# A unit systemd would refuse (a wrong path, a typo) fails the install here, not at boot.
	local output
	if ! output=$(systemd-analyze verify "${rendered[@]}" 2>&1); then
		die "systemd-analyze verify refuses the units: $output"
	fi
	[[ -z $output ]] || say "systemd-analyze verify: $output"
}

install_nginx_site() {
	local listen_https=$HTTPS_PORT listen_http=$HTTP_PORT site=$NGINX_DIR/sites-available/hms
	if [[ -n $LISTEN ]]; then
		listen_https=$LISTEN:$HTTPS_PORT
		listen_http=$LISTEN:$HTTP_PORT
	fi
	make_dir "$NGINX_DIR/sites-available" 0755 root:root
	make_dir "$NGINX_DIR/sites-enabled" 0755 root:root
	local rendered access_log=/var/log/nginx/hms-access.log
	# An nginx of our own (CI, a second site on a test box) logs beside its other files.
	[[ $NGINX_DIR == /etc/nginx ]] || access_log=$LOG_DIR/nginx-access.log
	rendered=$(hms_render_nginx_site "$PREFIX/deploy/nginx/hms.conf" "$WEB_PORT" "$WS_PORT" \
		"$listen_https" "$listen_http" "$CERT_FILE" "$KEY_FILE" "$(dirname "$STATIC_DIR")" \
		"$SERVER_NAME" "hms_tls_$HTTPS_PORT" "$access_log")
	if put_file "$site" 0644 root:root <<<"$rendered"; then
		RELOAD_NGINX=yes
	fi
	if [[ ! -L $NGINX_DIR/sites-enabled/hms ]]; then
		ln -s ../sites-available/hms "$NGINX_DIR/sites-enabled/hms"
		changed "$NGINX_DIR/sites-enabled/hms"
		RELOAD_NGINX=yes
	fi
	# Debian's default site would answer for the box's address on port 80 instead of ours.
	if [[ -L $NGINX_DIR/sites-enabled/default && $HTTP_PORT == 80 ]]; then
		rm -f "$NGINX_DIR/sites-enabled/default"
		changed "$NGINX_DIR/sites-enabled/default removed"
		RELOAD_NGINX=yes
	fi
	if [[ $NGINX_DIR != /etc/nginx ]]; then
		# An nginx of our own (CI, a second site on a test box): its main file, pid and logs.
		make_dir "$NGINX_DIR/tmp" 0755 root:root
		make_dir "$RUN_DIR" 0755 root:root
		make_dir "$LOG_DIR" 0755 root:root
		if put_file "$NGINX_DIR/nginx.conf" 0644 root:root < <(hms_nginx_main_conf \
			"$NGINX_DIR/sites-enabled/hms" "$RUN_DIR/nginx.pid" "$LOG_DIR" "$NGINX_DIR/tmp"); then
			RELOAD_NGINX=yes
		fi
	fi
	nginx -t -q -c "$NGINX_DIR/nginx.conf" 2>&1 || die "nginx refuses the site $site"
}

migrate_and_collect() {
	if ! manage migrate --check >/dev/null 2>&1; then
		say "applying database migrations"
		manage migrate --noinput >/dev/null
		changed "database schema migrated"
	fi
	# collectstatic takes some 15 s (it compresses every file again) and rewrites its manifest:
	# run it only when what it collects may have changed, i.e. a static/ folder, the pinned
	# packages (Django's admin, django-htmx bring their own) or the settings (the storage).
	local stamp=$VAR_DIR/.static-collected-from inputs
	inputs=$(git -C "$PREFIX" -c safe.directory='*' ls-tree -r HEAD |
		grep -E $'\t(.*/)?static/|\tpyproject.toml$|\thms/settings.py$' | sha256sum | cut -d' ' -f1)
	if [[ ! -f $stamp || $(<"$stamp") != "$inputs" ]]; then
		manage collectstatic --noinput >/dev/null
		echo "$inputs" >"$stamp"
		changed "static files collected into $STATIC_DIR"
	fi
}

# The first administrator, while there is no active one. Their second factor (TOTP) is set up
# in the browser at their first sign-in: the admin role must have one (HMS_OTP_REQUIRED_ROLES).
ensure_administrator() {
	local count
	count=$(manage shell --no-imports -c \
		'from accounts.models import User; print(User.objects.filter(role="admin", is_active=True).count())')
	[[ $count == 0 ]] || return 0
	if [[ -n $ADMIN_USERNAME ]]; then
		[[ -n ${HMS_ADMIN_PASSWORD:-} ]] || die "--admin-username needs the password in HMS_ADMIN_PASSWORD"
		(cd "$PREFIX" && env -i "${HMS_ENV[@]}" DJANGO_SUPERUSER_PASSWORD="$HMS_ADMIN_PASSWORD" \
			setpriv --reuid="$SERVICE_USER" --regid="$SERVICE_USER" --init-groups -- \
			"$PREFIX/.venv/bin/python" manage.py createsuperuser --noinput \
			--username "$ADMIN_USERNAME" --email "${ADMIN_EMAIL:-}") >/dev/null
		changed "first administrator $ADMIN_USERNAME"
	elif [[ -t 0 ]]; then
		say "the first administrator (they set up their authenticator app at first sign-in):"
		manage createsuperuser
		changed "first administrator"
	else
		say "note: no administrator yet. Make one (on a terminal):"
		say "  runuser -u $SERVICE_USER -- $PREFIX/deploy/manage.sh --env-file $ENV_FILE createsuperuser"
	fi
}

# What upgrade.sh needs to know about this install, in one file it reads.
write_install_conf() {
	put_file "$CONFIG_DIR/install.conf" 0600 root:root < <(
		echo "# Written by deploy/install-lan.sh; read by deploy/upgrade.sh. Re-run the installer to change."
		for name in PREFIX CONFIG_DIR ENV_FILE VAR_DIR STATIC_DIR BACKUP_DIR UNIT_DIR NGINX_DIR \
			SERVICE_USER SERVER_NAME WEB_PORT WS_PORT HTTPS_PORT RUN_MODE; do
			printf '%s=%q\n' "$name" "${!name}"
		done
		printf 'INSTALL_ARGS=('
		((${#RECORDED_ARGS[@]} == 0)) || printf ' %q' "${RECORDED_ARGS[@]}"
		printf ' )\n'
	) || true
}

# --- running the services ------------------------------------------------------------------------

start_with_systemd() {
	local state
	if ((${#CHANGES[@]})); then
		systemctl daemon-reload
	fi
	for unit in "${SERVICES[@]}"; do
		state=$(systemctl is-enabled "$unit" 2>/dev/null || true)
		if [[ $state != enabled ]]; then
			systemctl enable --quiet "$unit"
			changed "$unit enabled"
		fi
		if ! systemctl is-active --quiet "$unit"; then
			systemctl start "$unit"
			changed "$unit started"
		elif [[ $RESTART == yes ]]; then
			systemctl restart "$unit"
			changed "$unit restarted"
		fi
	done
	systemctl enable --quiet nginx
	if ! systemctl is-active --quiet nginx; then
		systemctl start nginx
		changed "nginx started"
	elif [[ $RELOAD_NGINX == yes ]]; then
		systemctl reload nginx
		changed "nginx reloaded"
	fi
}

# unit_command UNIT: the unit's ExecStart (continuation lines joined), one word a line.
unit_command() {
	sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$1" | sed -n 's/^ExecStart=//p' | tr -s ' ' '\n'
}

# unit_environment UNIT: its Environment= pairs, one a line.
unit_environment() {
	sed -n 's/^Environment=//p' "$1"
}

# start_unit_directly NAME: the unit's own command, environment, folder and user, without
# systemd; systemd's precedence kept (the settings file wins over Environment= lines).
start_unit_directly() {
	local name=$1 unit=$UNIT_DIR/$1.service command=() environment=()
	mapfile -t command < <(unit_command "$unit")
	mapfile -t environment < <(unit_environment "$unit")
	hms_start_detached "$RUN_DIR/$name.pid" "$LOG_DIR/$name.log" "$PREFIX" \
		env -i "${environment[@]}" "${HMS_ENV[@]}" \
		setpriv --reuid="$SERVICE_USER" --regid="$SERVICE_USER" --init-groups -- "${command[@]}"
}

start_directly() {
	make_dir "$RUN_DIR" 0755 root:root
	make_dir "$LOG_DIR" 0755 root:root
	local unit pid running=() stopped=()
	for unit in "${SERVICES[@]}"; do
		if pid=$(hms_pid_of "$RUN_DIR/$unit.pid"); then
			running+=("$unit=$pid")
		else
			stopped+=("$unit")
		fi
	done
	if [[ $RESTART == yes ]] && ((${#running[@]})); then
		local entry files=()
		for entry in "${running[@]}"; do files+=("$RUN_DIR/${entry%=*}.pid"); done
		hms_stop_processes "${files[@]}"
		for entry in "${running[@]}"; do
			start_unit_directly "${entry%=*}"
			changed "${entry%=*} restarted (pid $(<"$RUN_DIR/${entry%=*}.pid"), was ${entry#*=})"
		done
	fi
	for unit in "${stopped[@]}"; do
		start_unit_directly "$unit"
		changed "$unit started (pid $(<"$RUN_DIR/$unit.pid"))"
	done
	local conf=$NGINX_DIR/nginx.conf nginx_pid=$RUN_DIR/nginx.pid
	[[ $NGINX_DIR == /etc/nginx ]] && nginx_pid=/run/nginx.pid
	if pid=$(hms_pid_of "$nginx_pid"); then
		if [[ $RELOAD_NGINX == yes ]]; then
			kill -HUP "$pid"
			changed "nginx reloaded"
		fi
	else
		nginx -c "$conf" || die "nginx did not start"
		changed "nginx started"
	fi
}

run_services() {
	if systemd_running; then
		RUN_MODE=systemd
	elif [[ $START_DIRECTLY == yes ]]; then
		RUN_MODE=direct
	else
		RUN_MODE=none
	fi
	write_install_conf
	case $RUN_MODE in
	systemd) start_with_systemd ;;
	direct) start_directly ;;
	none)
		say "systemd is not running here (a container?): the units are written but not started."
		say "Start the same commands without it: $0 --start-directly (with the same options)."
		return 0
		;;
	esac
	wait_until_healthy
}

wait_until_healthy() {
	local _ url="http://127.0.0.1:$WEB_PORT/healthz"
	for _ in $(seq $((HEALTH_TIMEOUT * 2))); do
		if curl -fsS -o /dev/null --max-time 5 -H "Host: $SERVER_NAME" \
			-H "X-Forwarded-Proto: https" "$url" 2>/dev/null; then
			say "healthy: $url answers 200"
			return 0
		fi
		sleep 0.5
	done
	die "the pages do not answer 200 at $url (logs: journalctl -u hms-web, or $LOG_DIR)"
}

main() {
	parse_options "$@"
	[[ $FORCE_RESTART == no ]] || RESTART=yes
	install_packages
	command -v systemd-analyze >/dev/null || die "systemd-analyze is missing (Debian package systemd)"
	ensure_local_servers
	ensure_user_and_folders
	install_code
	install_virtualenv
	ensure_database
	write_settings
	ensure_certificate
	install_units
	install_nginx_site
	migrate_and_collect
	ensure_administrator
	run_services
	if ((${#CHANGES[@]})); then
		say "done: ${#CHANGES[@]} change(s), listed above."
	else
		say "done: nothing changed (already installed as asked)."
	fi
	say "HMS: https://$SERVER_NAME$([[ $HTTPS_PORT == 443 ]] || echo ":$HTTPS_PORT")/  settings: $ENV_FILE"
}

main "$@"
