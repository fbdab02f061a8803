#!/usr/bin/env bats
# The template cache: list, create, remove; the busybox template's content.

load helpers

setup() { per_test_setup; }
teardown() { per_test_teardown; }

@test "template list shows the recipes before anything is cached" {
    run vessel template list
    assert_success
    assert_line --regexp '^TEMPLATE +CACHED +SIZE +DATE +RECIPE$'
    assert_line --regexp '^busybox +no +- +- +yes$'
    assert_line --regexp '^debian-12 +no +- +- +yes$'
}

@test "template create busybox builds the cache file offline; list shows it; remove deletes it" {
    run vessel template create busybox
    assert_success
    [ -s "$T/template/cache/busybox.tar.gz" ]
    run vessel template list -H
    assert_line --regexp '^busybox +yes +[0-9.]+[KMG] +[0-9-]+ [0-9:]+ +yes$'
    run vessel template remove busybox
    assert_success
    [ ! -e "$T/template/cache/busybox.tar.gz" ]
    run vessel template remove busybox
    assert_equal "$status" 91
}

@test "create builds a missing template that has a recipe" {
    [ ! -e "$T/template/cache/busybox.tar.gz" ]
    run vessel create 301
    assert_success
    [ -s "$T/template/cache/busybox.tar.gz" ]
}

@test "the busybox template is a small FHS tree with init and applets" {
    vessel create 302
    p=$T/private/302
    [ -x "$p/bin/busybox" ]
    file -L "$p/bin/busybox" 2>/dev/null | grep -q 'statically linked' || ! ldd "$p/bin/busybox" >/dev/null 2>&1
    [ "$(readlink "$p/sbin/init")" != "" ] || [ -x "$p/sbin/init" ]
    for f in etc/passwd etc/group etc/hostname etc/inittab etc/init.d/rcS; do
        [ -f "$p/$f" ] || fail "missing $f"
    done
    for a in bin/sh bin/ls bin/ps sbin/halt sbin/reboot; do
        [ -e "$p/$a" ] || [ -L "$p/$a" ] || fail "missing applet $a"
    done
    grep -q '^root:' "$p/etc/passwd"
    [ "$(stat -c %a "$p/tmp")" = 1777 ]
    ! grep -qE '^[^#]*getty' "$p/etc/inittab"
    grep -qE '::shutdown:' "$p/etc/inittab"
    chroot "$p" /bin/sh -c 'echo hello from $(basename $0)' | grep -q hello
}

@test "unknown template and bad names" {
    run vessel template create nothing-like-it
    assert_equal "$status" 91
    run vessel template create ../x
    assert_equal "$status" 21
    run vessel template remove nothing-like-it
    assert_equal "$status" 91
    run vessel template frob
    assert_equal "$status" 20
}
