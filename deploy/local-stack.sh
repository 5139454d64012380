#!/usr/bin/env bash
# The production stack on one machine, for tests, benchmarks and trying a release before the
# hospital does: the same processes and configuration as a LAN box (docs/DEPLOYMENT.md), run by
# the current user from a folder of their own instead of systemd.
#
#   deploy/local-stack.sh up        start whatever is not running (again: changes nothing)
#   deploy/local-stack.sh down      stop everything it started
#   deploy/local-stack.sh status    each process and the health check; exit 1 if one is down
#   deploy/local-stack.sh stop NAME stop one process (a failure drill); `up` starts it again
#   deploy/local-stack.sh manage …  manage.py with the stack's settings (e.g. `manage seed_demo --on-production`)
#   deploy/local-stack.sh env       print the path of the stack's settings file
#
# What runs (ports from STACK_PORT, default 8443):
#   nginx     https://127.0.0.1:STACK_PORT (self-signed), http on +1; deploy/nginx/hms.conf as
#             shipped, with this folder's ports and paths put in
#   pages     gunicorn, STACK_WEB_WORKERS (2) sync workers on 127.0.0.1:STACK_PORT+2
#   /ws/      uvicorn, STACK_WS_WORKERS (2) workers on 127.0.0.1:STACK_PORT+3
#   tasks     the Huey consumer (manage.py run_huey), as hms-worker.service runs it
#   files     an S3 API server (moto's standalone server) on 127.0.0.1:STACK_PORT+4 with the
#             private bucket hms-private; it keeps the files in memory until `down`
#   redis     a Redis server of the stack's own on 127.0.0.1:STACK_PORT+5 (keeps nothing on disk),
#             unless STACK_REDIS_URL names another
#   database  PostgreSQL at STACK_DATABASE_URL (default: database hms_stack on 127.0.0.1:5432,
#             created if missing): the machine's own server, started if stopped (as .ci/run does)
#
# STACK_BENCH=1 serves the benchmarks' settings (tests/bench/bench_settings.py: every URL plus the
# bare view /bench/bare, the yardstick of tests/bench/load_test.py); never on a hospital's box.
#
# State, logs and pid files go to STACK_DIR (default <project>/var/stack): log/<process>.log.
# The settings file STACK_DIR/hms.env (DJANGO_ENV=production) is written on the first `up`, with
# a generated secret key, and kept. The processes see only that file and PATH, never the caller's
# environment (a test run's DATABASE_URL must not leak into the stack).

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The nginx site, the certificate and the pid-file processes, as deploy/install-lan.sh makes them.
# shellcheck source=deploy/lib.sh
source "$ROOT/deploy/lib.sh"
# Absolute: nginx reads its -c path relative to its -p prefix.
DIR=$(realpath -m "${STACK_DIR:-$ROOT/var/stack}")
PORT=${STACK_PORT:-8443}
HTTPS_PORT=$PORT
HTTP_PORT=$((PORT + 1))
WEB_PORT=$((PORT + 2))
WS_PORT=$((PORT + 3))
S3_PORT=$((PORT + 4))
REDIS_PORT=$((PORT + 5))
DATABASE_URL_STACK=${STACK_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/hms_stack}
REDIS_URL_STACK=${STACK_REDIS_URL:-redis://127.0.0.1:$REDIS_PORT/0}
OWN_REDIS=$([[ -z ${STACK_REDIS_URL:-} ]] && echo yes || echo no)
WEB_WORKERS=${STACK_WEB_WORKERS:-2}
WS_WORKERS=${STACK_WS_WORKERS:-2}
BIN=${STACK_VENV:-$ROOT/.venv}/bin
ENV_FILE=$DIR/hms.env
PROCESSES=(redis s3 web ws worker)

die() {
	echo "local-stack: $*" >&2
	exit 1
}

say() { echo "local-stack: $*"; }

# --- the settings file ----------------------------------------------------------------------------

write_env_file() {
	[[ -f $ENV_FILE ]] && return
	mkdir -p "$DIR"
	local secret checkpoint
	secret=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(64))')
	checkpoint=$("$BIN/python" -c 'import secrets; print(secrets.token_hex(32))')
	umask 077
	cat >"$ENV_FILE" <<EOF
# Written by deploy/local-stack.sh; the stack's processes read only this (and PATH).
DJANGO_ENV=production
DJANGO_SECRET_KEY=$secret
DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
# A browser pinning HSTS for 127.0.0.1 would refuse every other local server afterwards.
DJANGO_HSTS_SECONDS=0
HMS_TRUST_X_FORWARDED_FOR=true
HMS_AUDIT_CHECKPOINT_KEY=$checkpoint
# This machine's free disk is not a hospital's: /healthz says "low" only when nearly nothing is left.
HMS_DISK_MIN_FREE_MB=${STACK_DISK_MIN_FREE_MB:-50}
DATABASE_URL=$DATABASE_URL_STACK
REDIS_URL=$REDIS_URL_STACK
HMS_VAR_DIR=$DIR/var
HMS_STATIC_ROOT=$DIR/www/static
BACKUP_DIR=$DIR/backups
AWS_STORAGE_BUCKET_NAME=hms-private
AWS_S3_ENDPOINT_URL=http://127.0.0.1:$S3_PORT
AWS_S3_REGION_NAME=us-east-1
AWS_ACCESS_KEY_ID=local-stack
AWS_SECRET_ACCESS_KEY=local-stack
EOF
	umask 022
}

