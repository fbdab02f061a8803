#!/usr/bin/env bats
# Running containers: start, exec, enter, stop, restart, the monitor and the
# process container.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { shared_template_setup; }
setup() { ct101_setup; }
teardown() { per_test_teardown; }

@test "start runs init as PID 1 in its own namespaces; stop cleans everything" {
    run vessel start 101
    assert_success
    assert_output --partial "Container start in progress"
    run vessel status 101
    assert_output "CTID 101 exist mounted running"
    run vessel exec 101 cat /proc/1/comm
    assert_success
    assert_output "init"
    run vessel exec 101 hostname
    assert_output "ct101.example.com"
    run vessel stop 101
    assert_success
    assert_output --partial "Container was stopped"
    run vessel status 101
    assert_output "CTID 101 exist unmounted down"
    assert_stopped_clean 101
}

@test "ps inside shows only the container's processes; the host is not visible" {
    vessel start 101 --wait
    run vessel exec 101 ps -o pid,comm
    assert_success
    refute_output --partial "bats"
    refute_output --partial "vessel"
    # Far fewer processes than the host has.
    [ "$(vessel exec 101 ls /proc | grep -c '^[0-9]')" -lt 20 ]
    # The host's root and its other mounts are not there.
    run vessel exec 101 cat /proc/mounts
    refute_output --partial "$T"
    refute_output --partial "/work"
    run vessel exec 101 ls /
    refute_output --partial "work"
    [ -e "$T/private/101/bin/busybox" ]
}

