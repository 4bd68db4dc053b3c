#!/usr/bin/env bash
# Forwarding performance: the Linux kernel (ip_forward=1) against `vrouter run`, on the same
# topology, in one run.
#
#   host A (10.10.1.2) --veth-- router (rA, rB) --veth-- host B (10.10.2.2)
#
# Three private network namespaces, addresses that exist only inside them. For each
# forwarder: an iperf3 TCP transfer (A -> B) and an iperf3 UDP stream of 64-byte payloads at
# full speed (A -> B), counted at B. Prints both results and vrouter/kernel ratios.
#
# Usage (as root):  benches/linux_forwarding.sh [SECONDS]
# Needs iproute2 and iperf3. Builds the release binary unless VROUTER points at one.
set -euo pipefail
cd "$(dirname "$0")/.."

SECS=${1:-5}
[ "$(id -u)" = 0 ] || { echo "linux_forwarding.sh: needs root (network namespaces)" >&2; exit 1; }
for t in ip iperf3; do
    command -v $t >/dev/null || { echo "linux_forwarding.sh: $t is missing (apt-get install iproute2 iperf3)" >&2; exit 1; }
done
if [ -z "${VROUTER:-}" ]; then
    cargo build --release --quiet --bin vrouter
    VROUTER=target/release/vrouter
fi

P=$$
A=vrb-a-$P; R=vrb-r-$P; B=vrb-b-$P
MAC0=02:00:00:00:01:01; MAC1=02:00:00:00:02:01
VR_PID=

cleanup() {
    [ -n "$VR_PID" ] && kill "$VR_PID" 2>/dev/null || true
    for ns in $A $R $B; do
        ip netns pids $ns 2>/dev/null | xargs -r kill -9 2>/dev/null || true
        ip netns del $ns 2>/dev/null || true
    done
}
trap cleanup EXIT

for ns in $A $R $B; do ip netns add $ns; done
ip -n $A link add vA type veth peer name rA netns $R
ip -n $B link add vB type veth peer name rB netns $R
ip -n $R link set rA address $MAC0
ip -n $R link set rB address $MAC1
for ns in $A $R $B; do
    ip netns exec $ns sysctl -q -w net.ipv6.conf.all.disable_ipv6=1
    ip -n $ns link set lo up
done
ip -n $A addr add 10.10.1.2/24 dev vA; ip -n $A link set vA up; ip -n $A route add default via 10.10.1.1
ip -n $B addr add 10.10.2.2/24 dev vB; ip -n $B link set vB up; ip -n $B route add default via 10.10.2.1
ip -n $R link set rA up; ip -n $R link set rB up

# Runs one iperf3 client A -> B with a fresh one-shot server; prints its JSON.
iperf() {
    ip netns exec $B timeout $((SECS + 20)) iperf3 -s -1 -B 10.10.2.2 >/dev/null 2>&1 &
    local srv=$!
    for _ in $(seq 50); do
        ip netns exec $B ss -ltn | grep -q ':5201 ' && break
        sleep 0.1
    done
    ip netns exec $A timeout $((SECS + 15)) iperf3 -c 10.10.2.2 -J -t "$SECS" --connect-timeout 3000 "$@" || true
    wait $srv 2>/dev/null || true
}

# The receiver's figures from iperf3's JSON: "bits_per_second" of sum_received (TCP) or of
# sum (UDP, with packets and lost_packets).
tcp_mbps() { python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.0f" % (d["end"]["sum_received"]["bits_per_second"]/1e6))'; }
udp_kpps() {
    python3 -c 'import json,sys
d=json.load(sys.stdin); s=d["end"]["sum"]
got=s["packets"]-s["lost_packets"]
print("%.0f %.1f" % (got/s["seconds"]/1e3, s["lost_percent"]))'
}

measure() {
    local name=$1
    ip netns exec $A ping -c 2 -W 2 10.10.2.2 >/dev/null || { echo "$name: no connectivity" >&2; return 1; }
    TCP[$name]=$(iperf | tcp_mbps)
    read -r UDP[$name] LOSS[$name] < <(iperf -u -b 0 -l 64 | udp_kpps)
    echo "$name: TCP ${TCP[$name]} Mbit/s, UDP 64 B ${UDP[$name]} kpps received (${LOSS[$name]}% lost)"
}
declare -A TCP UDP LOSS

# 1. The Linux kernel forwards.
ip -n $R addr add 10.10.1.1/24 dev rA
ip -n $R addr add 10.10.2.1/24 dev rB
ip netns exec $R sysctl -q -w net.ipv4.ip_forward=1
measure kernel

# 2. vrouter forwards: the router's devices lose their addresses, the kernel stops forwarding.
ip -n $R addr flush dev rA
ip -n $R addr flush dev rB
ip netns exec $R sysctl -q -w net.ipv4.ip_forward=0
for ns in $A $B; do ip -n $ns neigh flush all; done
ip netns exec $R "$VROUTER" run examples/netns-router.click IF0=rA IF1=rB MAC0=$MAC0 MAC1=$MAC1 \
    -h fd0.count -h fd0.kernel_drops -h td1.count -h td1.drops -h out1.drops >/tmp/vrouter-bench-$P.out 2>&1 &
VR_PID=$!
sleep 0.5
measure vrouter
kill -INT $VR_PID; wait $VR_PID || true; VR_PID=
echo "vrouter handlers: $(tr '\n' ' ' </tmp/vrouter-bench-$P.out)"
rm -f /tmp/vrouter-bench-$P.out

python3 - "${TCP[kernel]}" "${TCP[vrouter]}" "${UDP[kernel]}" "${UDP[vrouter]}" <<'EOF'
import sys
tk, tv, uk, uv = map(float, sys.argv[1:])
print()
print("%-22s %12s %12s %8s" % ("", "kernel", "vrouter", "ratio"))
print("%-22s %12.0f %12.0f %8.2f" % ("TCP Mbit/s", tk, tv, tv / tk if tk else 0))
print("%-22s %12.0f %12.0f %8.2f" % ("UDP 64 B kpps (recv)", uk, uv, uv / uk if uk else 0))
EOF
