#!/usr/bin/env bash
# A three-node Redis Cluster on 127.0.0.1:7001-7003 (no replicas) for the cluster tests:
# started unless one already answers there, created unless its slots are already assigned.
# Usable by hand too: `bash .ci/redis-cluster.sh`, then REDIS_CLUSTER_URL's default works.
set -euo pipefail

ports=(7001 7002 7003)
dir="${REDIS_CLUSTER_DIR:-/var/tmp/flow-redis-cluster}"

cluster_ok() {
    local port
    for port in "${ports[@]}"; do
        redis-cli -h 127.0.0.1 -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
    done
}

if cluster_ok; then
    echo "Redis Cluster already up on ${ports[*]}"
    exit 0
fi

for port in "${ports[@]}"; do
    if ! redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
        mkdir -p "$dir/$port"
        redis-server --daemonize yes --bind 127.0.0.1 --port "$port" \
            --cluster-enabled yes --cluster-config-file "$dir/$port/nodes.conf" \
            --cluster-node-timeout 5000 --save "" --appendonly no \
            --dir "$dir/$port" --logfile "$dir/$port/redis.log"
    fi
done
for port in "${ports[@]}"; do
    for _ in $(seq 1 30); do
        redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break
        sleep 0.2
    done
    redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null || { echo "Redis node $port did not start"; exit 1; }
done

# Nodes restarted from their nodes.conf find each other again within a few seconds.
for _ in $(seq 1 10); do
    cluster_ok && { echo "Redis Cluster up on ${ports[*]}"; exit 0; }
    sleep 0.5
done

# Otherwise: forget whatever half-made state the nodes have, and create the cluster.
for port in "${ports[@]}"; do
    redis-cli -h 127.0.0.1 -p "$port" flushall >/dev/null
    redis-cli -h 127.0.0.1 -p "$port" cluster reset hard >/dev/null
done
nodes=()
for port in "${ports[@]}"; do nodes+=("127.0.0.1:$port"); done
redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >/dev/null
for _ in $(seq 1 60); do
    cluster_ok && { echo "Redis Cluster created on ${ports[*]}"; exit 0; }
    sleep 0.5
done
echo "Redis Cluster did not reach cluster_state:ok"
redis-cli -h 127.0.0.1 -p 7001 cluster info || true
exit 1