@test "hostname, IPC and mount namespaces are the container's own" {
    vessel start 101
    [ "$(vessel exec 101 hostname)" = ct101.example.com ]
    [ "$(hostname)" != ct101.example.com ]
    init=$(run_state_field 101 init.pid)
    for ns in pid mnt uts ipc net cgroup; do
        [ "$(readlink /proc/$init/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] || fail "$ns namespace shared with the host"
    done
    # The CT's /proc, /sys and /dev exist only in its own mount table.
    vessel exec 101 grep -q ' /proc proc ' /proc/mounts
    ! grep -q " $T/root/101/proc " /proc/self/mountinfo
    # Its root cannot change the host name (no sys_admin by default).
    run vessel exec 101 hostname changed.example.com
    assert_failure
    [ "$(hostname)" != changed.example.com ]
}

@test "/proc/self/cgroup inside shows the container's cgroup root" {
    vessel start 101
    run vessel exec 101 cat /proc/self/cgroup
    assert_success
    # Every hierarchy shows "/" (the cgroup namespace root is the CT's cgroup).
    while IFS= read -r line; do
        [[ $line == *:/ ]] || [[ $line == *name=systemd* ]] || fail "not at its cgroup root: $line"
    done <<< "$output"
}

@test "every process, init and exec'd ones, is in the process container" {
    vessel start 101
    vessel exec 101 sleep 1000 &
    local exec_pid=$!
    sleep 0.5
    procs=$(ct_cgroup_procs 101)
    [ -n "$procs" ]
    init=$(run_state_field 101 init.pid)
    echo "$procs" | grep -qx "$init"
    # The command descends from this test's `vessel exec` (other suites on
    # the machine may run a sleep 1000 of their own).
    local sleeper="" p q
    for p in $(pgrep -f '^sleep 1000'); do
        q=$p
        while [ "$q" -gt 1 ] && [ "$q" != "$exec_pid" ]; do q=$(awk '{ print $4 }' "/proc/$q/stat" 2>/dev/null || echo 1); done
        [ "$q" = "$exec_pid" ] && sleeper=$p
    done
    [ -n "$sleeper" ]
    echo "$procs" | grep -qx "$sleeper" || fail "sleep $sleeper not in the container"
    for d in $(test_cgroup_dirs); do
        [ -n "$(cat "$d/101/cgroup.procs")" ] || fail "$d/101 has no processes"
    done
    vessel stop --fast 101
    wait || true
}

@test "exec returns the command's exit status" {
    vessel start 101
    run vessel exec 101 true
    assert_success
    run vessel exec 101 sh -c 'exit 7'
    assert_equal "$status" 7
    run -127 vessel exec 101 no-such-command
    assert_output --partial "no-such-command"
    run vessel exec 101 sh -c 'kill -TERM $$'
    assert_equal "$status" 143
    run vessel exec 101 -- ls -l /bin/busybox
    assert_success
    run vessel exec 101 /etc/passwd
    assert_equal "$status" 126
    assert_output --partial "/etc/passwd: Permission denied"
}

@test "exec refuses to run without vessel-spawn beside vessel, and changes nothing" {
    vessel start 101
    mkdir -p "$T/bin"
    cp "$VESSEL_BIN" "$T/bin/vessel"
    local before
    before=$(vessel exec 101 ps -o comm)
    run "$T/bin/vessel" exec 101 touch /made-by-exec
    assert_equal "$status" 3
    assert_output --partial "vessel-spawn: not found beside the vessel executable"
    [ ! -e "$T/private/101/made-by-exec" ]
    [ "$(vessel exec 101 ps -o comm)" = "$before" ]
    run vessel status 101
    assert_output --partial running
}

@test "vessel -v exec says how the command is started" {
    vessel start 101
    run vessel -v exec 101 true
    assert_success
    assert_output --partial "joined the container with setns(pidfd,"
    assert_output --partial "vessel-spawn (read-only detached mount)"
}

@test "exec passes stdin through and runs scripts from stdin with -" {
    vessel start 101
    run bash -c "echo hello-stdin | '$VESSEL_BIN' exec 101 cat"
    assert_output "hello-stdin"
    run bash -c "printf 'echo one\nexit 5\n' | '$VESSEL_BIN' exec 101 -"
    assert_equal "$status" 5
    assert_output "one"
}

@test "exec sees only fds 0, 1 and 2 and runs in the container's /" {
    vessel start 101
    cd "$T"
    run vessel exec 101 sh -c 'ls /proc/self/fd; pwd'
    assert_success
    # ls's own directory fd is the 3 it lists.
    assert_output "0
1
2
3
/"
}

@test "exec -t runs the command on a pty from the container's devpts" {
    vessel start 101
    run script -qec "'$VESSEL_BIN' exec -t 101 tty" /dev/null
    assert_success
    assert_output --regexp '/dev/pts/[0-9]+'
}

@test "enter gives a shell on a pty inside the CT" {
    vessel start 101
    run script -qec "'$VESSEL_BIN' enter 101 --exec sh -c 'echo inside-\$(hostname); tty; exit 3'" /dev/null
    assert_output --partial "entered into CT 101"
    assert_output --partial "inside-ct101.example.com"
    assert_output --regexp '/dev/pts/[0-9]+'
    assert_output --partial "exited from CT 101"
    run bash -c "printf 'echo shell-says-\$((6*7))\nexit\n' | script -qec '$VESSEL_BIN enter 101' /dev/null"
    assert_output --partial "shell-says-42"
}

@test "start --wait returns after the boot sequence ran" {
    run vessel start 101 --wait
    assert_success
    vessel exec 101 test -e /run/vessel-booted
}

@test "uptime inside counts from container start" {
    vessel start 101
    up=$(vessel exec 101 cut -d. -f1 /proc/uptime)
    [ "$up" -lt 30 ]
}

@test "vessel -v start says which clone path was taken" {
    run vessel -v start 101
    assert_success
    assert_output --regexp 'clone3|clone\('
}

@test "errors: start running (32), stop stopped (31), exec into stopped (31)" {
    run vessel stop 101
    assert_equal "$status" 31
    run vessel exec 101 true
    assert_equal "$status" 31
    vessel start 101
    run vessel start 101
    assert_equal "$status" 32
    run vessel destroy 101
    assert_equal "$status" 32
    run vessel umount 101
    assert_equal "$status" 32
}

@test "a CT without any init fails to start with 47 and is left as it was" {
    rm -f "$T/private/101/sbin/init" "$T/private/101/etc/init" "$T/private/101/bin/init" "$T/private/101/bin/sh"
    run vessel start 101
    assert_equal "$status" 47
    assert_output --partial "no init"
    run vessel status 101
    assert_output "CTID 101 exist unmounted down"
    assert_stopped_clean 101
}

@test "a failed start leaves a mounted CT mounted" {
    vessel mount 101
    rm -f "$T/private/101/sbin/init" "$T/private/101/etc/init" "$T/private/101/bin/init" "$T/private/101/bin/sh"
    run vessel start 101
    assert_equal "$status" 47
    run vessel status 101
    assert_output "CTID 101 exist mounted down"
    vessel umount 101
}

@test "stop falls back to kill when init ignores the shutdown" {
    cat > "$T/private/101/sbin/stubborn" <<'SH'
#!/bin/sh
trap '' TERM INT HUP USR1 USR2 PWR
while :; do sleep 1; done
SH
    chmod +x "$T/private/101/sbin/stubborn"
    rm -f "$T/private/101/sbin/init" "$T/private/101/bin/halt" "$T/private/101/sbin/halt"
    ln -s stubborn "$T/private/101/sbin/init"
    vessel start 101
    start=$(date +%s)
    run vessel stop --timeout 2 101
    assert_success
    assert_output --partial "killing it"
    [ $(( $(date +%s) - start )) -ge 2 ]
    assert_stopped_clean 101
}

@test "stop --fast kills at once" {
    vessel start 101
    run vessel stop --fast 101
    assert_success
    assert_stopped_clean 101
}

@test "halt inside the CT stops it and cleans up" {
    vessel start 101 --wait
    vessel exec 101 halt
    for _ in $(seq 100); do [ -e "$T/run/101" ] || break; sleep 0.1; done
    run vessel status 101
    assert_output "CTID 101 exist unmounted down"
    assert_stopped_clean 101
}

@test "reboot inside the CT restarts it" {
    vessel start 101 --wait
    old=$(run_state_field 101 init.start_time)
    vessel exec 101 reboot
    for _ in $(seq 100); do
        new=$(run_state_field 101 init.start_time 2>/dev/null || echo gone)
        [ "$new" != "$old" ] && [ "$new" != gone ] && break
        sleep 0.1
    done
    [ "$new" != "$old" ] && [ "$new" != gone ]
    run vessel status 101
    assert_output "CTID 101 exist mounted running"
    run vessel exec 101 true
    assert_success
}

@test "restart stops and starts again" {
    vessel start 101
    old=$(run_state_field 101 init.start_time)
    run vessel restart 101
    assert_success
    new=$(run_state_field 101 init.start_time)
    [ "$new" != "$old" ]
}

@test "killing the monitor leaves the CT running and manageable" {
    vessel start 101
    mon=$(run_state_field 101 monitor.pid)
    kill -KILL "$mon"
    sleep 0.2
    run vessel status 101
    assert_output "CTID 101 exist mounted running"
    run vessel exec 101 echo still-here
    assert_output "still-here"
    run vessel stop 101
    assert_success
    assert_stopped_clean 101
}

@test "when stop returns, the CT's monitor has exited too" {
    local how
    for how in --fast ""; do
        vessel start 101
        mon=$(run_state_field 101 monitor.pid)
        started=$(run_state_field 101 monitor.start_time)
        process_running "$mon" "$started"
        vessel stop $how 101
        ! process_running "$mon" "$started" || fail "monitor $mon still runs after stop $how"
    done
}

@test "a CT whose init died unattended is cleaned up by the next status" {
    vessel start 101
    mon=$(run_state_field 101 monitor.pid)
    init=$(run_state_field 101 init.pid)
    kill -KILL "$mon"
    kill -KILL "$init"
    sleep 0.3
    run vessel status 101
    assert_output "CTID 101 exist unmounted down"
    assert_stopped_clean 101
    run vessel start 101
    assert_success
}

@test "a start killed half-way is recovered by the next start" {
    # A run state as a start leaves it when killed before the monitor ran.
    vessel mount 101
    sleep 30 & dead=$!
    st=$(awk '{ sub(/.*\) /, ""); print $20 }' /proc/$dead/stat)
    kill -KILL $dead; wait $dead || true
    mkdir -p "$T/run/101"
    printf '{"phase":"starting","starter":{"pid":%d,"start_time":%s},"init":{"pid":0,"start_time":0},"monitor":{"pid":0,"start_time":0},"cgroups":[],"mounted_by_start":true}\n' \
        "$dead" "$st" > "$T/run/101/state.json"
    run vessel status 101
    assert_output "CTID 101 exist unmounted down"
    run vessel start 101
    assert_success
    run vessel status 101
    assert_output "CTID 101 exist mounted running"
}

@test "20 CTs start in parallel, all run, and all stop" {
    for i in $(seq 201 220); do vessel -q create $i; done
    for i in $(seq 201 220); do vessel -q start $i > "$T/start.$i" 2>&1 & done
    wait
    cat "$T"/start.*
    for i in $(seq 201 220); do
        run vessel status $i
        assert_output "CTID $i exist mounted running"
    done
    run vessel list -H -o ctid
    assert_equal "${#lines[@]}" 20
    for i in $(seq 201 220); do vessel -q stop --fast $i & done
    wait
    for i in $(seq 201 220); do assert_stopped_clean $i; done
}

@test "50 start/exec/stop cycles leave no mounts, cgroups, processes or fds" {
    before_mounts=$(wc -l < /proc/self/mountinfo)
    before_procs=$(suite_process_count)
    for i in $(seq 50); do
        vessel -q start 101
        [ "$(vessel exec 101 echo ok)" = ok ]
        vessel -q stop --fast 101
    done
    assert_stopped_clean 101
    [ "$(wc -l < /proc/self/mountinfo)" -eq "$before_mounts" ]
    [ "$(suite_process_count)" -le "$before_procs" ]
    ! pgrep -f "$VESSEL_BIN" >/dev/null
    # A vessel process keeps no fd beyond 0-2 into the container.
    vessel -q start 101
    run vessel exec 101 ls /proc/1/fd
    assert_output "0
1
2"
}

@test "the joining vessel process is not visible inside the CT" {
    vessel start 101
    # While `vessel exec` runs, none of the CT's processes sees it (its own
    # PID namespace is the host's; only the command is created inside).
    vessel exec 101 sleep 2 &
    sleep 0.5
    run vessel exec 101 sh -c 'for p in /proc/[0-9]*; do readlink $p/exe; done'
    refute_output --partial "vessel"
    wait || true
}

@test "the process visible in the CT before the command runs holds nothing of the host (CVE-2019-5736)" {
    vessel start 101
    local root=$T/private/101
    # The attacker: container root, which keeps CAP_SYS_PTRACE. It waits for
    # the runtime's process to show up in the container, keeps an fd of its
    # executable (held by a sleep), and once no vessel runs any more tries to
    # reopen that executable for writing, as the runc exploit did.
    cat > "$root/attack.sh" <<'SCRIPT'
end=$(($(date +%s) + 60))
while [ ! -e /caught ]; do
    for d in /proc/[0-9]*; do
        case "$(cat "$d/comm" 2>/dev/null)" in vessel*) ;; *) continue ;; esac
        sleep 1000 3<"$d/exe" 2>/dev/null &
        holder=$!
        grep -E '^Cap(Eff|Bnd):' "$d/status" > /caught.caps
        ls -l "$d/fd/" > /caught.fds 2>&1
        echo "$holder" > /caught
        break
    done
    [ "$(date +%s)" -lt "$end" ] || { echo none > /caught; exit 0; }
