#!/usr/bin/env bats
# Beancounter limits on the process container: applied at start from the
# config, changed live by `vessel set`, enforced by the kernel.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { shared_template_setup; }
setup() { ct101_setup; }
teardown() { per_test_teardown; }

# The CT's directory in the v1 hierarchy of controller $1 (or cgroup2 for "").
ct_cgroup() {
    local ctrl=$1 d
    for d in $(test_cgroup_dirs); do
        case $ctrl in
        "") [ "$(stat -f -c %T "$d")" = cgroup2fs ] && { echo "$d/101"; return 0; } ;;
        *) [ -e "$d/101/$ctrl.procs" ] || [ -n "$(ls "$d/101" 2>/dev/null | grep "^$ctrl\.")" ] && { echo "$d/101"; return 0; } ;;
        esac
    done
    return 1
}

knob() { cat "$(ct_cgroup "${1%%.*}")/$1"; }

@test "start applies the configured limits before init runs" {
    cat >> "$T/conf/101.conf" <<'EOF'
NUMPROC="64:64"
PHYSPAGES="0:64M"
SWAPPAGES="0:32M"
CPUUNITS="2000"
CPULIMIT="25"
LOCKEDPAGES="16:32"
IOPRIO="6"
EOF
    vessel start 101
    [ "$(knob pids.max)" = 64 ]
    [ "$(knob memory.limit_in_bytes)" = $((64 << 20)) ]
    [ "$(knob memory.memsw.limit_in_bytes)" = $((96 << 20)) ]
    [ "$(knob cpu.shares)" = 2048 ]
    [ "$(knob cpu.cfs_quota_us)" = 25000 ]
    [ "$(knob cpu.cfs_period_us)" = 100000 ]
    # Per-process limits: init and every exec'd process carry them.
    run vessel exec 101 grep 'Max locked memory' /proc/1/limits
    assert_output --regexp "Max locked memory +65536 +131072 +bytes"
    run vessel exec 101 grep 'Max locked memory' /proc/self/limits
    assert_output --regexp "Max locked memory +65536 +131072 +bytes"
    vessel exec 101 sleep 100 &
    local pid="" p
    for _ in $(seq 50); do
        for p in $(cat "$(ct_cgroup pids)/cgroup.procs"); do
            [ "$(cat "/proc/$p/comm" 2>/dev/null)" = sleep ] && pid=$p
        done
        [ -n "$pid" ] && break
        sleep 0.1
    done
    [ -n "$pid" ]
    run ionice -p "$pid"
    assert_output "best-effort: prio 6"
    run ionice -p "$(run_state_field 101 init.pid)"
    assert_output "best-effort: prio 6"
    vessel stop --fast 101
    wait || true
}

@test "set changes a running CT's kernel files; --save changes only those keys" {
    vessel start 101
    cp "$T/conf/101.conf" "$T/before.conf"
    run vessel set 101 --numproc 100:120 --cpulimit 50 --ram 128M --swap 0
    assert_success
    [ "$(knob pids.max)" = 120 ]
    [ "$(knob cpu.cfs_quota_us)" = 50000 ]
    [ "$(knob memory.limit_in_bytes)" = $((128 << 20)) ]
    [ "$(knob memory.memsw.limit_in_bytes)" = $((128 << 20)) ]
    # Not saved: the config is byte for byte what it was.
    cmp "$T/conf/101.conf" "$T/before.conf"
    run vessel set 101 --numproc 200 --save
    assert_success
    [ "$(knob pids.max)" = 200 ]
    run diff "$T/before.conf" "$T/conf/101.conf"
    assert_output --partial 'NUMPROC="200"'
    [ "$(diff "$T/before.conf" "$T/conf/101.conf" | grep -c '^[<>]')" -le 2 ]
    # Raising memory above memory+swap needs memsw first; the kernel accepts it.
    run vessel set 101 --ram 512M
    assert_success
    [ "$(knob memory.limit_in_bytes)" = $((512 << 20)) ]
    [ "$(knob memory.memsw.limit_in_bytes)" = $((512 << 20)) ]
}

