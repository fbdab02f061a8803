#!/usr/bin/env bats
# LOCAL_UID / LOCAL_GID: the container in a user namespace of its own, its
# root unprivileged on the host; the private area idmapped where the
# filesystem can, shifted on disk where it cannot (or IDMAPPED_MOUNTS=no).

load helpers
bats_require_minimum_version 1.5.0

setup_file() { shared_template_setup; }
setup() { ct101_setup; }
teardown() { per_test_teardown; }

# Host uid and gid of a process: the first (real) field of Uid: and Gid:.
host_ids() { awk '/^Uid:/ { u = $2 } /^Gid:/ { g = $2 } END { print u ":" g }' "/proc/$1/status"; }

# The raw value of an xattr, hex, or "none".
xattr_hex() {
    python3 -c 'import os, sys
try:
    print(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).hex())
except OSError:
    print("none")' "$1" "$2"
}

set_userns() {
    printf 'LOCAL_UID="%s"\nLOCAL_GID="%s"\n' "$1" "${2:-$1}" >> "$T/conf/101.conf"
}

@test "LOCAL_UID: init and exec'd processes are host uid LOCAL_UID and root inside; the files keep their ids on disk" {
    set_userns 100000 200000
    vessel start 101
    init=$(run_state_field 101 init.pid)
    [ "$(host_ids "$init")" = "100000:200000" ]
    run vessel exec 101 cat /proc/self/uid_map /proc/self/gid_map
    assert_output --regexp '^ +0 +100000 +65536'
    assert_line --regexp '^ +0 +200000 +65536'
    [ "$(vessel exec 101 id -u):$(vessel exec 101 id -g)" = "0:0" ]
    # An exec'd process is the same host user (found as the CT's sleep).
    vessel exec 101 sh -c 'sleep 300 & echo $! > /sleeper'
    local sleeper
    for sleeper in $(ct_cgroup_procs 101); do
        [ "$(cat /proc/$sleeper/comm 2>/dev/null)" = sleep ] && break
    done
    [ "$(host_ids "$sleeper")" = "100000:200000" ]
    # Its files are its own (idmapped: on disk they stay 0).
    [ "$(vessel exec 101 stat -c %u:%g /etc/passwd)" = "0:0" ]
    [ "$(stat -c %u:%g "$T/private/101/etc/passwd")" = "0:0" ]
    vessel exec 101 touch /made-inside
    [ "$(stat -c %u:%g "$T/private/101/made-inside")" = "0:0" ]
    [ "$(xattr_hex "$T/private/101" trusted.vessel.idshift)" = none ]
}

@test "CT root with LOCAL_UID has no power over host-owned files that root without it reads" {
    # Owned by a host id outside the CT's range, readable by its owner only.
    echo secret > "$T/private/101/host-secret"
    chown 70000:70000 "$T/private/101/host-secret"
    chmod 0600 "$T/private/101/host-secret"
    # Without a user namespace CT root has dac_override over it ...
    vessel start 101
    [ "$(vessel exec 101 cat /host-secret)" = secret ]
    vessel stop --fast 101
    # ... with one, the kernel sees host uid 100000, and nobody's file.
    set_userns 100000
    vessel start 101
    [ "$(vessel exec 101 stat -c %u /host-secret)" = 65534 ]
    run vessel exec 101 cat /host-secret
    assert_failure
    assert_output --partial "Permission denied"
    run vessel exec 101 chown 0 /host-secret
    assert_failure
    [ "$(stat -c %u:%g "$T/private/101/host-secret")" = "70000:70000" ]
}

