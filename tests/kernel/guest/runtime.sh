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
# With the series (kernel_envid / kernel_bc = yes) the checks of what the
# runtime does with it go here, while CT $CT is running:
#   * envID: every process of the CT carries it (/proc/PID/envid and the
#     "envID:" line of /proc/PID/status equal $CT), host processes 0;
#   * NUMFILE: `vessel set $CT --numfile N` writes beancounter.max, an open
#     loop in the CT ends in ENFILE, and `vessel ubc` shows held, maxheld and
#     failcnt from beancounter.current, .peak and .events.
# On a kernel without them they report "skip NAME: why" (the stock kernel
# must also show envID absent: see the features checks above).

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
