#!/usr/bin/env bats
# /proc, /sys and the cgroup view inside a CT: what container root may not
# read or change there, and templates whose proc, sys or dev point at the
# host. Every attempt runs as CT root through `vessel exec`, must fail, and
# must leave the host as it was. Payloads are harmless: SysRq gets "h" (help),
# sysctls get their current value back.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { shared_template_setup; }
setup() { ct101_setup; }
teardown() { per_test_teardown; }

# Masked paths (ns/proc_mask.cpp) that this host's kernel has.
masked_paths() {
    local p
    for p in /proc/kcore /proc/keys /proc/timer_list /proc/timer_stats /proc/sched_debug /proc/latency_stats \
        /proc/acpi /proc/asound /proc/scsi /sys/firmware /sys/devices/virtual/powercap; do
        [ -e "$p" ] && echo "$p"
    done
    return 0
}

# The v1 hierarchy directory of controller $1 inside the CT, or the cgroup2
# top on a v2 host.
ct_cgroup_dir() {
    if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then echo /sys/fs/cgroup; else echo "/sys/fs/cgroup/$1"; fi
}

@test "masked kernel files read nothing inside: /dev/null on files, an empty read-only tmpfs on directories" {
    vessel start 101
    local p n=0
    for p in $(masked_paths); do
        n=$((n + 1))
        if [ -d "$p" ]; then
            run vessel exec 101 ls -A "$p"
            assert_success
            assert_output ""
            run vessel exec 101 touch "$p/x"
            assert_failure
            assert_output --partial "Read-only file system"
        else
            run vessel exec 101 stat -c '%F %t:%T' "$p"
            assert_output "character special file 1:3"
            run vessel exec 101 sh -c "head -c 4096 $p | wc -c"
            assert_output 0
        fi
    done
    [ "$n" -ge 3 ] || fail "only $n masked paths exist on this host"
    # /proc/kcore, explicitly, where the kernel has it: reading it gives
    # nothing (unmasked it is the host's memory, refused only for lack of
    # CAP_SYS_RAWIO).
    run vessel exec 101 sh -c 'head -c 64 /proc/kcore 2>/dev/null | wc -c'
    assert_output 0
}

@test "writing h to /proc/sysrq-trigger fails with EROFS" {
    [ -e /proc/sysrq-trigger ] || skip "kernel without SysRq"
    vessel start 101
    run vessel exec 101 sh -c 'echo h > /proc/sysrq-trigger'
    assert_failure
    assert_output --partial "Read-only file system"
}

@test "/proc/sys is read-only: kernel.hostname written back fails with EROFS, the host's name is unchanged" {
    local before
    before=$(cat /proc/sys/kernel/hostname)
    vessel start 101
    # The CT's UTS namespace: harmless even if the write went through.
    run vessel exec 101 sh -c 'v=$(cat /proc/sys/kernel/hostname); echo "$v" > /proc/sys/kernel/hostname'
    assert_failure
    assert_output --partial "Read-only file system"
    run vessel exec 101 sysctl -w kernel.domainname=example.org
    assert_failure
    [ "$(cat /proc/sys/kernel/hostname)" = "$before" ]
}

@test "/proc/irq and /proc/bus are read-only mounts inside" {
    vessel start 101
    run vessel exec 101 cat /proc/self/mountinfo
    assert_success
    local p
    for p in /proc/sys /proc/sysrq-trigger /proc/irq /proc/bus; do
        [ -e "$p" ] || continue
        echo "$output" | awk -v p="$p" '$5 == p && ("," $6 ",") ~ /,ro,/ { found = 1 } END { exit !found }' ||
            fail "$p is not a read-only mount: $(echo "$output" | grep " $p ")"
    done
    run vessel exec 101 sh -c 'v=$(cat /proc/irq/default_smp_affinity); echo "$v" > /proc/irq/default_smp_affinity'
    assert_failure
    assert_output --partial "Read-only file system"
}