done
while [ ! -e /go ]; do sleep 0.1; done
fd=/proc/$(cat /caught)/fd/3
if [ -e "$fd" ] && (: >> "$fd") 2>/why; then echo writable; else echo "refused: $(cat /why)"; fi > /result.new
mv /result.new /result
SCRIPT
    vessel exec 101 sh -c 'sh /attack.sh </dev/null >/dev/null 2>&1 &'
    # strace holds every execve for 2 s, the command's among them: the window
    # between the process's creation and the exec of the command, which is
    # otherwise microseconds, becomes wide enough to catch every time.
    strace -f -qq -o /dev/null -e trace=execve -e inject=execve:delay_enter=2000000 \
        "$VESSEL_BIN" exec 101 /bin/true
    for _ in $(seq 100); do [ -s "$root/caught" ] && break; sleep 0.1; done
    run cat "$root/caught"
    refute_output none
    assert_output --regexp '^[0-9]+$'
    # Only the container's capabilities, the same as its init's.
    run vessel exec 101 grep -E '^Cap(Eff|Bnd):' /proc/1/status
    assert_equal "$(cat "$root/caught.caps")" "$output"
    # No fd beyond stdio but the sync socket.
    run awk '$9 ~ /^[0-9]+$/ && $9 > 2 && $11 !~ /^socket:/' "$root/caught.fds"
    assert_output ""
    grep -q ' -> socket:' "$root/caught.fds"
    # No vessel runs now; its executable must still refuse writes.
    touch "$root/go"
    for _ in $(seq 100); do [ -s "$root/result" ] && break; sleep 0.1; done
    run cat "$root/result"
    assert_output --partial "refused: "
    assert_output --partial "Read-only file system"
}

