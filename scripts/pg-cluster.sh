#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback, for the tests and the benchmark.
#
#   pg-cluster.sh start DIR      creates DIR/data, starts it on a free port of 127.0.0.1 and
#                                127.0.0.2 (socket in DIR); prints the port
#   pg-cluster.sh env DIR        prints `export USERSYNC_TEST_POSTGRES_…=…` lines for the tests
#   pg-cluster.sh restart DIR    stops it at once (-m immediate) and starts it again
#   pg-cluster.sh stop DIR       stops it at once
#
# The cluster speaks TLS (ssl = on) with a server certificate for localhost and 127.0.0.1
# signed by a throwaway CA (DIR/tls/ca.crt; DIR/tls/other-ca.crt is a CA that signed
# nothing, for "untrusted" tests). The superuser `postgres` logs in without a password
# (trust); the role `usersync_login` needs its password (scram-sha-256 over TCP; the password
# is in DIR/password).
#
# PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` account
# and every command runs through runuser. Never use this for real data (trust auth, fsync off).
set -euo pipefail
cmd=${1:?usage: pg-cluster.sh start|env|stop|restart DIR}
dir=${2:?usage: pg-cluster.sh start|env|stop|restart DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] && [ -x "$bin/pg_ctl" ] || { echo "pg-cluster.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
ctl_start() {
  local port
  port=$(cat "$dir/port")
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1,127.0.0.2 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
        -c ssl=on -c ssl_cert_file=$dir/tls/server.crt -c ssl_key_file=$dir/tls/server.key" \
    start >/dev/null
}
# A CA, a server certificate it signed (CN and SAN localhost, SAN 127.0.0.1; not 127.0.0.2,
# so that name checks can be seen to fail), and a second CA that signed nothing.
make_certificates() {
  local tls="$dir/tls"
  mkdir -p "$tls"
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${ec[@]}" -days 3 -subj "/CN=usersync test CA" -keyout "$tls/ca.key" -out "$tls/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -x509 "${ec[@]}" -days 3 -subj "/CN=usersync untrusted CA" -keyout "$tls/other-ca.key" \
    -out "$tls/other-ca.crt" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
  openssl req "${ec[@]}" -subj "/CN=localhost" -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$tls/server.ext"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial -days 3 \
    -extfile "$tls/server.ext" -out "$tls/server.crt" 2>/dev/null
  chmod 0600 "$tls/server.key"
  chmod 0755 "$tls"
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$tls"; fi
}
case "$cmd" in
  start)
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; chmod 0755 "$dir"; fi
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C >/dev/null
    # Trust for the superuser and on the socket; a password for every other role over TCP.
    as_owner tee "$dir/data/pg_hba.conf" >/dev/null <<'HBA'
local all all                trust
host  all postgres 127.0.0.0/8 trust
host  all all      127.0.0.0/8 scram-sha-256
HBA
    make_certificates
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' > "$dir/port"
    python3 -c 'import secrets; print(secrets.token_urlsafe(18))' > "$dir/password"
    chmod 0600 "$dir/password"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir/port" "$dir/password"; fi
    ctl_start
    as_owner psql -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$(cat "$dir/port")" -U postgres -d postgres \
      -c "CREATE ROLE usersync_login LOGIN PASSWORD '$(cat "$dir/password")'" >/dev/null
    cat "$dir/port"
    ;;
  env)
    port=$(cat "$dir/port")
    echo "export USERSYNC_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:$port/postgres'"
    echo "export USERSYNC_TEST_POSTGRES_DIR='$dir'"
    echo "export USERSYNC_TEST_POSTGRES_CTL='$(cd "$(dirname "$0")" && pwd)/pg-cluster.sh'"
    echo "export USERSYNC_TEST_POSTGRES_CA='$dir/tls/ca.crt'"
    echo "export USERSYNC_TEST_POSTGRES_OTHER_CA='$dir/tls/other-ca.crt'"
    echo "export USERSYNC_TEST_POSTGRES_PASSWORD_USER=usersync_login"
    echo "export USERSYNC_TEST_POSTGRES_PASSWORD='$(cat "$dir/password")'"
    ;;
  restart)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    ctl_start
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: pg-cluster.sh start|env|stop|restart DIR" >&2; exit 2 ;;
esac
