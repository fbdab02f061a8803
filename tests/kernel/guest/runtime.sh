#!/bin/sh
# The runtime on a cgroup-v2-only kernel, inside the QEMU guest: one CT is
# created, started, entered, limited (numproc, physpages, cpulimit),
# reported on and stopped. Runs on every kernel the harness boots; what the
# kernel offers (envID, the beancounter controller) is read from the kernel
# itself and `vessel features` must agree with it.
#
# Output protocol (tests/kernel/README.md): "ok NAME", "not ok NAME: why",
# "skip NAME: why", one line each.
export VESSEL_CONF=${VESSEL_CONF:-/etc/vessel/vessel.conf}
CG=/sys/fs/cgroup
CT=101
out=/tmp/runtime.out

ok() { echo "ok $1"; }
not_ok() { echo "not ok $1: $2"; }
skip() { echo "skip $1: $2"; }
# The last lines of a command's output, on one line, for a "not ok".
brief() { tail -n "${2:-3}" "$1" 2>/dev/null | tr '\n' ' ' | cut -c1-240; }

# check NAME CMD...: ok when CMD succeeds; otherwise its status and output.
check() {
    name=$1
    shift
    if "$@" >"$out" 2>&1; then
        ok "$name"
    else
        not_ok "$name" "status $?: $(brief "$out")"
    fi
}

# knob FILE: a file of the CT's process container.
knob() { cat "$ctdir/$1" 2>/dev/null; }

# --- what the kernel offers, and what vessel says about it ---------------------
vessel features >/tmp/features 2>&1
if grep -q '^cgroup: v2 ' /tmp/features; then
    ok "features: cgroup v2"
else
    not_ok "features: cgroup v2" "$(grep '^cgroup:' /tmp/features)"
fi
for c in pids memory cpu io; do
    if grep -qw "$c" $CG/cgroup.controllers; then
        ok "kernel: $c controller"
    else
        not_ok "kernel: $c controller" "not in $(cat $CG/cgroup.controllers)"
    fi
done

kernel_envid=no
[ -e /proc/self/envid ] && kernel_envid=yes
kernel_bc=no
grep -qw beancounter $CG/cgroup.controllers && kernel_bc=yes
echo "# kernel: envid $kernel_envid, beancounter controller $kernel_bc"
# The harness knows what it built: the stock kernel and the series with its
# symbols off must show nothing of it, whatever vessel says.
if [ -n "${VESSEL_EXPECT_ENVID:-}" ]; then
    if [ "$kernel_envid/$kernel_bc" = "$VESSEL_EXPECT_ENVID/$VESSEL_EXPECT_BEANCOUNTER" ]; then
        ok "kernel ${VESSEL_KERNEL_KIND:-}: envid $kernel_envid, beancounter controller $kernel_bc"
    else
        not_ok "kernel ${VESSEL_KERNEL_KIND:-}: envid $VESSEL_EXPECT_ENVID, beancounter controller $VESSEL_EXPECT_BEANCOUNTER" \
            "the kernel has envid $kernel_envid, beancounter controller $kernel_bc"
    fi
fi
line=$(grep '^envid:' /tmp/features)
case $line in
"envid: $kernel_envid"*) ok "features: envid $kernel_envid" ;;
*) not_ok "features: envid $kernel_envid" "vessel says '$line'" ;;
esac
line=$(grep '^beancounter controller:' /tmp/features)
case $line in
"beancounter controller: $kernel_bc"*) ok "features: beancounter controller $kernel_bc" ;;
*) not_ok "features: beancounter controller $kernel_bc" "vessel says '$line'" ;;
esac

# --- create, start, exec ---------------------------------------------------------
check "create $CT" vessel -q create $CT --hostname ct$CT.guest
check "start $CT" vessel start $CT --wait
if vessel status $CT 2>&1 | grep -q running; then
    ok "status $CT: running"
else
    not_ok "status $CT: running" "$(vessel status $CT 2>&1)"
fi

# The CT's process container: CGROUP_PARENT/CTID, as the guest's vessel.conf says.
ctdir=$CG/$(sed -n 's/^CGROUP_PARENT=//p' "$VESSEL_CONF")/$CT
if [ -f "$ctdir/cgroup.procs" ] && [ -n "$(cat "$ctdir/cgroup.procs")" ]; then
    ok "process container $ctdir holds init"
else
    not_ok "process container $ctdir holds init" "$(ls -d $CG/*/* 2>&1 | tr '\n' ' ')"
fi

vessel exec $CT sh -c 'echo hello from $(hostname)' >"$out" 2>&1
if grep -qx "hello from ct$CT.guest" "$out"; then
    ok "exec runs inside"
else
    not_ok "exec runs inside" "$(brief "$out")"