@test "an attacker scanning /proc during 200 execs never gets the runtime's executable for writing (CVE-2019-5736 race)" {
    # The test above widens the window with strace; this one leaves the
    # timing alone and makes the attacker fast instead: container root runs
    # tests/helpers/escape_probe, which scans /proc without pause for any
    # process named vessel* and, for each one it catches before the command
    # is executed, opens /proc/PID/exe for writing, keeps an fd of it and
    # reopens that for writing (at once, and again once no exec runs), and
    # attaches with ptrace.
    install_probe 101
    local root=$T/private/101
    vessel start 101
    # Started by an exec of its own, before the ones it watches. If the test
    # fails before it ends, per_test_teardown's stop of the CT ends it.
    vessel exec 101 sh -c '/probe exe_race /bin/true /race.ready /race.stop >/race.out 2>&1 </dev/null &'
    for _ in $(seq 100); do [ -e "$root/race.ready" ] && break; sleep 0.1; done
    [ -e "$root/race.ready" ] || fail "the attacker did not start"
    # 200 execs, or as many as 40 s allow on a loaded machine.
    local n=0 until=$((SECONDS + 40))
    while [ "$n" -lt 200 ] && [ "$SECONDS" -lt "$until" ]; do
        vessel exec 101 /bin/true || fail "exec $n failed with the attacker running"
        n=$((n + 1))
    done
    touch "$root/race.stop"
    for _ in $(seq 100); do grep -q '^ptrace ' "$root/race.out" 2>/dev/null && break; sleep 0.1; done
    run cat "$root/race.out"
    assert_line --regexp '^caught [0-9]+$'
    local caught
    caught=$(sed -n 's/^caught //p' "$root/race.out")
    # How often the window was hit depends on the machine; 0 is no failure.
    echo "# caught $caught in $n execs ($(tr '\n' ' ' < "$root/race.out"))" >&3
    # While the process runs, the kernel answers ETXTBSY as well; no open for
    # writing may ever succeed.
    assert_line --regexp '^write-exe ok=0 refused=[0-9]+( |$)'
    assert_line --regexp '^reopen-now ok=0 refused=[0-9]+( |$)'
    # Once nothing executes it, only the read-only mount stands between the
    # kept fds and the file: every one refused, with EROFS.
    if [ "$caught" -gt 0 ]; then
        assert_line "reopen-later ok=0 refused=$caught EROFS=$caught"
    else
        assert_line "reopen-later ok=0 refused=0"
    fi
    # Container root keeps sys_ptrace and has no user namespace of its own,
    # so attaching works (docs/architecture.md, "Joining a running
    # container"); what it attaches to must hold the CT's capabilities only.
    assert_line --regexp '^ptrace ok=[0-9]+ refused=[0-9]+ host-caps=0$'
}