@test "set on a stopped CT applies nothing and says so; --save writes the config" {
    run vessel set 101 --numproc 77
    assert_success
    assert_output --partial "nothing was applied"
    ! grep -q NUMPROC=\"77\" "$T/conf/101.conf"
    run vessel set 101 --numproc 77 --save
    assert_success
    grep -q 'NUMPROC="77"' "$T/conf/101.conf"
    vessel start 101
    [ "$(knob pids.max)" = 77 ]
}

@test "invalid values are refused before anything changes" {
    vessel start 101
    cp "$T/conf/101.conf" "$T/before.conf"
    local pids mem
    pids=$(knob pids.max) mem=$(knob memory.limit_in_bytes)
    run vessel set 101 --numproc 50 --ram 12x --save
    assert_equal "$status" 21
    assert_output --partial "PHYSPAGES"
    run vessel set 101 --numproc 10:5 --save
    assert_equal "$status" 21
    assert_output --partial "NUMPROC"
    run vessel set 101 --numproc 50 --cpumask 5-1 --save
    assert_equal "$status" 21
    assert_output --partial "CPUMASK"
    run vessel set 101 --numproc 50 --ioprio 9 --save
    assert_equal "$status" 21
    run vessel set 101 --bogus 1
    assert_equal "$status" 20
    run vessel set 101
    assert_equal "$status" 20
    [ "$(knob pids.max)" = "$pids" ]
    [ "$(knob memory.limit_in_bytes)" = "$mem" ]
    cmp "$T/conf/101.conf" "$T/before.conf"
}

@test "a write the kernel refuses rolls back the earlier ones" {
    vessel start 101
    # 24 MiB of anonymous memory that cannot go anywhere: no swap is allowed.
    vessel set 101 --swap 0
    vessel exec 101 sh -c 'dd if=/dev/zero bs=24M count=1 2>/dev/null | sleep 1000 &'
    vessel exec 101 sh -c 'x=$(head -c 20000000 /dev/zero | tr "\0" a); echo ${#x} > /dev/null; sleep 1000' &
    sleep 2
    local before
    before=$(knob pids.max)
    # pids.max is written first, then the memory limit fails (EBUSY).
    run vessel set 101 --numproc 333 --ram 4M
    assert_failure
    assert_output --partial "nothing was changed"
    [ "$(knob pids.max)" = "$before" ]
    [ "$(knob memory.limit_in_bytes)" != $((4 << 20)) ]
    vessel stop --fast 101
    wait || true
}

@test "a fork bomb with NUMPROC=64 stays within 64 tasks; failcnt rises; the host is fine" {
    echo 'NUMPROC="64:64"' >> "$T/conf/101.conf"
    vessel start 101
    timeout 20 "$VESSEL_BIN" exec 101 sh -c 'bomb() { bomb | bomb & }; bomb; sleep 15' >/dev/null 2>&1 &
    # The bomb has hit the limit once the kernel has refused a fork for it
    # (pids.events "max"); until then, and for a while after, the count is
    # sampled and must never pass 64. No pace is assumed: a loaded machine
    # only makes the wait longer.
    local max=0 n hit="" i
    for i in $(seq 300); do
        n=$(knob pids.current)
        [ "$n" -gt "$max" ] && max=$n
        if [ -z "$hit" ] && knob pids.events | grep -Eq '^max [1-9]'; then hit=$i; fi
        [ -n "$hit" ] && [ $((i - hit)) -ge 10 ] && break
        sleep 0.1
    done
    [ -n "$hit" ] || fail "the bomb never reached the limit (most seen: $max)"
    [ "$max" -le 64 ]
    # The host still starts processes at once.
    timeout 5 true
    vessel stop --fast 101
    wait || true
}

