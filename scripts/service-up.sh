#!/usr/bin/env bash
# service-up.sh postgres|redis [HOST] [PORT]
# Exit 0 when the service answers on HOST:PORT (default 127.0.0.1 and the service's usual port);
# otherwise print why on stdout and exit 1. Uses pg_isready / redis-cli when installed, else a
# Python socket check (PostgreSQL: an SSLRequest must be answered; Redis: PING must get +PONG).
set -u
service=${1:?usage: service-up.sh postgres|redis [HOST] [PORT]}
host=${2:-127.0.0.1}
python=${PYTHON:-python3}

socket_check() {  # socket_check postgres|redis HOST PORT
    "$python" - "$@" <<'PY'
import socket, struct, sys
service, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    with socket.create_connection((host, port), timeout=3) as sock:
        sock.settimeout(3)
        if service == "postgres":
            sock.sendall(struct.pack("!ii", 8, 80877103))  # SSLRequest
            ok = sock.recv(1) in (b"S", b"N")
        else:
            sock.sendall(b"PING\r\n")
            ok = sock.recv(64).startswith(b"+PONG")
except OSError as exc:
    print(f"{service} does not answer on {host}:{port} ({exc})")
    sys.exit(1)
if not ok:
    print(f"{service} on {host}:{port} gave an unexpected answer")
    sys.exit(1)
PY
}

case "$service" in
postgres)
    port=${3:-5432}
    if command -v pg_isready >/dev/null 2>&1; then
        out=$(pg_isready -t 3 -h "$host" -p "$port" 2>&1) && exit 0
        echo "PostgreSQL does not answer on $host:$port (pg_isready: ${out:-no answer})"
        exit 1
    fi
    socket_check postgres "$host" "$port"
    ;;
redis)
    port=${3:-6379}
    if command -v redis-cli >/dev/null 2>&1; then
        out=$(timeout 5 redis-cli -h "$host" -p "$port" ping 2>&1)
        [ "$out" = "PONG" ] && exit 0
        echo "Redis does not answer PING on $host:$port (redis-cli: ${out:-no answer})"
        exit 1
    fi
    socket_check redis "$host" "$port"
    ;;
*)
    echo "service-up.sh: unknown service $service (postgres|redis)" >&2
    exit 2
    ;;
esac
