#!/usr/bin/env bats
# Device access: the allowlist every container gets (v1 devices cgroup and
# a cgroup2 BPF program), --devnodes and --devices at start and live, and
# refusal of bad input. Host block devices are only ever read, never
# written; /dev/net/tun is only opened.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { shared_template_setup; }
setup() { ct101_setup; }
teardown() { per_test_teardown; }

# MAJ MIN of a block device of the host (the first one /sys lists).
host_block_device() {
    local first
    first=$(ls /sys/dev/block | head -n1)
    [ -n "$first" ] || skip "no block device on this host"
    echo "${first%%:*} ${first##*:}"
}

@test "the default nodes work: null, zero, urandom, a pty" {
    vessel start 101 --wait
    run vessel exec 101 sh -c 'echo x > /dev/null && head -c1 /dev/zero | wc -c && head -c1 /dev/urandom | wc -c'
    assert_success
    assert_output $'1\n1'
    # A pty: the multiplexer opens, and a command on a pty opens its own
    # /dev/pts/N by name.
    run vessel exec 101 sh -c 'exec 3<>/dev/ptmx && echo ptmx-ok'
    assert_success
    assert_output "ptmx-ok"
    run script -qec "'$VESSEL_BIN' exec -t 101 sh -c 'echo pty-ok > \$(tty)'" /dev/null
    assert_success
    assert_output --partial "pty-ok"
}

@test "a host block device made with mknod cannot be read" {
    read -r maj min < <(host_block_device)
    vessel start 101 --wait
    # CT root keeps mknod (OpenVZ's default set), and a node alone opens nothing.
    run vessel exec 101 mknod /dev/sdx b "$maj" "$min"
    assert_success
    run vessel exec 101 head -c1 /dev/sdx
    assert_failure
    assert_output --partial "Operation not permitted"
    # The same for a host character device outside the list (/dev/mem).
    run vessel exec 101 sh -c 'mknod /dev/mem c 1 1 && head -c1 /dev/mem'
    assert_failure
    assert_output --partial "Operation not permitted"
}

@test "the rules are in force before init: the v1 list is the allowlist" {
    vessel start 101
    local d found=
    for d in $(test_cgroup_dirs); do
        [ -e "$d/101/devices.list" ] || continue
        found=1
        run cat "$d/101/devices.list"
        refute_output --partial "a *:* rwm"
        assert_output --partial "c 1:3 rw"
        assert_output --partial "c 136:* rw"
    done
    [ -n "$found" ] || skip "no v1 devices hierarchy"
}

@test "--devnodes net/tun:rw makes /dev/net/tun usable, live and at the next start; none removes it" {
    [ -c /dev/net/tun ] || skip "no /dev/net/tun on the host"
    vessel start 101 --wait
    # Without it, even a node made by hand does not open.
    run vessel exec 101 sh -c 'mkdir -p /dev/net && mknod /dev/net/tun c 10 200 && exec 3<>/dev/net/tun'
    assert_failure
    assert_output --partial "Operation not permitted"
    vessel exec 101 rm /dev/net/tun

    run vessel set 101 --devnodes net/tun:rw --save
    assert_success
    grep -q '^DEVNODES="net/tun:rw"' "$T/conf/101.conf"
    run vessel exec 101 sh -c 'test -c /dev/net/tun && exec 3<>/dev/net/tun && echo opened'
    assert_success
    assert_output "opened"

    vessel stop 101
    vessel start 101 --wait
    run vessel exec 101 sh -c 'ls -l /dev/net/tun && exec 3<>/dev/net/tun && echo opened'
    assert_success
    assert_output --partial "10, 200"
    assert_output --partial "opened"

    run vessel set 101 --devnodes net/tun:none --save
    assert_success
    run vessel exec 101 test -e /dev/net/tun
    assert_failure
    run vessel exec 101 sh -c 'mknod /dev/net/tun c 10 200 && exec 3<>/dev/net/tun'
    assert_failure
    assert_output --partial "Operation not permitted"
    grep -q '^DEVNODES=""' "$T/conf/101.conf"
}

@test "--devices c:1:9:none takes /dev/urandom away live; c:1:9:rw gives it back" {
    vessel start 101 --wait
    run vessel set 101 --devices c:1:9:none
    assert_success
    run vessel exec 101 head -c1 /dev/urandom
    assert_failure
    assert_output --partial "Operation not permitted"
    # Its neighbour is untouched.
    run vessel exec 101 sh -c 'head -c1 /dev/random | wc -c'
    assert_output "1"
    run vessel set 101 --devices c:1:9:rw
    assert_success
    run vessel exec 101 sh -c 'head -c1 /dev/urandom | wc -c'
    assert_success
    assert_output "1"
}

@test "DEVICES in the config applies at start" {
    echo 'DEVICES="c:1:9:none"' >> "$T/conf/101.conf"
    vessel start 101 --wait
    run vessel exec 101 head -c1 /dev/urandom
    assert_failure
    assert_output --partial "Operation not permitted"
}

@test "bad device input is refused with 21, naming it, and nothing changes" {
    vessel start 101 --wait
    cp "$T/conf/101.conf" "$T/before.conf"
    local bad
    for bad in "--devnodes nosuchdevice:rw" "--devnodes net/tun:rx" "--devnodes ../etc/passwd:rw" \
               "--devnodes null:r" "--devices c:1:9:bad" "--devices c:4096:0:rw" "--devices x:1:9:rw" \
               "--devices c:1:99999999:r"; do
        # shellcheck disable=SC2086
        run vessel set 101 $bad --devices c:1:9:none --save
        assert_failure 21
        assert_output --partial "${bad#* }"
    done
    cmp "$T/conf/101.conf" "$T/before.conf"
    # The running CT kept its rules: the valid --devices given with each was not applied.
    run vessel exec 101 sh -c 'head -c1 /dev/urandom | wc -c'
    assert_output "1"
}

@test "a DEVNODES name the host lacks fails the start with 21 and leaves nothing running" {
    echo 'DEVNODES="nosuchdevice:rw"' >> "$T/conf/101.conf"
    run vessel start 101
    assert_failure 21
    assert_output --partial "nosuchdevice"
    run vessel status 101
    assert_output --partial "down"
}
