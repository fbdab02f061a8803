#!/usr/bin/env bats
# Routed ("venet") addresses. Every test builds its own little world: a
# network namespace playing the host (vessel runs in it), one playing a
# client on the uplink, and a veth between them. Traffic goes only to
# addresses the test assigned; the real host's network is never touched.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { shared_template_setup; }

setup() {
    ct101_setup
    VH=vh$$-$BATS_TEST_NUMBER VC=vc$$-$BATS_TEST_NUMBER
    ip netns add "$VH"
    ip netns add "$VC"
    ip link add up0 netns "$VH" type veth peer name cl0 netns "$VC"
    ip -n "$VH" link set lo up
    ip -n "$VH" link set up0 up
    ip -n "$VC" link set lo up
    ip -n "$VC" link set cl0 up
    ip -n "$VH" addr add 198.51.100.1/24 dev up0
    ip -n "$VH" addr add 2001:db8:100::1/64 dev up0 nodad
    ip -n "$VC" addr add 198.51.100.2/24 dev cl0
    ip -n "$VC" addr add 2001:db8:100::2/64 dev cl0 nodad
    # The "host" routes for its containers, and answers NDP for them.
    ip netns exec "$VH" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
        net.ipv6.conf.up0.proxy_ndp=1
}

teardown() {
    local d
    for d in "$T"/run/*/; do
        [ -d "$d" ] && hv -q stop --fast "$(basename "$d")" >/dev/null 2>&1
    done
    per_test_teardown
    ip netns del "$VH" 2>/dev/null || true
    ip netns del "$VC" 2>/dev/null || true
}

# vessel, run in the "host" namespace.
hv() { nsenter --net="/run/netns/$VH" "$VESSEL_BIN" "$@"; }
client() { ip netns exec "$VC" "$@"; }
ping4() { client busybox ping -c1 -W2 "$1" >/dev/null; }
ping6() { client busybox ping6 -c1 -W2 "$1" >/dev/null; }

# Nothing of CT $1's network is left in the host namespace.
assert_net_clean() {
    local id=$1
    run ip -n "$VH" -o link show
    refute_output --partial "venet$id"
    run ip -n "$VH" neigh show proxy
    assert_output ""
    run ip -n "$VH" -6 neigh show proxy
    assert_output ""
    run ip -n "$VH" route
    refute_output --partial "198.51.100.7"
}

@test "a client on the uplink reaches a CT's IPv4 and IPv6 address: ping and TCP" {
    echo 'IP_ADDRESS="198.51.100.7 2001:db8:100::7"' >> "$T/conf/101.conf"
    run hv start 101
    assert_success
    refute_output --partial "WARNING"
    ping4 198.51.100.7
    ping6 2001:db8:100::7
    hv exec 101 sh -c 'echo hello-v4 | nc -l -p 8080 >/dev/null 2>&1 &'
    hv exec 101 sh -c 'echo hello-v6 | nc -l -p 8086 >/dev/null 2>&1 &'
    sleep 0.3
    run client busybox nc -w 3 198.51.100.7 8080 </dev/null
    assert_output hello-v4
    run client busybox nc -w 3 2001:db8:100::7 8086 </dev/null
    assert_output hello-v6
    # Inside: loopback up, venet0 with the address, the default route.
    run hv exec 101 ip -o addr show dev lo
    assert_output --partial "127.0.0.1"
    run hv exec 101 ip -o addr show dev venet0
    assert_output --partial "198.51.100.7/32"
    assert_output --partial "2001:db8:100::7/128"
    run hv exec 101 ip route
    assert_output --partial "default via 169.254.0.1 dev venet0"
    # The host end carries no address of its own (only IPv6 link-local).
    run ip -n "$VH" -o -4 addr show dev venet101
    assert_output ""
}

@test "CT to CT, CT to host and host to CT" {
    echo 'IP_ADDRESS="198.51.100.7"' >> "$T/conf/101.conf"
    vessel -q create 102 --hostname ct102.example.com
    echo 'IP_ADDRESS="198.51.100.8 2001:db8:100::8"' >> "$T/conf/102.conf"
    hv -q start 101
    hv -q start 102
    hv exec 101 ping -c1 -W2 198.51.100.8
    hv exec 102 ping -c1 -W2 198.51.100.7
    hv exec 101 ping -c1 -W2 198.51.100.1
    ip netns exec "$VH" busybox ping -c1 -W2 198.51.100.8 >/dev/null
    ip netns exec "$VH" busybox ping6 -c1 -W2 2001:db8:100::8 >/dev/null
}

@test "--ipadd and --ipdel on a running CT take effect at once" {
    hv -q start 101
    cp "$T/conf/101.conf" "$T/before.conf"
    run hv set 101 --ipadd 198.51.100.9 --ipadd 2001:db8:100::9
    assert_success
    ping4 198.51.100.9
    ping6 2001:db8:100::9
    cmp "$T/conf/101.conf" "$T/before.conf"
    run hv set 101 --ipdel 198.51.100.9
    assert_success
    ! ping4 198.51.100.9
    ping6 2001:db8:100::9
    run ip -n "$VH" neigh show proxy
    refute_output --partial "198.51.100.9"
    run ip -n "$VH" route
    refute_output --partial "198.51.100.9"
    run hv set 101 --ipadd 198.51.100.10 --save
    assert_success
    grep -q '^IP_ADDRESS="198.51.100.10"' "$T/conf/101.conf"
    ping4 198.51.100.10
    run hv set 101 --ipdel all --save
    grep -q '^IP_ADDRESS=""' "$T/conf/101.conf"
    ! ping4 198.51.100.10
}

@test "an address another CT holds is refused with 78, and nothing changes" {
    echo 'IP_ADDRESS="198.51.100.7"' >> "$T/conf/101.conf"
    vessel -q create 102 --hostname ct102.example.com
    hv -q start 101
    cp "$T/conf/102.conf" "$T/before.conf"
    run hv set 102 --ipadd 198.51.100.7 --save
    assert_equal "$status" 78
    assert_output --partial "198.51.100.7 is already used by CT 101"
    cmp "$T/conf/102.conf" "$T/before.conf"
    # Also at start, for a config edited by hand.
    echo 'IP_ADDRESS="198.51.100.7"' >> "$T/conf/102.conf"
    run hv start 102
    assert_equal "$status" 78
    run vessel status 102
    assert_output --partial down
    ping4 198.51.100.7
}

@test "bad addresses are refused with 21 and change nothing" {
    hv -q start 101
    cp "$T/conf/101.conf" "$T/before.conf"
    run hv set 101 --ipadd 300.1.2.3 --save
    assert_equal "$status" 21
    assert_output --partial "300.1.2.3"
    run hv set 101 --ipadd 198.51.100.7/33 --save
    assert_equal "$status" 21
    run hv set 101 --ipadd 198.51.100.9 --ipadd nonsense --save
    assert_equal "$status" 21
    cmp "$T/conf/101.conf" "$T/before.conf"
    ! ping4 198.51.100.9
    run ip -n "$VH" neigh show proxy
    assert_output ""
}

@test "after stop, and after init dies on its own, no route, proxy or link is left" {
    echo 'IP_ADDRESS="198.51.100.7 2001:db8:100::7"' >> "$T/conf/101.conf"
    hv -q start 101
    ping4 198.51.100.7
    hv -q stop 101
    assert_net_clean 101
    hv -q start 101
    ping4 198.51.100.7
    # init dies on its own (as if it crashed); the monitor cleans up.
    kill -KILL "$(run_state_field 101 init.pid)"
    for _ in $(seq 50); do [ ! -e "$T/run/101" ] && break; sleep 0.1; done
    [ ! -e "$T/run/101" ]
    assert_net_clean 101
    ! ping4 198.51.100.7
}

@test "a reboot inside the CT brings its addresses back" {
    echo 'IP_ADDRESS="198.51.100.7"' >> "$T/conf/101.conf"
    hv -q start 101
    local old
    old=$(run_state_field 101 init.pid)
    hv exec 101 reboot
    for _ in $(seq 100); do
        new=$(run_state_field 101 init.pid 2>/dev/null)
        [ -n "$new" ] && [ "$new" != "$old" ] && break
        sleep 0.1
    done
    [ "$new" != "$old" ]
    for _ in $(seq 30); do ping4 198.51.100.7 && break; sleep 0.2; done
    ping4 198.51.100.7
}

@test "30 CTs with addresses start and stop in parallel without interference" {
    local i
    for i in $(seq 201 230); do
        vessel -q create "$i" --hostname "ct$i.example.com"
        echo "IP_ADDRESS=\"198.51.100.$((i - 150))\"" >> "$T/conf/$i.conf"
    done
    for i in $(seq 201 230); do hv -q start "$i" & done
    wait
    for i in $(seq 201 230); do
        ping4 "198.51.100.$((i - 150))" || fail "CT $i unreachable"
        run hv exec "$i" ip -o -4 addr show dev venet0
        assert_output --partial "198.51.100.$((i - 150))/32"
    done
    for i in $(seq 201 230); do hv -q stop --fast "$i" & done
    wait
    run ip -n "$VH" -o link show
    refute_output --partial venet2
    run ip -n "$VH" neigh show proxy
    assert_output ""
}

@test "the CT may change its own network sysctls, not the host's" {
    hv -q start 101
    local before
    before=$(ip netns exec "$VH" sysctl -n net.ipv4.conf.all.rp_filter)
    hv exec 101 sh -c 'echo 2 > /proc/sys/net/ipv4/conf/all/rp_filter'
    [ "$(hv exec 101 cat /proc/sys/net/ipv4/conf/all/rp_filter)" = 2 ]
    [ "$(ip netns exec "$VH" sysctl -n net.ipv4.conf.all.rp_filter)" = "$before" ]
}

@test "bridged veth: two CTs on one bridge reach each other; names and MACs are stable" {
    ip -n "$VH" link add br0 type bridge
    ip -n "$VH" link set br0 up
    vessel -q create 102 --hostname ct102.example.com
    run hv set 101 --netif_add eth0,,,,br0 --save
    assert_success
    hv set 102 --netif_add eth0,,,,br0 --save
    hv set 101 --ifname eth0 --ipadd 10.20.0.1/24 --ipadd fd00:20::1/64 --save
    hv set 102 --ifname eth0 --ipadd 10.20.0.2/24 --ipadd fd00:20::2/64 --save
    # The generated MACs are in the config, from vzctl's OUI.
    run grep '^NETIF=' "$T/conf/101.conf"
    assert_output --regexp 'ifname=eth0,mac=00:18:51:[0-9a-f:]{8},host_ifname=veth101\.0,host_mac=00:18:51:[0-9a-f:]{8},bridge=br0,ip=10\.20\.0\.1/24,ip=fd00:20::1/64'
    local netif=$output
    hv -q start 101
    hv -q start 102
    run ip -n "$VH" -o link show master br0
    assert_output --partial veth101.0
    assert_output --partial veth102.0
    hv exec 101 ping -c1 -W2 10.20.0.2
    hv exec 102 ping6 -c1 -W2 fd00:20::1
    # Stable: the same MAC inside as in the config, on every start.
    local mac
    mac=$(sed -E 's/.*ifname=eth0,mac=([0-9a-f:]+),.*/\1/' <<<"$netif")
    run hv exec 101 cat /sys/class/net/eth0/address
    assert_output "$mac"
    hv -q restart 101
    run hv exec 101 cat /sys/class/net/eth0/address
    assert_output "$mac"
}