# The environment of every stack process: PATH, HOME, the locale and the settings file.
STACK_ENV=()
load_env() {
	STACK_ENV=(PATH="$PATH" HOME="${HOME:-/tmp}" LANG=C.UTF-8)
	local line
	while IFS= read -r line; do
		[[ $line =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] && STACK_ENV+=("$line")
	done <"$ENV_FILE"
	if [[ ${STACK_BENCH:-} == 1 ]]; then
		STACK_ENV+=(DJANGO_SETTINGS_MODULE=bench_settings PYTHONPATH="$ROOT/tests/bench")
	fi
}

# Run a command with the stack's settings only.
with_env() {
	env -i "${STACK_ENV[@]}" "$@"
}

manage() {
	(cd "$ROOT" && with_env "$BIN/python" manage.py "$@")
}

# --- services of the machine -------------------------------------------------------------------

ensure_postgres() {
	if ! pg_isready -q -h 127.0.0.1 -p 5432; then
		say "starting PostgreSQL"
		pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
		for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
	fi
	local name=${DATABASE_URL_STACK##*/}
	local server=${DATABASE_URL_STACK%/*}/postgres
	if ! psql -qtA "$server" -c "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
		say "creating database $name"
		psql -q "$server" -c "CREATE DATABASE \"$name\""
	fi
}

ensure_redis() {
	if [[ $OWN_REDIS == yes ]]; then
		mkdir -p "$DIR/redis"
		start redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
			--dir "$DIR/redis"
		wait_for "Redis" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping
	fi
}

# --- our processes -----------------------------------------------------------------------------

pid_of() {
	hms_pid_of "$DIR/run/$1.pid"
}

# start NAME COMMAND...: in its own session (so `down` stops its children too), logging to
# log/NAME.log, its pid in run/NAME.pid.
start() {
	local name=$1
	shift
	if pid_of "$name" >/dev/null; then
		say "$name already running (pid $(pid_of "$name"))"
		return
	fi
	hms_start_detached "$DIR/run/$name.pid" "$DIR/log/$name.log" "$ROOT" env -i "${STACK_ENV[@]}" "$@"
	say "$name started (pid $(<"$DIR/run/$name.pid"))"
}

wait_for() {
	local what=$1
	shift
	for _ in $(seq 120); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.5
	done
	die "$what did not come up (see $DIR/log/)"
}

http_ok() {
	curl -fsS -o /dev/null --max-time 5 "$@"
}

write_nginx_conf() {
	mkdir -p "$DIR/nginx/tmp" "$DIR/tls"
	if [[ ! -f $DIR/tls/fullchain.pem ]]; then
		hms_self_signed_certificate "$DIR/tls/privkey.pem" "$DIR/tls/fullchain.pem" localhost 127.0.0.1
	fi
	# The shipped site, with this stack's ports, certificate and static folder put in.
	hms_render_nginx_site "$ROOT/deploy/nginx/hms.conf" "$WEB_PORT" "$WS_PORT" \
		"127.0.0.1:$HTTPS_PORT" "127.0.0.1:$HTTP_PORT" "$DIR/tls/fullchain.pem" \
		"$DIR/tls/privkey.pem" "$DIR/www" "localhost 127.0.0.1" "hms_tls_$PORT" \
		"$DIR/log/nginx-access.log" >"$DIR/nginx/hms.conf" || die "deploy/nginx/hms.conf changed: update deploy/lib.sh"
	# Started by root, nginx would hand its workers to "nobody", who may not read this folder.
	local user=()
	[[ $EUID -ne 0 ]] || user=("$(id -un)" "$(id -gn)")
	hms_nginx_main_conf "$DIR/nginx/hms.conf" "$DIR/run/nginx.pid" "$DIR/log" "$DIR/nginx/tmp" \
		"${user[@]}" >"$DIR/nginx/nginx.conf"
	nginx -t -q -c "$DIR/nginx/nginx.conf" -p "$DIR/nginx" 2>>"$DIR/log/nginx-error.log" ||
		die "nginx refuses the configuration (see $DIR/log/nginx-error.log)"
}

create_bucket() {
	with_env "$BIN/python" - <<'EOF'
import os

import boto3

s3 = boto3.client("s3", endpoint_url=os.environ["AWS_S3_ENDPOINT_URL"])
bucket = os.environ["AWS_STORAGE_BUCKET_NAME"]
if bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
    s3.create_bucket(Bucket=bucket, ACL="private")
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
EOF
}

# migrate only when a migration is unapplied, collectstatic only when what it collects may have
# changed (as deploy/install-lan.sh does): an `up` of a running stack (the tests' "up again", a
# drill's restart) then costs no migration plan and no 15 s of compressing every file again.
migrate_and_collect() {
	if ! manage migrate --check >/dev/null 2>&1; then
		say "migrating the database"
		manage migrate --noinput >>"$DIR/log/migrate.log"
	fi
	# What collectstatic reads: the static folder, the pinned packages (Django's admin and
	# django-htmx bring their own), the settings and this stack's settings file.
	local stamp=$DIR/.static-collected-from inputs
	inputs=$({
		find "$ROOT/static" -type f -printf '%P %s %T@\n' | sort
		sha256sum "$ROOT/pyproject.toml" "$ROOT/hms/settings.py" "$ENV_FILE"
		echo "bench=${STACK_BENCH:-}"
	} | sha256sum | cut -d' ' -f1)
	if [[ ! -f $stamp || $(<"$stamp") != "$inputs" || ! -f $DIR/www/static/staticfiles.json ]]; then
		say "collecting static files"
		manage collectstatic --noinput >>"$DIR/log/migrate.log"
		echo "$inputs" >"$stamp"
	fi
}

up() {
	command -v nginx >/dev/null || die "nginx is not installed (Debian: apt-get install nginx)"
	[[ -x $BIN/gunicorn && -x $BIN/moto_server ]] || die "no virtualenv with the test tools at $BIN (make install)"
	mkdir -p "$DIR/run" "$DIR/log" "$DIR/var" "$DIR/www" "$DIR/backups"
	write_env_file
	load_env
	ensure_postgres
	ensure_redis

	start s3 "$BIN/moto_server" -H 127.0.0.1 -p "$S3_PORT"
	wait_for "the S3 server" http_ok "http://127.0.0.1:$S3_PORT/moto-api/"
	create_bucket

	migrate_and_collect

	# The commands of deploy/systemd/hms-{web,ws,worker}.service, with this stack's ports.
	start web env HMS_DB_CONN_MAX_AGE=60 "$BIN/gunicorn" hms.wsgi:application \
		--bind "127.0.0.1:$WEB_PORT" --workers "$WEB_WORKERS" --timeout 60 --no-control-socket \
		--access-logfile -
	start ws "$BIN/uvicorn" hms.asgi:application --host 127.0.0.1 --port "$WS_PORT" \
		--workers "$WS_WORKERS" --lifespan off --ws websockets-sansio --proxy-headers \
		--no-server-header
	start worker "$BIN/python" manage.py run_huey --workers 2 --worker-type thread \
		--graceful-signal TERM --shutdown-timeout 30

	if ! pid_of nginx >/dev/null; then
		write_nginx_conf
		nginx -c "$DIR/nginx/nginx.conf" -p "$DIR/nginx" || die "nginx did not start"
		say "nginx started"
	fi
	wait_for "the pages" http_ok -H "Host: 127.0.0.1" -H "X-Forwarded-Proto: https" \
		"http://127.0.0.1:$WEB_PORT/healthz"
	wait_for "the site through nginx" http_ok -k "https://127.0.0.1:$HTTPS_PORT/healthz"
	say "up: https://127.0.0.1:$HTTPS_PORT/ (settings: $ENV_FILE)"
}

stop_process() {
	local name=$1
	pid_of "$name" >/dev/null || {
		rm -f "$DIR/run/$name.pid"
		return 0
	}
	hms_stop_processes "$DIR/run/$name.pid"
	say "$name stopped"
}

down() {
	if pid=$(pid_of nginx); then
		kill -QUIT "$pid"
		for _ in $(seq 30); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
		say "nginx stopped"
	fi
	local name
	for name in worker ws web s3 redis; do
		stop_process "$name"
	done
}

status() {
	local name failing=0
	for name in "${PROCESSES[@]}" nginx; do
		if pid=$(pid_of "$name"); then
			echo "$name: running (pid $pid)"
		else
			echo "$name: stopped"
			failing=1
		fi
	done
	if curl -ksS --max-time 5 "https://127.0.0.1:$HTTPS_PORT/healthz"; then
		echo
	else
		failing=1
	fi
	return $failing
}

case ${1:-} in
up) up ;;
down) down ;;
status) status ;;
manage)
	shift
	[[ -f $ENV_FILE ]] || die "no stack here yet: run up first"
	load_env
	manage "$@"
	;;
env) echo "$ENV_FILE" ;;
stop)
	[[ -n ${2:-} ]] || die "stop which process? (${PROCESSES[*]} nginx)"
	if [[ $2 == nginx ]]; then
		pid=$(pid_of nginx) && kill -QUIT "$pid" && say "nginx stopped"
	else
		stop_process "$2"
	fi
	;;
*)
	sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
