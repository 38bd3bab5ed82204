# Shared helpers for the Redis integration tests: start a real
# redis-server (Unix socket or loopback port) that is always stopped when
# the test ends, pass or fail. Sourced after tests/lib.sh.

# A missing server is a failure that says what to install, never a skip.
need_redis() {
	if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
		not_ok "redis-server and redis-cli are required: install redis-server (apt-get install redis-server)"
		exit 1
	fi
}

# An interrupted test still runs the EXIT trap (and so stops its servers).
trap 'exit 1' HUP INT TERM

# redis_wait CLI-ARGS...: waits up to 5 s for PING to answer.
redis_wait() {
	i=0
	while [ $i -lt 250 ]; do
		if [ "$(redis-cli "$@" ping 2>/dev/null)" = PONG ]; then
			return 0
		fi
		sleep 0.02
		i=$((i + 1))
	done
	return 1
}

# redis_start_unix NAME [SERVER-ARGS...]: a server on $TMP/NAME.sock.
redis_start_unix() {
	name=$1
	shift
	redis-server --port 0 --unixsocket "$TMP/$name.sock" --unixsocketperm 700 \
		--save '' --appendonly no --daemonize no --dir "$TMP" --dbfilename "$name.rdb" \
		"$@" >"$TMP/$name.redis.log" 2>&1 &
	pid=$!
	on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
	if ! redis_wait -s "$TMP/$name.sock"; then
		not_ok "redis-server $name did not start: $(tail -n 3 "$TMP/$name.redis.log")"
		exit 1
	fi
}

# redis_start_tcp NAME [SERVER-ARGS...]: a server on a free loopback port,
# which is left in $REDIS_PORT.
redis_start_tcp() {
	name=$1
	shift
	tries=0
	while [ $tries -lt 20 ]; do
		port=$((20000 + ($$ * 7 + tries * 131) % 30000))
		redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
			--daemonize no --dir "$TMP" "$@" >"$TMP/$name.redis.log" 2>&1 &
		pid=$!
		i=0
		while [ $i -lt 100 ] && kill -0 $pid 2>/dev/null; do
			if grep -q 'Ready to accept connections' "$TMP/$name.redis.log"; then
				on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
				REDIS_PORT=$port
				return 0
			fi
			sleep 0.05
			i=$((i + 1))
		done
		kill $pid 2>/dev/null
		wait $pid 2>/dev/null
		tries=$((tries + 1))
	done
	not_ok "redis-server $name found no free loopback port: $(tail -n 3 "$TMP/$name.redis.log")"
	exit 1
}

