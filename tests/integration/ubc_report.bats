#!/usr/bin/env bats
# `vessel ubc` and the live beancounter fields of `vessel list` on a running
# busybox container: the kernel's text format, JSON, --explain, exit codes.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { shared_template_setup; }
setup() {
    per_test_setup
    vessel -q create 101 --hostname ct101.example.com
}
teardown() { per_test_teardown; }

# The CT's memory cgroup directory (v1) or its unified one (v2).
ct_memory_dir() {
    local d
    for d in $(test_cgroup_dirs); do
        if [ -e "$d/101/memory.usage_in_bytes" ] || [ -e "$d/101/memory.current" ]; then
            echo "$d/101"
            return 0
        fi
    done
    return 1
}

# Field $2 (1-based: held maxheld barrier limit failcnt) of parameter $1 in $output.
ubc_field() {
    awk -v p="$1" -v f="$2" '{ n = ($2 == p) ? 2 : (($1 == p) ? 1 : 0) } n { print $(n + f); exit }' <<<"$output"
}

@test "ubc prints the kernel's /proc/user_beancounters format" {
    vessel -q start 101 --wait
    run vessel ubc 101
    assert_success
    [ "${lines[0]}" = "Version: 2.5" ]
    [ "${lines[1]}" = "       uid  resource                     held              maxheld              barrier                limit              failcnt" ]
    # The CTID, right-aligned in 10 columns and followed by ':', on the first row only.
    [[ "${lines[2]}" =~ ^"       101: "[a-z]+" " ]]
    local i
    for ((i = 3; i < ${#lines[@]}; i++)); do
        [[ "${lines[$i]}" =~ ^"            "[a-z]+ ]] || fail "row $i: ${lines[$i]}"
    done
    # Every row: 10+1+1 columns, a 12-column name, five 20-column numbers.
    for ((i = 2; i < ${#lines[@]}; i++)); do
        [ "${#lines[$i]}" -eq $((10 + 1 + 1 + 12 + 5 * 21)) ] || fail "width of row $i: ${lines[$i]}"
        [[ "${lines[$i]:24}" =~ ^(\ +[0-9]+){5}$ ]] || fail "numbers of row $i: ${lines[$i]}"
    done
    # Unset parameters are unlimited, as on a 64-bit kernel.
    [ "$(ubc_field numproc 3)" -ge 1 ]
    [ "$(ubc_field physpages 4)" -ge 1 ]
    # Dummies are not printed; numsiginfo and numiptent have no figures.
    ! grep -qw dummy <<<"$output"
    ! grep -qw numsiginfo <<<"$output"
    ! grep -qw numiptent <<<"$output"
}

@test "ubc: numproc held is the number of tasks in the CT's process container" {
    vessel -q start 101 --wait
    vessel exec 101 sh -c 'sleep 100 & sleep 100 & true'
    run vessel ubc 101
    assert_success
    local held want d
    held=$(ubc_field numproc 1)
    want=0
    for d in $(test_cgroup_dirs); do
        if [ -e "$d/101/pids.current" ]; then
            want=$(cat "$d/101/pids.current")
            break
        fi
    done
    [ "$want" -ge 3 ] || fail "pids.current: $want"
    [ "$held" -eq "$want" ] || fail "numproc held $held, pids.current $want"
    [ "$(ubc_field numproc 2)" -ge "$held" ]
}

@test "ubc: physpages held matches the memory cgroup's usage in pages" {
    vessel -q start 101 --wait
    local dir usage held
    dir=$(ct_memory_dir) || skip "no memory cgroup"
    run vessel ubc 101
    assert_success
    usage=$(cat "$dir/memory.usage_in_bytes" 2>/dev/null || cat "$dir/memory.current")
    held=$(ubc_field physpages 1)
    # The CT is idle; allow for a little drift between the two reads.
    local want=$((usage / 4096))
    [ "$held" -ge $((want - 64)) ] && [ "$held" -le $((want + 64)) ] || fail "physpages $held, usage $want pages"
    [ "$(ubc_field physpages 2)" -ge "$held" ]
}

@test "ubc: configured barrier and limit are shown in the parameter's unit" {
    vessel -q set 101 --numproc 77:88 --save 2>/dev/null || echo 'NUMPROC="77:88"' >> "$T/conf/101.conf"
    vessel -q start 101 --wait
    run vessel ubc 101
    assert_success
    [ "$(ubc_field numproc 3)" = 77 ]
    [ "$(ubc_field numproc 4)" = 88 ]
}

@test "ubc -j is JSON with every parameter and null for unknown figures" {
    vessel -q start 101 --wait
    run vessel ubc -j 101
    assert_success
    python3 -m json.tool <<<"$output" >/dev/null
    python3 - "$output" <<'PY'
import json, sys
cts = json.loads(sys.argv[1])
assert len(cts) == 1 and cts[0]["ctid"] == 101, cts
ct = cts[0]
names = [k for k in ct if k != "ctid"]
assert len(names) == 21 and "dummy" not in names, names
for n in names:
    assert set(ct[n]) == {"held", "maxheld", "barrier", "limit", "failcnt"}, (n, ct[n])
assert ct["numproc"]["held"] >= 1
assert ct["numsiginfo"]["held"] is None and ct["numiptent"]["failcnt"] is None
assert ct["numsiginfo"]["barrier"] == 9223372036854775807
PY
}

@test "ubc --explain says for every parameter how it is covered" {
    vessel -q start 101 --wait
    run vessel ubc --explain 101
    assert_success
    local p
    for p in kmemsize lockedpages privvmpages shmpages numproc physpages vmguarpages oomguarpages numtcpsock \
        numflock numpty numsiginfo tcpsndbuf tcprcvbuf othersockbuf dgramrcvbuf numothersock dcachesize numfile \
        numiptent swappages; do
        grep -Eq "^$p +(enforced|accounted|unavailable) " <<<"$output" || fail "no line for $p"
    done
    [ "${#lines[@]}" -eq 21 ]
    assert_line --regexp '^numsiginfo +unavailable '
    assert_line --regexp '^numproc +enforced +by pids.max'
}

@test "ubc --explain works with no container running" {
    run vessel ubc --explain
    assert_success
    assert_line --index 0 --partial "No container is running"
    [ "${#lines[@]}" -eq 22 ]
}

@test "ubc of a stopped CT fails with 31; without CTIDs it lists the running ones" {
    run vessel ubc 101
    assert_failure 31
    assert_output --partial "Container is not running"
    run vessel ubc
    assert_success
    [ "${#lines[@]}" -eq 2 ]
    vessel -q create 102
    vessel -q start 102 --wait
    run vessel ubc
    assert_success
    assert_line --regexp '^       102: '
    ! grep -q '^       101:' <<<"$output"
}

@test "maxheld keeps the highest value seen, in the run state" {
    vessel -q start 101 --wait
    vessel exec 101 sh -c 'for i in 1 2 3 4 5 6; do sleep 100 & done; true'
    run vessel ubc 101
    assert_success
    local before
    before=$(ubc_field numfile 1)
    [ -s "$T/run/101/ubc-maxheld" ]
    vessel exec 101 sh -c 'kill $(pidof sleep)'
    run vessel ubc 101
    assert_success
    [ "$(ubc_field numfile 2)" -ge "$before" ]
    [ "$(ubc_field numfile 1)" -lt "$before" ]
}

@test "list -o shows live beancounters, uptime and CPU settings" {
    echo 'CPUUNITS="1500"' >> "$T/conf/101.conf"
    vessel -q start 101 --wait
    run vessel list -H -o ctid,numproc,physpages.m,numfile.f,uptime,cpuunits
    assert_success
    read -r ctid nproc physm numfilef up cpuu <<<"$output"
    [ "$ctid" = 101 ] && [ "$nproc" -ge 1 ] && [ "$physm" -ge 1 ] && [ "$numfilef" = 0 ] && [ "$cpuu" = 1500 ]
    [[ "$up" =~ ^[0-9]{3}d[0-9]{2}h:[0-9]{2}m:[0-9]{2}s$ ]] || fail "uptime: $up"
    run vessel list -j -o numproc,physpages,uptime,laverage 101
    assert_success
    python3 - "$output" <<'PY'
import json, sys
ct = json.loads(sys.argv[1])[0]
assert ct["numproc"]["held"] >= 1 and ct["physpages"]["maxheld"] >= 1, ct
assert isinstance(ct["uptime"], int) and ct["uptime"] >= 0, ct
assert ct["laverage"] is None, ct
PY
    vessel -q stop 101
    run vessel list -a -H -o ctid,numproc,physpages.m,uptime
    assert_success
    [ "$(echo $output)" = "101 - - -" ]
}
