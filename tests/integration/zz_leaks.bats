#!/usr/bin/env bats
# Runs last: the suite left no mounts, no vessel processes and no cgroups behind.

load helpers

@test "no mounts are left under any test directory" {
    run awk 'index($5, "/bats-run-") > 0 || index($5, "vessel-test-") > 0 { print $5 }' /proc/self/mountinfo
    assert_output ""
}

@test "no vessel processes are left" {
    run pgrep -f -- "$VESSEL_BIN"
    assert_output ""
}

@test "no cgroups of the tests are left below the suite's own" {
    local d
    for d in $(own_cgroup_dirs); do
        run find "$d" -mindepth 1 -maxdepth 1 -type d -name 'vessel-test-*'
        assert_output ""
    done
}