@test "a memory hog with --ram 64M --swap 0 is stopped at the limit; the host's processes are not touched" {
    vessel start 101
    vessel set 101 --ram 64M --swap 0
    sleep 1000 &
    local bystander=$!
    # awk keeps growing a string until the kernel stops it.
    run vessel exec 101 awk 'BEGIN { s = "x"; while (1) s = s s }'
    assert_equal "$status" 137
    kill -0 "$bystander"
    kill "$bystander"
    [ "$(knob memory.max_usage_in_bytes)" -le $((64 << 20)) ]
    # The kernel OOM-killed inside the CT. (Linux 6.18 leaves v1's
    # memory.failcnt at 0 here; the OOM kill count is what rises.)
    run knob memory.oom_control
    assert_output --regexp "oom_kill [1-9]"
    # ... and vessel ubc reports it as physpages' failcnt.
    run bash -c "'$VESSEL_BIN' ubc -j 101 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"physpages\"][\"failcnt\"])'"
    assert_success
    [ "$output" -ge 1 ]
}

@test "--cpulimit 25 holds a busy loop near a quarter of one CPU" {
    vessel start 101
    vessel set 101 --cpulimit 25
    local acct
    acct=$(ct_cgroup cpuacct)
    vessel exec 101 sh -c 'while :; do :; done' &
    local loop=$!
    sleep 1
    local u0 t0 u1 t1
    u0=$(cat "$acct/cpuacct.usage") t0=$(date +%s%N)
    sleep 4
    u1=$(cat "$acct/cpuacct.usage") t1=$(date +%s%N)
    kill "$loop" 2>/dev/null || true
    vessel stop --fast 101
    wait || true
    local pct=$(( (u1 - u0) * 100 / (t1 - t0) ))
    echo "CPU use: $pct%" >&3
    [ "$pct" -ge 15 ]
    [ "$pct" -le 32 ]
}

# Runs "$@" in the background and checks that it adds exactly one task to
# the CT's process container.
expect_charged_one_task() {
    local before
    before=$(knob pids.current)
    "$@" &
    for _ in $(seq 50); do [ "$(knob pids.current)" -gt "$before" ] && break; sleep 0.1; done
    [ "$(knob pids.current)" -eq $((before + 1)) ]
    vessel stop --fast 101
    wait || true
}

@test "processes started by exec are charged to the CT" {
    echo 'NUMPROC="64:64"' >> "$T/conf/101.conf"
    vessel start 101
    expect_charged_one_task vessel exec 101 sleep 100
}

@test "processes started by enter are charged to the CT too" {
    vessel start 101
    expect_charged_one_task script -qec "'$VESSEL_BIN' enter 101 --exec sleep 100" /dev/null
}

@test "I/O limits throttle the disk of the private area; --ioprio reaches running processes" {
    vessel start 101
    local dev sys
    dev=$(stat -c '%Hd:%Ld' "$T/private/101")
    sys=/sys/dev/block/$dev
    [ -e "$sys" ] || skip "the test directory is not on a block device"
    # Throttling takes the whole disk, not a partition.
    [ -e "$sys/partition" ] && dev=$(cat "$(readlink -f "$sys")/../dev")
    run vessel set 101 --iolimit 1M --iopslimit 100
    assert_success
    grep -qx "$dev 1048576" "$(ct_cgroup blkio)/blkio.throttle.read_bps_device"
    grep -qx "$dev 1048576" "$(ct_cgroup blkio)/blkio.throttle.write_bps_device"
    grep -qx "$dev 100" "$(ct_cgroup blkio)/blkio.throttle.read_iops_device"
    run vessel set 101 --iolimit 0 --iopslimit 0
    ! grep -q "^$dev " "$(ct_cgroup blkio)/blkio.throttle.read_bps_device"
    # The running init's I/O priority changes at once.
    local init
    init=$(run_state_field 101 init.pid)
    vessel set 101 --ioprio 2
    run ionice -p "$init"
    assert_output "best-effort: prio 2"
}