fi
# A cgroup namespace: the CT sees its process container as its root.
vessel exec $CT cat /proc/self/cgroup >"$out" 2>&1
if grep -qx '0::/' "$out"; then
    ok "exec: cgroup namespace root"
else
    not_ok "exec: cgroup namespace root" "$(brief "$out")"
fi

# --- security on cgroup2: the device program, the delegated cgroup view ------------
# The BPF device program is the only device control here (no v1 devices
# controller): a node the CT makes itself opens nothing outside the allowlist
# (c 1:11 is /dev/kmsg; only a read is tried), while its /dev/null works.
got=$(vessel exec $CT sh -c 'mknod /tmp/kmsg c 1 11 && head -c 1 /tmp/kmsg >/dev/null; echo "rc=$?"' 2>&1 | tr '\n' ' ')
case $got in
*"Operation not permitted"*"rc=1"*) ok "devices: a node outside the allowlist opens nothing (BPF program)" ;;
*) not_ok "devices: a node outside the allowlist opens nothing (BPF program)" "'$got'" ;;
esac
check "devices: /dev/null works" vessel exec $CT sh -c 'echo x >/dev/null'
# cgroup2 mounted with nsdelegate: the CT's view is writable below its root,
# but its own limits at the root are not its to raise.
got=$(vessel exec $CT sh -c 'echo max > /sys/fs/cgroup/pids.max; echo "rc=$?"' 2>&1 | tr '\n' ' ')
case $got in
*"rc=1"*) ok "cgroup view: the CT cannot raise its own pids.max" ;;
*) not_ok "cgroup view: the CT cannot raise its own pids.max" "'$got'" ;;
esac
check "cgroup view: the CT makes and removes a cgroup below its root" \
    vessel exec $CT sh -c 'mkdir /sys/fs/cgroup/sub && rmdir /sys/fs/cgroup/sub'

# --- numproc -> pids.max ---------------------------------------------------------
limit=16
check "set --numproc $limit" vessel set $CT --numproc $limit:$limit
if [ "$(knob pids.max)" = $limit ]; then
    ok "numproc: pids.max = $limit"
else
    not_ok "numproc: pids.max = $limit" "pids.max is '$(knob pids.max)'"
fi
# Forks until the kernel refuses; the count is sampled while they live.
vessel exec $CT sh -c 'for i in $(seq 40); do sleep 8 & done; wait' >/dev/null 2>&1 &
forker=$!
most=0
for i in $(seq 40); do
    n=$(knob pids.current)
    [ "${n:-0}" -gt $most ] && most=$n
    knob pids.events | grep -Eq '^max [1-9]' && [ "$i" -ge 5 ] && break
    sleep 0.2
done
refused=$(knob pids.events | sed -n 's/^max //p')
if [ "${refused:-0}" -ge 1 ] && [ "$most" -le $limit ]; then
    ok "numproc: fork loop stopped at the limit ($most tasks, $refused refused)"
else
    not_ok "numproc: fork loop stopped at the limit" "most $most tasks, pids.events max ${refused:-none}"
fi
wait $forker
# The sleepers end by themselves; the limit goes back up for what follows.
check "set --numproc unlimited" vessel set $CT --numproc unlimited

# --- physpages -> memory.max ------------------------------------------------------
check "set --ram 32M --swap 0" vessel set $CT --ram 32M --swap 0
if [ "$(knob memory.max)" = $((32 << 20)) ]; then
    ok "physpages: memory.max = 32M"
else
    not_ok "physpages: memory.max = 32M" "memory.max is '$(knob memory.max)'"
fi
# awk doubles a string until the kernel kills it: 137 is SIGKILL.
vessel exec $CT awk 'BEGIN { s = "x"; while (1) s = s s }' >"$out" 2>&1
rc=$?
kills=$(knob memory.events | sed -n 's/^oom_kill //p')
if [ $rc = 137 ] && [ "${kills:-0}" -ge 1 ]; then
    ok "physpages: memory hog OOM-killed in the CT"
else
    not_ok "physpages: memory hog OOM-killed in the CT" "exit $rc, oom_kill ${kills:-none}: $(brief "$out" 1)"
fi
if vessel status $CT 2>&1 | grep -q running; then
    ok "physpages: CT still running after the OOM kill"
else
    not_ok "physpages: CT still running after the OOM kill" "$(vessel status $CT 2>&1)"
fi

# --- cpulimit -> cpu.max ------------------------------------------------------------
check "set --cpulimit 50" vessel set $CT --cpulimit 50
if [ "$(knob cpu.max)" = "50000 100000" ]; then
    ok "cpulimit: cpu.max = 50000 100000"
else
    not_ok "cpulimit: cpu.max = 50000 100000" "cpu.max is '$(knob cpu.max)'"
