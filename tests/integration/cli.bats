#!/usr/bin/env bats
# The command line itself: help, version, usage errors.

load helpers

setup() { per_test_setup; }
teardown() { per_test_teardown; }

@test "--help lists the commands" {
    run vessel --help
    assert_success
    assert_output --partial "Usage: vessel [global options] COMMAND"
    for c in create destroy mount umount status list template; do
        assert_output --partial "  $c"
    done
}

@test "--version prints the version" {
    run vessel --version
    assert_success
    assert_output --regexp '^vessel version [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "help COMMAND and COMMAND --help show the command's options" {
    run vessel help create
    assert_success
    assert_output --partial "Usage: vessel create CTID"
    assert_output --partial "--ostemplate"
    run vessel create --help
    assert_success
    assert_output --partial "--hostname"
    run vessel help delete
    assert_success
    assert_output --partial "Usage: vessel destroy"
}

@test "help exit-codes lists vzctl's codes" {
    run vessel help exit-codes
    assert_success
    assert_output --partial "    9  container already locked"
    assert_output --partial "   91  OS template not found"
}

@test "unknown command exits 20 with usage" {
    run vessel frobnicate 101
    assert_equal "$status" 20
    assert_output --partial "unknown command: frobnicate"
    assert_output --partial "Usage:"
}

@test "unknown option exits 20 with the command's usage" {
    run vessel create 101 --no-such-option
    assert_equal "$status" 20
    assert_output --partial "no-such-option"
    assert_output --partial "Usage: vessel create"
    run vessel --bogus list
    assert_equal "$status" 20
}

@test "no command exits 20" {
    run vessel
    assert_equal "$status" 20
}

@test "invalid CTIDs are refused with 20" {
    for id in 0 -1 2147483645 abc1 1.5; do
        run vessel create "$id"
        assert_equal "$status" 20
    done
    [ ! -e "$T/private" ] || [ -z "$(ls -A "$T/private")" ]
}

@test "missing vessel.conf exits 10 naming the file" {
    run vessel --conf "$T/nope.conf" list -a
    assert_equal "$status" 10
    assert_output --partial "$T/nope.conf"
    VESSEL_CONF=$T/also-nope.conf run vessel list -a
    assert_equal "$status" 10
    assert_output --partial "also-nope.conf"
}

@test "--conf wins over VESSEL_CONF" {
    mkdir -p "$T/other"
    conf2=$(make_conf "$T/other")
    VESSEL_CONF=$T/missing.conf run vessel --conf "$conf2" template list
    assert_success
    assert_output --partial "busybox"
}