@test "CAPABILITY: set --capability changes the mask at the next start; exec keeps the running one" {
    vessel start 101
    local before
    before=$(vessel exec 101 grep CapBnd /proc/1/status)
    # sys_time is off by default (OpenVZ's mask); net_raw is on.
    run vessel set 101 --capability sys_time:on --capability net_raw:off --save
    assert_success
    assert_output --partial "CAPABILITY takes effect at the next start"
    grep -qx 'CAPABILITY="net_raw:off sys_time:on"' "$T/conf/101.conf"
    # Still running with the old mask, and so is a new exec.
    [ "$(vessel exec 101 grep CapBnd /proc/1/status)" = "$before" ]
    [ "$(vessel exec 101 grep CapBnd /proc/self/status)" = "$before" ]
    vessel restart 101
    local bnd
    bnd=$(vessel exec 101 grep CapBnd /proc/1/status | awk '{ print $2 }')
    (( (16#$bnd >> 25) & 1 ))          # CAP_SYS_TIME
    (( !((16#$bnd >> 13) & 1) ))       # CAP_NET_RAW
    bnd=$(vessel exec 101 grep CapEff /proc/self/status | awk '{ print $2 }')
    (( (16#$bnd >> 25) & 1 ))
    # Adding up, the later setting winning.
    vessel set 101 --capability sys_time:off --save
    grep -qx 'CAPABILITY="net_raw:off sys_time:off"' "$T/conf/101.conf"
    run vessel set 101 --capability bogus_cap:on --save
    assert_equal "$status" 21
    assert_output --partial "bogus_cap"
    grep -qx 'CAPABILITY="net_raw:off sys_time:off"' "$T/conf/101.conf"
}

@test "vessel features reports the kernel's capabilities and fallbacks" {
    run vessel features
    assert_success
    assert_output --partial "cgroup"
    assert_output --partial "clone3"
    assert_output --partial "time namespace"
    assert_output --partial "CLONE_INTO_CGROUP"
}

@test "DISABLED=yes refuses start with 105 unless --force" {
    echo 'DISABLED="yes"' >> "$T/conf/101.conf"
    run vessel start 101
    assert_equal "$status" 105
    assert_output --partial "disabled"
    run vessel status 101
    assert_output "CTID 101 exist unmounted down"
    run vessel start 101 --force
    assert_success
}

@test "options after the CTID of exec belong to the command" {
    vessel start 101
    run vessel exec 101 ls --help
    refute_output --partial "Usage: vessel"
    run vessel exec 101 sh -c 'echo "$1"' sh --help
    assert_output "--help"
}

@test "without HOSTNAME the CT is named by its own /etc/hostname, never the host's" {
    vessel -q create 102
    echo templated-name > "$T/private/102/etc/hostname"
    vessel start 102
    run vessel exec 102 hostname
    assert_output "templated-name"
    vessel stop --fast 102
}

@test "bad stop timeouts are refused with 21" {
    vessel start 101
    run vessel stop --timeout -1 101
    assert_equal "$status" 21
    run vessel stop --timeout soon 101
    assert_equal "$status" 21
    run vessel status 101
    assert_output "CTID 101 exist mounted running"
}