@test "/proc/sys/net belongs to the CT's network namespace and stays writable; the host's value is unchanged" {
    local before
    before=$(cat /proc/sys/net/ipv4/ip_default_ttl)
    vessel start 101
    run vessel exec 101 sh -c 'echo 63 > /proc/sys/net/ipv4/ip_default_ttl && cat /proc/sys/net/ipv4/ip_default_ttl'
    assert_success
    assert_output 63
    [ "$(cat /proc/sys/net/ipv4/ip_default_ttl)" = "$before" ]
}

@test "remounting /sys, /proc/sys or /sys/fs/cgroup read-write fails and they stay read-only" {
    vessel start 101
    local p
    for p in /sys /proc/sys /sys/fs/cgroup; do
        run vessel exec 101 mount -o remount,rw "$p"
        assert_failure
        run vessel exec 101 mount -o remount,bind,rw "$p"
        assert_failure
    done
    run vessel exec 101 sh -c 'touch /sys/x; echo ct101 > /proc/sys/kernel/hostname'
    assert_failure
    [ "$(echo "$output" | grep -c "Read-only file system")" -eq 2 ]
    # v1: the tmpfs holding the hierarchies (a cgroup2 view with nsdelegate
    # is writable on purpose, see ns/README.md).
    if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
        run vessel exec 101 mkdir /sys/fs/cgroup/x
        assert_failure
        assert_output --partial "Read-only file system"
    fi
}

@test "/sys/fs/cgroup is the CT's own cgroup tree: its limits, its processes as it numbers them" {
    vessel set 101 --numproc 777 --save
    vessel start 101
    # (That /proc/self/cgroup reads "/" is run.bats's test.)
    local pids
    pids=$(ct_cgroup_dir pids)
    # The CT's own limit, not the host's root (which has no pids.max).
    run vessel exec 101 cat "$pids/pids.max"
    assert_output 777
    # cgroup.procs lists the CT's processes as the CT numbers them.
    run vessel exec 101 sh -c "cat $pids/cgroup.procs; echo self \$\$"
    assert_success
    echo "$output" | grep -qx 1 || fail "init (1) not listed: $output"
    local self
    self=$(echo "$output" | awk '$1 == "self" { print $2 }')
    echo "$output" | grep -qx "$self" || fail "the exec'd shell ($self) not listed: $output"
    local n_inside n_host
    n_inside=$(echo "$output" | grep -cv self)
    n_host=$(ct_cgroup_procs 101 | wc -l)
    [ "$n_inside" -le $((n_host + 2)) ] || fail "more processes inside ($n_inside) than in the CT ($n_host)"
    if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
        # v1: each controller hierarchy, co-mounted ones linked by name, and
        # the unified hierarchy beside them; the host init's name=systemd is not there.
        run vessel exec 101 ls /sys/fs/cgroup
        assert_success
        local c
        for c in memory pids cpu cpuacct; do
            [ -d "/sys/fs/cgroup/$c" ] || continue
            echo "$output" | grep -qx "$c" || fail "$c missing: $output"
        done
        if [ -d /sys/fs/cgroup/unified ]; then echo "$output" | grep -qx unified || fail "unified missing"; fi
        echo "$output" | grep -qx systemd && fail "name=systemd shown"
        run vessel exec 101 stat -f -c %t /sys/fs/cgroup/memory/
        assert_output 27e0eb  # CGROUP_SUPER_MAGIC
    fi
}

@test "no writable release_agent in the CT's /sys/fs/cgroup; v1 hierarchies are read-only (CVE-2022-0492)" {
    [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] || skip "no v1 hierarchy on this host"
    local host_agent
    host_agent=$(cat /sys/fs/cgroup/memory/release_agent)
    vessel start 101
    run vessel exec 101 find /sys/fs/cgroup/ -name release_agent
    assert_success
    assert_output ""
    run vessel exec 101 sh -c 'echo /bin/true > /sys/fs/cgroup/memory/release_agent'
    assert_failure
    # The per-cgroup switch that makes the kernel run the agent.
    run vessel exec 101 sh -c 'echo 1 > /sys/fs/cgroup/memory/notify_on_release'
    assert_failure
    assert_output --partial "Read-only file system"
    run vessel exec 101 mkdir /sys/fs/cgroup/memory/escape
    assert_failure
    # And no mount of a hierarchy of its own (no CAP_SYS_ADMIN).
    run vessel exec 101 sh -c 'mkdir -p /tmp/cg && mount -t cgroup -o memory cgroup /tmp/cg'
    assert_failure
    [ "$(cat /sys/fs/cgroup/memory/release_agent)" = "$host_agent" ]
    run vessel exec 101 awk '$5 ~ "^/sys/fs/cgroup" { print $5, $6 }' /proc/self/mountinfo
    assert_success
    [ -n "$output" ]
    ! echo "$output" | grep -v ' ro,' || fail "writable: $(echo "$output" | grep -v ' ro,')"
}