@test "IDMAPPED_MOUNTS=no: the private area is shifted on disk once, with set-ID bits, file capabilities and ACLs" {
    local p=$T/private/101
    printf '#!/bin/sh\n' > "$p/bin/suid-tool"
    chmod 4755 "$p/bin/suid-tool"
    # cap_net_raw in permitted and effective, revision 2 (no root id).
    python3 -c 'import os, struct, sys
os.setxattr(sys.argv[1], "security.capability", struct.pack("<5I", 0x02000001, 1 << 13, 0, 0, 0))' "$p/bin/suid-tool"
    # An ACL entry for user 1000 and group 100 on a directory.
    mkdir "$p/shared"
    python3 -c 'import os, struct, sys
e = lambda tag, perm, i: struct.pack("<HHI", tag, perm, i)
acl = struct.pack("<I", 2) + e(1, 7, 0xffffffff) + e(2, 5, 1000) + e(4, 5, 0xffffffff) + e(8, 5, 100) + e(0x10, 7, 0xffffffff) + e(0x20, 0, 0xffffffff)
os.setxattr(sys.argv[1], "system.posix_acl_access", acl)' "$p/shared"
    set_userns 100000
    echo 'IDMAPPED_MOUNTS="no"' >> "$T/conf/101.conf"
    run vessel start 101
    assert_success
    assert_output --partial "Shifting the ownership of $p from 0:0 to 100000:100000"
    [ "$(stat -c %u:%g "$p/etc/passwd")" = "100000:100000" ]
    [ "$(stat -c %u:%g:%a "$p/bin/suid-tool")" = "100000:100000:4755" ]
    # Revision 3, root id 100000: the capability holds for the CT's root.
    [ "$(xattr_hex "$p/bin/suid-tool" security.capability)" = "0100000300200000000000000000000000000000a0860100" ]
    # user:1000 -> 101000, group:100 -> 100100.
    run xattr_hex "$p/shared" system.posix_acl_access
    assert_output --partial "$(python3 -c 'import struct; print(struct.pack("<HHI", 2, 5, 101000).hex())')"
    assert_output --partial "$(python3 -c 'import struct; print(struct.pack("<HHI", 8, 5, 100100).hex())')"
    [ "$(xattr_hex "$p" trusted.vessel.idshift)" = "$(printf 100000:100000 | od -An -tx1 | tr -d ' \n')" ]
    # Inside, everything is root's as before, and new files are the CT's.
    [ "$(vessel exec 101 stat -c %u:%g:%a /bin/suid-tool)" = "0:0:4755" ]
    vessel exec 101 touch /made-inside
    [ "$(stat -c %u "$p/made-inside")" = 100000 ]
    [ "$(vessel exec 101 stat -c %u /etc/hostname)" = 0 ]
    # A second start shifts nothing.
    vessel stop --fast 101
    run vessel start 101
    refute_output --partial "Shifting"
    vessel stop --fast 101
    # Without LOCAL_UID the tree goes back to 0, and so does everything above.
    sed -i '/^LOCAL_[UG]ID=/d' "$T/conf/101.conf"
    run vessel start 101
    assert_output --partial "from 100000:100000 to 0:0"
    [ "$(stat -c %u:%g:%a "$p/bin/suid-tool")" = "0:0:4755" ]
    [ "$(stat -c %u "$p/made-inside")" = 0 ]
    [ "$(xattr_hex "$p/bin/suid-tool" security.capability)" = "0100000200200000000000000000000000000000" ]
    [ "$(xattr_hex "$p" trusted.vessel.idshift)" = none ]
}

@test "a change of LOCAL_UID on a shifted CT moves it, through 0 where the ranges overlap" {
    set_userns 100000
    echo 'IDMAPPED_MOUNTS="no"' >> "$T/conf/101.conf"
    vessel start 101
    vessel stop --fast 101
    sed -i 's/^LOCAL_UID=.*/LOCAL_UID="150000"/; s/^LOCAL_GID=.*/LOCAL_GID="150000"/' "$T/conf/101.conf"
    run vessel start 101
    assert_success
    assert_line --partial "from 100000:100000 to 0:0"
    assert_line --partial "from 0:0 to 150000:150000"
    [ "$(stat -c %u:%g "$T/private/101/etc/passwd")" = "150000:150000" ]
    [ "$(vessel exec 101 stat -c %u /etc/passwd)" = 0 ]
}

@test "create with LOCAL_UID and IDMAPPED_MOUNTS=no in vessel.conf shifts the new private area at once" {
    printf 'LOCAL_UID="300000"\nLOCAL_GID="300000"\nIDMAPPED_MOUNTS="no"\n' >> "$VESSEL_CONF"
    run vessel create 102
    assert_success
    [ "$(stat -c %u:%g "$T/private/102/etc/passwd")" = "300000:300000" ]
    [ "$(stat -c %u:%g "$T/private/102")" = "300000:300000" ]
    run vessel start 102
    assert_success
    refute_output --partial "Shifting"
    [ "$(vessel exec 102 id -u)" = 0 ]
    vessel stop --fast 102
}