fi
# Two busy loops (the guest has two CPUs) for 4 s: the CT gets about half
# of one CPU, whatever it asks for.
uptime_cs() { awk '{ printf "%d", $1 * 100 }' /proc/uptime; }
used0=$(knob cpu.stat | sed -n 's/^usage_usec //p')
t0=$(uptime_cs)
vessel exec $CT sh -c 'for i in 1 2; do timeout 4 sh -c "while :; do :; done" & done; wait' >/dev/null 2>&1
t1=$(uptime_cs)
used1=$(knob cpu.stat | sed -n 's/^usage_usec //p')
pct=$(( (used1 - used0) / ((t1 - t0) * 100) ))
if [ "$pct" -ge 20 ] && [ "$pct" -le 65 ]; then
    ok "cpulimit: two busy loops get ${pct}% of one CPU"
else
    not_ok "cpulimit: two busy loops get about 50% of one CPU" "${pct}% ($((used1 - used0)) us in $((t1 - t0)) cs)"
fi

# --- the beancounter view -----------------------------------------------------------
vessel ubc $CT >"$out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q numproc "$out" && grep -q physpages "$out"; then
    ok "ubc $CT"
else
    not_ok "ubc $CT" "exit $rc: $(brief "$out")"
fi
vessel ubc --explain $CT >"$out" 2>&1
numfile=$(grep -i numfile "$out" | head -1)
if [ $kernel_bc = no ]; then
    # Stock kernel: numfile can only be counted, never enforced.
    case $numfile in
    *ccounted*) ok "ubc --explain: numfile accounted only" ;;
    *) not_ok "ubc --explain: numfile accounted only" "'$numfile'" ;;
    esac
fi

# --- kernel series: envID and numfile through the controller -------------------------
# envID: every process of the CT carries the CTID (init, and what exec and
# enter start); this shell, a host process, has 0.
if [ $kernel_envid = yes ]; then
    bad="" n=0
    for p in $(cat "$ctdir/cgroup.procs"); do
        e=$(cat /proc/$p/envid 2>/dev/null) || continue
        n=$((n + 1))
        [ "$e" = $CT ] || bad="$bad $p:$e"
    done
    if [ $n -gt 0 ] && [ -z "$bad" ]; then
        ok "envID: the CT's $n processes carry $CT"
    else
        not_ok "envID: the CT's processes carry $CT" "$n read, wrong:${bad:- none}"
    fi
    got=$(vessel exec $CT sh -c 'grep "^envID:" /proc/1/status; grep "^envID:" /proc/self/status' 2>&1 | tr '\t\n' ' ')
    if [ "$got" = "envID: $CT envID: $CT " ]; then
        ok "envID: init and an exec'd process show envID $CT in status"
    else
        not_ok "envID: init and an exec'd process show envID $CT in status" "'$got'"
    fi
    # enter runs its command on a pty: lines end in CR LF.
    got=$(vessel enter $CT --exec sh -c 'cat /proc/self/envid' </dev/null 2>/dev/null | tr -d '\r')
    if [ "$got" = $CT ]; then
        ok "envID: a process of enter carries $CT"
    else
        not_ok "envID: a process of enter carries $CT" "'$got'"
    fi
    if [ "$(cat /proc/self/envid)" = 0 ]; then
        ok "envID: host processes keep 0"
    else
        not_ok "envID: host processes keep 0" "this shell has $(cat /proc/self/envid)"
    fi
else
    skip "envID" "the kernel has no /proc/self/envid"
fi

