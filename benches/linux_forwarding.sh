#!/usr/bin/env bash
# Forwarding performance: the Linux kernel (ip_forward=1) against `vrouter run`, on the same
# topology, in one run.
#
#   host A (10.10.1.2) --veth-- router (rA, rB) --veth-- host B (10.10.2.2)
#
# Three private network namespaces, addresses that exist only inside them. For each
# forwarder: an iperf3 TCP transfer (A -> B), and an iperf3 UDP stream of 64-byte payloads at
# full speed (A -> B) for which we report two rates: packets the router put on its B-side
# device per second (the forwarding rate; read from the device's tx_packets), and packets
# host B's iperf3 received per second (lower when host B itself cannot keep up). Prints all
# and the vrouter/kernel ratios. Forwarders: the kernel; vrouter with FromDevice/ToDevice
# (AF_PACKET, memory-mapped rings), with and without GSO pass-through (whose receive rings
# are TPACKET_V2 by default, V3 otherwise); GSO pass-through with TPACKET_V3 receive rings
# (gso-v3; NO_V3_RUNS=1 skips it); the same with RING
# false (recvmmsg/sendmmsg; NO_SYSCALL_RUNS=1 skips them); and, if the binary has the af_xdp
# feature, vrouter with FromXDPDevice/ToXDPDevice (copy mode, FIX_CHECKSUMS).
#
# Usage (as root):  benches/linux_forwarding.sh [SECONDS]
# Needs iproute2, iputils-ping and iperf3. Builds the release binary (with af_xdp) unless
# VROUTER points at one. On a machine with few cores the clients, the servers and the router
# compete for CPU: compare the columns of one run, not runs on different machines.
set -euo pipefail
cd "$(dirname "$0")/.."

SECS=${1:-5}
[ "$(id -u)" = 0 ] || { echo "linux_forwarding.sh: needs root (network namespaces)" >&2; exit 1; }
for t in ip iperf3; do
    command -v $t >/dev/null || { echo "linux_forwarding.sh: $t is missing (apt-get install iproute2 iperf3)" >&2; exit 1; }
done
if [ -z "${VROUTER:-}" ]; then
    cargo build --release --quiet --features af_xdp --bin vrouter
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

tx_packets() { ip netns exec $R cat /sys/class/net/rB/statistics/tx_packets; }

measure() {
    local name=$1
    ip netns exec $A ping -c 2 -W 2 10.10.2.2 >/dev/null || { echo "$name: no connectivity" >&2; return 1; }
    TCP[$name]=$(iperf | tcp_mbps)
    local before after t0 t1
    before=$(tx_packets); t0=$(date +%s.%N)
    read -r UDP[$name] LOSS[$name] < <(iperf -u -b 0 -l 64 | udp_kpps)
    after=$(tx_packets); t1=$(date +%s.%N)
    # The forwarding rate over the stream's own duration (the stream starts after a short
    # set-up, so this slightly underestimates).
    FWD[$name]=$(python3 -c "print('%.0f' % (($after - $before) / $SECS / 1e3))")
    echo "$name: TCP ${TCP[$name]} Mbit/s; UDP 64 B: ${FWD[$name]} kpps forwarded, ${UDP[$name]} kpps received by B (${LOSS[$name]}% lost)"
}
declare -A TCP UDP LOSS FWD

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
OUT=$(mktemp)
run_vrouter() {
    local name=$1 config=$2; shift 2
    for ns in $A $B; do ip -n $ns neigh flush all; done
    ip netns exec $R "$VROUTER" run -e "$config" IF0=rA IF1=rB MAC0=$MAC0 MAC1=$MAC1 "$@" \
        -h fd0.count -h fd0.drops -h fd0.kernel_drops -h td1.count -h td1.drops -h out1.drops >"$OUT" 2>&1 &
    VR_PID=$!
    sleep 1
    measure "$name" || true
    kill -INT $VR_PID; wait $VR_PID || true; VR_PID=
    echo "  $name handlers: $(tr '\n' ' ' <"$OUT")"
}
CONFIG=$(cat examples/netns-router.click)
run_vrouter vrouter "$CONFIG"
run_vrouter vrouter-gso "$CONFIG" GSO=true MTU=65535
NAMES="kernel vrouter vrouter-gso"
# GSO pass-through with TPACKET_V3 receive rings (the default without GSO) instead of V2:
# a V3 block waits up to 1 ms to fill, which delays host B's ACKs (NO_V3_RUNS=1 skips it).
if [ -z "${NO_V3_RUNS:-}" ]; then
    V3_CONFIG=$(sed -e 's/SNIFFER \$SNIFFER, GSO \$GSO)/SNIFFER $SNIFFER, GSO $GSO, RING_VERSION 3)/' examples/netns-router.click)
    run_vrouter gso-v3 "$V3_CONFIG" GSO=true MTU=65535
    NAMES="$NAMES gso-v3"
fi
# The same with RING false: recvmmsg/sendmmsg instead of the memory-mapped rings.
if [ -z "${NO_SYSCALL_RUNS:-}" ]; then
    SYSCALL_CONFIG=$(sed -e 's/GSO \$GSO)/GSO $GSO, RING false)/' examples/netns-router.click)
    run_vrouter noring "$SYSCALL_CONFIG"
    run_vrouter gso-noring "$SYSCALL_CONFIG" GSO=true MTU=65535
    NAMES="$NAMES noring gso-noring"
fi
if "$VROUTER" elements FromXDPDevice >/dev/null 2>&1; then
    XDP_CONFIG=$(sed -e 's/FromDevice(\$IF\([01]\), BURST \$BURST, SNIFFER \$SNIFFER, GSO \$GSO)/FromXDPDevice($IF\1, MODE copy, FIX_CHECKSUMS true)/' \
                     -e 's/ToDevice(\$IF\([01]\), BURST \$BURST, GSO \$GSO)/ToXDPDevice($IF\1, MODE copy)/' examples/netns-router.click)
    run_vrouter vrouter-xdp "$XDP_CONFIG"
    NAMES="$NAMES vrouter-xdp"
fi
rm -f "$OUT"

echo
printf "%-30s" ""; for n in $NAMES; do printf "%13s" "$n"; done; printf "%13s%13s\n" "ratio" "ratio-gso"
ratio() { python3 -c "import sys; k, v = float(sys.argv[1] or 0), float(sys.argv[2] or 0); print('%.2f' % (v / k) if k else 'n/a')" "$1" "$2"; }
row() {
    local label=$1; shift; local -n arr=$1
    printf "%-30s" "$label"
    for n in $NAMES; do printf "%13s" "${arr[$n]:-n/a}"; done
    printf "%13s%13s\n" "$(ratio "${arr[kernel]:-0}" "${arr[vrouter]:-0}")" "$(ratio "${arr[kernel]:-0}" "${arr[vrouter-gso]:-0}")"
}
row "TCP Mbit/s (received)" TCP
row "UDP 64 B kpps forwarded" FWD
row "UDP 64 B kpps received by B" UDP
echo "(ratio: vrouter / kernel; ratio-gso: vrouter with GSO pass-through / kernel)"