@test "bad LOCAL_UID values are refused with 21 before anything changes" {
    for bad in 1000 4294967000 abc; do
        sed -i '/^LOCAL_[UG]ID=/d' "$T/conf/101.conf"
        set_userns "$bad"
        run vessel start 101
        assert_equal "$status" 21
        assert_output --partial "LOCAL_UID"
        [ "$(stat -c %u "$T/private/101/etc/passwd")" = 0 ]
        [ ! -e "$T/run/101/state.json" ]
        ! mountpoint -q "$T/root/101"
    done
}

@test "with LOCAL_UID the default nodes and DEVNODES are usable inside; mknod is not" {
    set_userns 100000
    echo 'DEVNODES="net/tun:rw"' >> "$T/conf/101.conf"
    vessel start 101
    [ "$(vessel exec 101 sh -c 'head -c 4 /dev/zero | wc -c')" = 4 ]
    vessel exec 101 sh -c 'echo x > /dev/null'
    # Made by the host for the CT, owned by the CT's root with the host's
    # mode: openable although the host's own node is root's only.
    [ "$(vessel exec 101 stat -c %t:%T:%u:%a /dev/net/tun)" = "a:c8:0:$(stat -c %a /dev/net/tun)" ]
    run vessel exec 101 sh -c 'exec 3<>/dev/net/tun && echo opened'
    assert_output opened
    # The device rules still decide.
    vessel set 101 --devnodes net/tun:none
    run vessel exec 101 sh -c 'exec 3<>/dev/net/tun && echo opened'
    assert_failure
    # mknod itself stays refused: the CT's root has no mknod on the host.
    run vessel exec 101 mknod /tmp/sda b 8 0
    assert_failure
    [ ! -e "$T/private/101/tmp/sda" ]
}

@test "set --devnodes on a running CT with LOCAL_UID changes the rules now and the nodes at the next start" {
    set_userns 100000
    vessel start 101
    run vessel set 101 --devnodes net/tun:rw --save
    assert_success
    assert_output --partial "its /dev nodes change at the next start"
    run vessel exec 101 test -e /dev/net/tun
    assert_failure
    vessel restart 101
    run vessel exec 101 sh -c 'exec 3<>/dev/net/tun && echo opened'
    assert_output opened
}

@test "stop, restart and enter work with a user namespace; the monitor's clean-up leaves nothing" {
    set_userns 100000
    vessel start 101
    run vessel restart 101
    assert_success
    [ "$(host_ids "$(run_state_field 101 init.pid)")" = "100000:100000" ]
    run script -qec "'$VESSEL_BIN' enter 101 --exec sh -c 'echo uid-\$(id -u)-on-\$(tty)'" /dev/null
    assert_success
    assert_output --regexp 'uid-0-on-/dev/pts/[0-9]+' 
    vessel stop 101
    assert_stopped_clean 101
}

@test "vessel features reports user namespaces and idmapped mounts" {
    run vessel features
    assert_success
    assert_line --regexp '^user namespaces: (yes|no)'
    assert_line --regexp '^idmapped mounts: (yes|no)'
}

@test "set --local_uid is checked, saved, and takes effect at the next start" {
    vessel start 101
    run vessel set 101 --local_uid 1000 --save
    assert_equal "$status" 21
    assert_output --partial "LOCAL_UID"
    ! grep -q '^LOCAL_UID=' "$T/conf/101.conf"
    run vessel set 101 --local_uid 100000 --local_gid 200000 --save
    assert_success
    assert_output --partial "LOCAL_UID takes effect at the next start"
    grep -qx 'LOCAL_UID="100000"' "$T/conf/101.conf"
    [ "$(vessel exec 101 cat /proc/self/uid_map | awk '{ print $2 }')" = 0 ]
    vessel restart 101
    [ "$(vessel exec 101 cat /proc/self/uid_map | awk '{ print $2 }')" = 100000 ]
    [ "$(vessel exec 101 cat /proc/self/gid_map | awk '{ print $2 }')" = 200000 ]
}