# NUMFILE through beancounter.max: an open loop inside the CT ends in ENFILE
# below the limit, and vessel ubc shows held, maxheld and failcnt.
if [ $kernel_bc = yes ]; then
    # The last VE_PRIVATE of the file wins, as vessel reads it.
    priv=$(sed -n 's/^VE_PRIVATE=//p' "$VESSEL_CONF" | tail -1 | tr -d '"' | sed "s/[$]VEID/$CT/")
    cp "$(command -v bctest)" "$priv/bctest" || not_ok "numfile: bctest copied into the CT" "to $priv"
    check "set --numfile 40" vessel set $CT --numfile 40
    if grep -qx 'numfile 40' "$ctdir/beancounter.max"; then
        ok "numfile: beancounter.max has numfile 40"
    else
        not_ok "numfile: beancounter.max has numfile 40" "'$(tr '\n' ' ' <"$ctdir/beancounter.max")'"
    fi
    got=$(vessel exec $CT /bctest openmany 200 /dev/null 2>&1)
    opened=$(echo "$got" | sed -n 's/^openmany: opened \([0-9]*\), then ENFILE$/\1/p')
    if [ -n "$opened" ] && [ "$opened" -lt 40 ]; then
        ok "numfile: opens in the CT end in ENFILE below the limit ($opened opened)"
    else
        not_ok "numfile: opens in the CT end in ENFILE below the limit" "'$got'"
    fi
    vessel ubc $CT >"$out" 2>&1
    row=$(awk '$1 == "numfile" || $2 == "numfile" { print }' "$out")
    failcnt=$(echo "$row" | awk '{ print $NF }')
    maxheld=$(echo "$row" | awk '{ print $(NF - 3) }')
    if [ "${failcnt:-0}" -ge 1 ] && [ "${maxheld:-0}" -ge "${opened:-1}" ]; then
        ok "numfile: vessel ubc shows the refusal (failcnt $failcnt, maxheld $maxheld)"
    else
        not_ok "numfile: vessel ubc shows the refusal" "row '$row'"
    fi
    vessel ubc --explain $CT >"$out" 2>&1
    case $(grep -i numfile "$out" | head -1) in
    *nforced*beancounter.max*) ok "ubc --explain: numfile enforced by beancounter.max" ;;
    *) not_ok "ubc --explain: numfile enforced by beancounter.max" "'$(grep -i numfile "$out" | head -1)'" ;;
    esac
    check "set --numfile unlimited" vessel set $CT --numfile unlimited
    if grep -qx 'numfile max' "$ctdir/beancounter.max"; then
        ok "numfile: unlimited is max again"
    else
        not_ok "numfile: unlimited is max again" "'$(tr '\n' ' ' <"$ctdir/beancounter.max")'"
    fi
    rm -f "$priv/bctest"
else
    skip "numfile" "the kernel has no beancounter controller"
fi

# --- a CT with a user namespace (LOCAL_UID) ------------------------------------------
# The guest's private areas are on tmpfs, which Linux 6.1 cannot idmap: the
# files are shifted on disk at create, and envID still reaches every process.
U=102
printf 'LOCAL_UID="100000"\nLOCAL_GID="100000"\n' >/tmp/userns.conf
check "create $U with LOCAL_UID" sh -c "cat /tmp/userns.conf >>$VESSEL_CONF && vessel create $U; rc=\$?; sed -i '/^LOCAL_[UG]ID=/d' $VESSEL_CONF; exit \$rc"
uconf=$(dirname "$VESSEL_CONF")/conf/$U.conf
[ -f "$uconf" ] || uconf=$(sed -n 's/^CONFDIR=//p' "$VESSEL_CONF" | tail -1 | tr -d '"')/$U.conf
cat /tmp/userns.conf >>"$uconf"
upriv=$(sed -n 's/^VE_PRIVATE=//p' "$VESSEL_CONF" | tail -1 | tr -d '"' | sed "s/[$]VEID/$U/")
if [ "$(stat -c %u "$upriv/bin/busybox" 2>/dev/null)" = 100000 ]; then
    ok "userns: the private area is shifted to 100000 at create"
else
    not_ok "userns: the private area is shifted to 100000 at create" "owner $(stat -c %u "$upriv/bin/busybox" 2>&1)"
fi
check "start $U with LOCAL_UID" vessel start $U
got=$(vessel exec $U id -u 2>&1)
uinit=$(cat "$CG/$(sed -n 's/^CGROUP_PARENT=//p' "$VESSEL_CONF")/$U/cgroup.procs" 2>/dev/null | head -1)
hostuid=$(awk '/^Uid:/ { print $2 }' /proc/$uinit/status 2>/dev/null)
if [ "$got" = 0 ] && [ "$hostuid" = 100000 ]; then
    ok "userns: root inside is host uid 100000"
else
    not_ok "userns: root inside is host uid 100000" "id -u '$got', host uid of $uinit '$hostuid'"
fi
if [ $kernel_envid = yes ]; then
    got=$(vessel exec $U cat /proc/self/envid /proc/1/envid 2>&1 | tr '\n' ' ')
    if [ "$got" = "$U $U " ]; then
        ok "userns: envID $U in init and exec'd processes"
    else
        not_ok "userns: envID $U in init and exec'd processes" "'$got'"
    fi
fi
check "stop $U" vessel stop $U
check "destroy $U" vessel destroy $U

# --- stop and clean up ------------------------------------------------------------
check "stop $CT" vessel stop $CT
if vessel status $CT 2>&1 | grep -q running; then
    not_ok "stop: CT is down" "$(vessel status $CT 2>&1)"
else
    ok "stop: CT is down"
fi
if [ -d "$ctdir" ]; then
    not_ok "stop: process container removed" "$ctdir still exists"
else
    ok "stop: process container removed"
fi
left=$(for p in /proc/[0-9]*; do cat "$p/comm" 2>/dev/null; done | grep -c '^vessel')
if [ "$left" = 0 ]; then
    ok "stop: no vessel process left"
else
    not_ok "stop: no vessel process left" "$left left"
fi
check "destroy $CT" vessel destroy $CT