@test "bridged veth: added and removed live, with a gateway; nothing left after stop" {
    ip -n "$VH" link add br0 type bridge
    ip -n "$VH" link set br0 up
    ip -n "$VH" addr add 10.30.0.254/24 dev br0
    hv -q start 101
    run hv set 101 --netif_add eth1,,,,br0 --save
    assert_success
    run ip -n "$VH" -o link show master br0
    assert_output --partial veth101.1
    run hv set 101 --ifname eth1 --ipadd 10.30.0.5/24 --gw 10.30.0.254
    assert_success
    hv exec 101 ping -c1 -W2 10.30.0.254
    run hv exec 101 ip route
    assert_output --partial "default via 10.30.0.254 dev eth1"
    run hv set 101 --netif_del eth1 --save
    assert_success
    run ip -n "$VH" -o link show
    refute_output --partial veth101.1
    hv set 101 --netif_add eth1,,,,br0
    hv -q stop 101
    run ip -n "$VH" -o link show
    refute_output --partial veth101
}

@test "bridged veth: bad names, MACs and clashes are refused with 21 and change nothing" {
    ip -n "$VH" link add veth101.0 type veth peer name clash-peer
    cp "$T/conf/101.conf" "$T/before.conf"
    run hv set 101 --netif_add averyveryverylongname --save
    assert_equal "$status" 21
    assert_output --partial "1 to 15 characters"
    run hv set 101 --netif_add eth0,01:02:03:04:05:06 --save
    assert_equal "$status" 21
    assert_output --partial "multicast"
    run hv set 101 --netif_add eth0,zz:02:03:04:05:06 --save
    assert_equal "$status" 21
    run hv set 101 --netif_add eth0 --save
    assert_equal "$status" 21
    assert_output --partial "the host has a device of that name"
    run hv set 101 --ifname eth9 --ipadd 10.0.0.1/24 --save
    assert_equal "$status" 21
    run hv set 101 --gw 10.0.0.1 --save
    assert_equal "$status" 20
    cmp "$T/conf/101.conf" "$T/before.conf"
}

@test "a network step that fails at start rolls the whole start back" {
    echo 'IP_ADDRESS="198.51.100.7"' >> "$T/conf/101.conf"
    # The bridge does not exist: the second interface fails after venet0
    # and the first interface were made.
    echo 'NETIF="ifname=eth0;ifname=eth1,bridge=nosuchbr0"' >> "$T/conf/101.conf"
    run hv start 101
    assert_failure
    assert_output --partial "nosuchbr0"
    run vessel status 101
    assert_output "CTID 101 exist unmounted down"
    [ ! -e "$T/run/101" ]
    run ip -n "$VH" -o link show
    refute_output --partial venet101
    refute_output --partial veth101
    run ip -n "$VH" neigh show proxy
    assert_output ""
    local d
    for d in $(test_cgroup_dirs); do [ ! -e "$d/101" ] || fail "cgroup $d/101 left"; done
}

@test "a host device that already has the CT's venet name is not touched: start fails and says why" {
    ip -n "$VH" link add venet101 type veth peer name someone-else
    run hv start 101
    assert_failure
    assert_output --partial "host device venet101 exists already"
    run ip -n "$VH" -o link show venet101
    assert_success
    [ ! -e "$T/run/101" ]
}
