#!/usr/bin/env bats
# The escape suite, part one: what container root tries with the tools a
# distribution has. Every attempt must fail and leave the host unchanged, and
# every payload is harmless if a protection is missing (the clock is set to
# the time it already has; nothing is ever written outside the test's
# directory). The seccomp, /proc and device attempts have files of their own.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { shared_template_setup; }
setup() { ct101_setup; }
teardown() { per_test_teardown; }

@test "setting the host's clock fails (sys_time is not in the container's set)" {
    vessel start 101
    # The time it already is: harmless if it were allowed.
    # busybox date reports the refusal but exits 0.
    run vessel exec 101 sh -c 'date -s "@$(date +%s)"'
    assert_output --partial "Operation not permitted"
    run vessel exec 101 hwclock -s
    assert_failure
}

@test "another CT's processes and files are out of sight" {
    vessel -q create 102 --hostname ct102.example.com
    vessel start 101
    vessel start 102
    echo secret-of-102 > "$T/private/102/root-only-in-102"
    vessel exec 102 sleep 300 &
    for _ in $(seq 50); do
        [ "$(vessel exec 102 ps -o comm | grep -c sleep)" -ge 1 ] && break
        sleep 0.1
    done
    [ "$(vessel exec 102 ps -o comm | grep -c sleep)" -ge 1 ]
    [ "$(vessel exec 101 ps -o comm | grep -c sleep)" -eq 0 ]
    run vessel exec 101 sh -c 'cat /root-only-in-102; ls /proc/*/root/root-only-in-102'
    assert_failure
    refute_output --partial secret-of-102
    # 101's mounts show nothing of 102 or of the host's private areas.
    run vessel exec 101 cat /proc/mounts
    refute_output --partial "$T"
    vessel stop --fast 102
    wait || true
}

@test "a new user namespace inside the CT gains nothing on the host" {
    vessel start 101
    local before
    before=$(cat /proc/sys/kernel/hostname)
    # Root of a fresh user namespace: its capabilities reach only what that
    # namespace owns.
    run vessel exec 101 unshare -U -r sh -c 'hostname escaped-via-userns'
    assert_failure
    run vessel exec 101 unshare -U -r -m sh -c 'mount -t tmpfs none /mnt && echo mounted'
    # Allowed or not, it happens in a mount namespace of its own.
    [ "$(cat /proc/sys/kernel/hostname)" = "$before" ]
    ! grep -q " /mnt tmpfs " /proc/self/mounts
    run vessel exec 101 cat /proc/mounts
    refute_output --regexp " /mnt tmpfs "
}

@test "the working directory of every CT process is inside the CT" {
    vessel start 101
    cd "$T"
    run vessel exec 101 sh -c 'pwd; ls -l /proc/self/cwd'
    assert_line --index 0 /
    refute_output --partial "$T"
    run vessel exec 101 ls -l /proc/1/cwd
    refute_output --partial "$T"
}

@test "chroot escapes (.. past a chroot, a kept fd of /, /proc/N/root/..) end at the CT's own root" {
    # Container root keeps sys_chroot. Under a runtime that only chroot()ed
    # into the CT, each trick climbs above the CT's root and ends at the
    # host's "/" (tests/helpers/escape_probe); with pivot_root and the
    # host's tree detached, ".." of the CT's root is itself.
    install_probe 101
    local root=$T/private/101
    mkdir "$root/sub"
    echo 101 > "$root/ct-marker"
    vessel start 101
    # Where every trick must end: the CT's root, as the host sees the
    # private area and as the CT sees its init's root. The host's "/" is
    # another directory, or the test could not tell the two apart.
    local ct_root
    ct_root=$(stat -c %d:%i "$root")
    [ "$ct_root" != "$(stat -c %d:%i /)" ]
    run vessel exec 101 stat -c %d:%i /proc/1/root/
    assert_output "$ct_root"
    # At the root reached, the CT's marker must be there and this test's
    # directory, which only the host has, must not. A step that fails (a
    # chroot refused) fails the test too: the trick would not have been tried.
    local trick
    for trick in "chroot_dotdot /sub" "chroot_fchdir /sub" "chroot_proc_init_root /sub" \
        "proc_root_dotdot /proc/1/root" "proc_root_dotdot /proc/self/root"; do
        run vessel exec 101 /probe $trick /ct-marker "$T"
        assert_success
        assert_output "${trick% *} root=$ct_root /ct-marker=yes $T=no"
    done
}
