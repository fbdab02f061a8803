#!/usr/bin/env bats
# The seccomp filter against container root: each call that reaches state the
# CT shares with the host fails with the filter's answer and changes nothing.
# tests/helpers/escape_probe makes the calls, with arguments that do nothing
# even when a call gets through, and prints the errno's name.
#
# ESCAPE_SECCOMP_PROFILE=none runs the file against CTs without a filter:
# the tests that check a denied call then fail, showing that the kernel alone
# would have let the call through (or answered something else). The one
# exception is syscall 1000, which no kernel has.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { shared_template_setup; }
setup() {
    ct101_setup
    install_probe 101
    if [ -n "${ESCAPE_SECCOMP_PROFILE:-}" ]; then
        echo "SECCOMP_PROFILE=$ESCAPE_SECCOMP_PROFILE" >> "$VESSEL_CONF"
    fi
}
teardown() { per_test_teardown; }

# What of the host a probe could have changed.
host_snapshot() {
    cut -d' ' -f1 /proc/modules 2>/dev/null | sort
    cat /sys/kernel/kexec_loaded /sys/kernel/kexec_crash_loaded 2>/dev/null || true
}

# probe CALL EXPECTED: the call, run as container root, answers EXPECTED.
probe() {
    local call=$1 expected=$2
    run vessel exec 101 /probe $call
    assert_success
    assert_output "${call% *} $expected"
}

# The highest syscall number libseccomp knows on x86_64, from `vessel features`.
highest_known() {
    vessel features | sed -n 's/.*ENOSYS above syscall \([0-9]*\) (x86_64).*/\1/p'
}

@test "init and every exec'd process run under the filter" {
    vessel start 101
    run vessel exec 101 grep '^Seccomp:' /proc/1/status
    assert_output --regexp '^Seccomp:[[:space:]]+2$'
    run vessel exec 101 grep '^Seccomp:' /proc/self/status
    assert_output --regexp '^Seccomp:[[:space:]]+2$'
}

@test "kernel module calls: EPERM even with sys_module, no module loaded or removed" {
    local before; before=$(host_snapshot)
    # With the capability, the filter is all that stands between the CT and
    # the module loader (the payloads are no module and a name none has).
    echo 'CAPABILITY="sys_module:on"' >> "$T/conf/101.conf"
    vessel start 101
    probe init_module EPERM
    probe finit_module EPERM
    probe delete_module EPERM
    [ "$(host_snapshot)" = "$before" ]
}

@test "kexec_load and kexec_file_load: EPERM, no kernel loaded" {
    local before; before=$(host_snapshot)
    vessel start 101
    probe kexec_load EPERM
    probe kexec_file_load EPERM
    [ "$(host_snapshot)" = "$before" ]
}

@test "open_by_handle_at: EPERM even for the container's own root" {
    vessel start 101
    probe open_by_handle_at EPERM
}

@test "bpf, perf_event_open, userfaultfd, syslog: EPERM" {
    vessel start 101
    probe bpf EPERM
    probe perf_event_open EPERM
    probe userfaultfd EPERM
    probe syslog EPERM
}

@test "keyrings: keyctl, add_key, request_key: EPERM" {
    vessel start 101
    probe keyctl EPERM
    probe add_key EPERM
    probe request_key EPERM
}

@test "the new mount API answers ENOSYS, so callers fall back to mount(2)" {
    vessel start 101
    probe fsopen ENOSYS
}

@test "syscalls newer than the filter knows, and unknown numbers, answer ENOSYS" {
    local hi; hi=$(highest_known)
    [ -n "$hi" ]
    vessel start 101
    # One past the highest known: a real call on kernels newer than libseccomp.
    probe "nr $((hi + 1))" ENOSYS
    probe "nr 1000" ENOSYS
}

@test "reboot stays allowed: halt and reboot inside work through it" {
    vessel start 101
    # Bad magic numbers: the kernel's EINVAL, after the filter let it through.
    probe reboot EINVAL
}

@test "a profile file restricting one more call takes effect for exec" {
    [ "${ESCAPE_SECCOMP_PROFILE:-}" != none ] || skip "profile under test"
    cat > "$T/strict.json" <<'JSON'
{ "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [ { "names": [ "getcwd" ], "action": "SCMP_ACT_ERRNO", "errnoRet": 61 },
                { "names": [ "no_such_syscall_name" ], "action": "SCMP_ACT_ERRNO" } ] }
JSON
    echo "SECCOMP_PROFILE=$T/strict.json" >> "$T/conf/101.conf"
    vessel start 101
    probe getcwd ENODATA
    run vessel exec 101 grep '^Seccomp:' /proc/1/status
    assert_output --regexp '2$'
    # Relative to the directory of vessel.conf ($T), as every path there.
    sed -i "s|^SECCOMP_PROFILE=.*|SECCOMP_PROFILE=strict.json|" "$T/conf/101.conf"
    probe getcwd ENODATA
}

@test "SECCOMP_PROFILE=none runs the container without a filter" {
    echo "SECCOMP_PROFILE=none" >> "$T/conf/101.conf"
    vessel start 101
    run vessel exec 101 grep '^Seccomp:' /proc/1/status
    assert_output --regexp '0$'
    probe syslog OK
}

@test "a bad profile fails the start with 21, naming the file and the field" {
    printf '{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["getcwd"], "action": "SCMP_ACT_MAYBE" } ] }' \
        > "$T/bad.json"
    echo "SECCOMP_PROFILE=$T/bad.json" >> "$T/conf/101.conf"
    run vessel start 101
    assert_equal "$status" 21
    assert_output --partial "$T/bad.json: syscalls[0].action: unknown action \"SCMP_ACT_MAYBE\""
    run vessel status 101
    assert_output "CTID 101 exist unmounted down"
    printf '{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["getcwd"], "action": "SCMP_ACT_ERRNO",
             "args": [ { "index": 0, "value": 1, "op": "SCMP_CMP_ABOUT" } ] } ] }' > "$T/bad.json"
    run vessel start 101
    assert_equal "$status" 21
    assert_output --partial "syscalls[0].args[0].op: unknown operator \"SCMP_CMP_ABOUT\""
}

@test "the compiled filter is cached under RUNDIR, keyed by the profile" {
    [ "${ESCAPE_SECCOMP_PROFILE:-}" != none ] || skip "profile under test"
    vessel start 101
    run ls "$T/run/.seccomp"
    assert_output --regexp '^[0-9a-f]{64}\.bpf$'
    local first=$output
    [ "$(stat -c %a "$T/run/.seccomp")" = 700 ]
    run vessel -v exec 101 true
    assert_output --partial "from the cache $T/run/.seccomp/$first"
    # Another profile: another file, compiled once, then read.
    echo '{ "defaultAction": "SCMP_ACT_ALLOW" }' > "$T/allow.json"
    echo "SECCOMP_PROFILE=$T/allow.json" >> "$T/conf/101.conf"
    run vessel -v exec 101 true
    assert_output --partial "compiled into"
    run vessel -v exec 101 true
    assert_output --partial "from the cache"
    [ "$(ls "$T/run/.seccomp" | wc -l)" -eq 2 ]
    # A damaged file is compiled again and replaced.
    echo junk > "$T/run/.seccomp/$first"
    sed -i '/^SECCOMP_PROFILE=/d' "$T/conf/101.conf"
    run vessel -v exec 101 true
    assert_output --partial "compiled into $T/run/.seccomp/$first"
}
