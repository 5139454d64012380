# shellcheck shell=bash
# Shared by install-lan.sh, upgrade.sh and local-stack.sh (sourced, not run): the nginx site
# rendered from nginx/hms.conf, a self-signed certificate, and processes started from a pid file
# when there is no systemd to do it. One copy, so the LAN box, its upgrade and the stack the tests
# and benchmarks run are the same configuration.

# --- nginx ---------------------------------------------------------------------------------------

# hms_render_nginx_site SOURCE WEB_PORT WS_PORT HTTPS_LISTEN HTTP_LISTEN CERT KEY STATIC_PARENT
#                       SERVER_NAME ZONE [ACCESS_LOG]
# Print deploy/nginx/hms.conf with this box's ports, certificate, static folder and name put in.
# A listen of "ADDRESS:PORT" binds that address only (and drops the IPv6 lines); a bare port
# listens everywhere. ZONE names the TLS session cache (unique per nginx). ACCESS_LOG: the access
# log's file (default /var/log/nginx/hms-access.log, as shipped). Fails if hms.conf no
# longer has the lines it replaces, rather than printing a site that points elsewhere.
hms_render_nginx_site() {
	local source=$1 web_port=$2 ws_port=$3 https_listen=$4 http_listen=$5 cert=$6 key=$7
	local static_parent=$8 server_name=$9 zone=${10}
	local access_log=${11:-/var/log/nginx/hms-access.log}
	local https_port=${https_listen##*:} redirect_port="" extra=()
	[[ $https_port == 443 ]] || redirect_port=":$https_port"
	[[ $https_listen != *:* ]] || extra=(-e '/listen \[::\]/d')
	local rendered
	rendered=$(sed "${extra[@]}" -e "s#server 127.0.0.1:8001;#server 127.0.0.1:$web_port;#" \
		-e "s#server 127.0.0.1:8002;#server 127.0.0.1:$ws_port;#" \
		-e "s#listen 80;#listen $http_listen;#" \
		-e "s#listen \[::\]:80;#listen [::]:${http_listen##*:};#" \
		-e "s#listen 443 ssl http2;#listen $https_listen ssl http2;#" \
		-e "s#listen \[::\]:443 ssl http2;#listen [::]:$https_port ssl http2;#" \
		-e "s#https://\$host\$request_uri#https://\$host$redirect_port\$request_uri#" \
		-e "s#server_name [^;]*;  \# REPLACE#server_name $server_name;#" \
		-e "s#ssl_certificate     .*#ssl_certificate     $cert;#" \
		-e "s#ssl_certificate_key .*#ssl_certificate_key $key;#" \
		-e "s#root /var/www/hms;.*#root $static_parent;#" \
		-e "s#shared:hms_tls:#shared:$zone:#" \
		-e "s#access_log /var/log/nginx/hms-access.log #access_log $access_log #" \
		"$source")
	if ! grep -q "server 127.0.0.1:$web_port;" <<<"$rendered" ||
		! grep -q "ssl_certificate_key $key;" <<<"$rendered"; then
		echo "error: $source changed: update hms_render_nginx_site in deploy/lib.sh" >&2
		return 1
	fi
	printf '%s\n' "$rendered"
}

# hms_nginx_main_conf SITE PID_FILE LOG_DIR TEMP_DIR [USER GROUP]
# Print an nginx.conf of our own (Debian's, reduced to what the site needs) for an nginx started
# outside systemd from a folder: its pid, logs and temporary files stay in that folder.
hms_nginx_main_conf() {
	local site=$1 pid_file=$2 log_dir=$3 temp_dir=$4 user=${5:-} group=${6:-}
	cat <<EOF
# Written by HMS's deploy scripts (deploy/lib.sh): Debian's nginx.conf, reduced to what the site
# needs, for an nginx started from a folder rather than by systemd.
${user:+user $user $group;}
worker_processes 2;
pid $pid_file;
error_log $log_dir/nginx-error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    access_log $log_dir/nginx-access.log;
    client_body_temp_path $temp_dir/body;
    proxy_temp_path $temp_dir/proxy;
    fastcgi_temp_path $temp_dir/fastcgi;
    uwsgi_temp_path $temp_dir/uwsgi;
    scgi_temp_path $temp_dir/scgi;
    include $site;
}
EOF
}

# --- settings ------------------------------------------------------------------------------------

# hms_env_pairs FILE: the KEY=value lines of a settings file (hms.env), one a line, read the way
# systemd's EnvironmentFile reads it (comments skipped, one pair of surrounding quotes removed),
# without running it as shell code. Used with `env -i`, so nothing of the caller's environment
# (a test run's DATABASE_URL) reaches an HMS process.
hms_env_pairs() {
	local line key value
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line%$'\r'}
		[[ $line =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
		key=${BASH_REMATCH[1]}
		value=${BASH_REMATCH[2]}
		if [[ $value =~ ^\"(.*)\"[[:space:]]*$ || $value =~ ^\'(.*)\'[[:space:]]*$ ]]; then
			value=${BASH_REMATCH[1]}
		fi
		printf '%s=%s\n' "$key" "$value"
	done <"$1"
}

# --- TLS -----------------------------------------------------------------------------------------

# hms_self_signed_certificate KEY CERT NAME...: a self-signed certificate (RSA 2048, 825 days: the
# longest browsers accept) for the host names and addresses given; the first is its subject.
hms_self_signed_certificate() {
	local key=$1 cert=$2 name san=""
	shift 2
	for name in "$@"; do
		if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then
			san+=",IP:$name"
		else
			san+=",DNS:$name"
		fi
	done
	(umask 077 && openssl req -x509 -newkey rsa:2048 -sha256 -days 825 -nodes -subj "/CN=$1" \
		-addext "subjectAltName=${san#,}" -keyout "$key" -out "$cert" 2>/dev/null)
}

# --- processes without systemd ---------------------------------------------------------------------

# hms_pid_of PID_FILE: print the pid if that process is alive.
hms_pid_of() {
	local pid
	[[ -f $1 ]] || return 1
	pid=$(<"$1")
	[[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
	echo "$pid"
}

# hms_start_detached PID_FILE LOG_FILE WORK_DIR COMMAND...: in a session of its own (so stopping
# it stops its children too), output appended to LOG_FILE. exec all the way down: the pid file
# holds the process itself, and no shell keeps the caller's output open.
hms_start_detached() {
	local pid_file=$1 log_file=$2 work_dir=$3
	shift 3
	(cd "$work_dir" && exec setsid "$@") >>"$log_file" 2>&1 </dev/null &
	echo $! >"$pid_file"
}

# hms_stop_processes PID_FILE...: TERM to each one's session at once, up to 30 s for them to
# finish (the worker lets running tasks end), then KILL what is left. Together, not one after the
# other: a restart of the three services takes as long as the slowest.
hms_stop_processes() {
	local pid_file pid pids=()
	for pid_file in "$@"; do
		if pid=$(hms_pid_of "$pid_file"); then
			pids+=("$pid")
			kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
		fi
	done
	for _ in $(seq 60); do
		for pid in "${pids[@]}"; do
			kill -0 "$pid" 2>/dev/null && break
			pid=""
		done
		[[ -n ${pid:-} ]] || break
		sleep 0.5
	done
	for pid in "${pids[@]}"; do
		kill -KILL -- "-$pid" 2>/dev/null || true
	done
	rm -f "$@"
}
