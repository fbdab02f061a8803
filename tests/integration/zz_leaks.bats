#!/usr/bin/env bats
# Runs last: the suite left no mounts and no vessel processes behind.

load helpers

@test "no mounts are left under any test directory" {
    run awk 'index($5, "/bats-run-") > 0 || index($5, "vessel-test-") > 0 { print $5 }' /proc/self/mountinfo
    assert_output ""
}

@test "no vessel processes are left" {
    run pgrep -f -- "$VESSEL_BIN"
    assert_output ""
}