# A host directory holding one sentinel file, which a template points at.
make_host_dir() {
    mkdir -p "$1"
    echo host > "$1/sentinel"
}

# Nothing was mounted on or created in host directory $1.
assert_host_dir_untouched() {
    [ "$(ls -A "$1")" = sentinel ] || fail "$1 now holds: $(ls -A "$1")"
    [ "$(cat "$1/sentinel")" = host ] || fail "$1/sentinel changed"
    ! awk -v p="$1" 'index($5, p) == 1' /proc/self/mountinfo | grep -q . || fail "a mount appeared on $1"
}

@test "a template whose /proc, /sys or /dev is a symlink to a host path fails to start and touches nothing there" {
    local d
    for d in proc sys dev; do
        make_host_dir "$BATS_TEST_TMPDIR/host-$d"
        rm -rf "$T/private/101/$d"
        ln -s "$BATS_TEST_TMPDIR/host-$d" "$T/private/101/$d"
        run vessel start 101
        assert_failure
        assert_output --partial "/$d in the container root is a symlink"
        assert_host_dir_untouched "$BATS_TEST_TMPDIR/host-$d"
        rm "$T/private/101/$d"
        mkdir "$T/private/101/$d"
        [ ! -e "$T/run/101" ] || fail "run state left after the failed start"
    done
}

@test "a template's dev/null symlink to a host file is hidden by the fresh /dev; the host file is unchanged" {
    echo host > "$BATS_TEST_TMPDIR/host-null"
    chmod 600 "$BATS_TEST_TMPDIR/host-null"
    mkdir -p "$T/private/101/dev"
    rm -f "$T/private/101/dev/null"
    ln -s "$BATS_TEST_TMPDIR/host-null" "$T/private/101/dev/null"
    vessel start 101
    run vessel exec 101 sh -c 'echo overwritten > /dev/null; stat -c "%F %t:%T" /dev/null'
    assert_success
    assert_output "character special file 1:3"
    # The masks took the CT's real null device too.
    run vessel exec 101 stat -c '%t:%T' /proc/keys
    assert_output "1:3"
    [ "$(cat "$BATS_TEST_TMPDIR/host-null")" = host ]
    [ "$(stat -c %a "$BATS_TEST_TMPDIR/host-null")" = 600 ]
    ! grep -q "$BATS_TEST_TMPDIR/host-null" /proc/self/mountinfo
}

@test "a template's sys/fs/cgroup and proc/sys symlinks to host paths are hidden by the fresh sysfs and procfs" {
    make_host_dir "$BATS_TEST_TMPDIR/host-cgroup"
    make_host_dir "$BATS_TEST_TMPDIR/host-sysctl"
    mkdir -p "$T/private/101/sys/fs" "$T/private/101/proc"
    ln -s "$BATS_TEST_TMPDIR/host-cgroup" "$T/private/101/sys/fs/cgroup"
    ln -s "$BATS_TEST_TMPDIR/host-sysctl" "$T/private/101/proc/sys"
    vessel start 101
    run vessel exec 101 cat /proc/self/cgroup
    assert_success
    run vessel exec 101 ls /sys/fs/cgroup
    assert_success
    refute_output --partial sentinel
    run vessel exec 101 cat /proc/sys/kernel/ostype
    assert_output Linux
    assert_host_dir_untouched "$BATS_TEST_TMPDIR/host-cgroup"
    assert_host_dir_untouched "$BATS_TEST_TMPDIR/host-sysctl"
    # The CT's own mount table has nothing of them either.
    run vessel exec 101 grep -c "$BATS_TEST_TMPDIR/host-" /proc/self/mountinfo
    assert_output 0
}
