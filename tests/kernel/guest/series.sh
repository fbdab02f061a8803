#!/bin/sh
# Guest tests of the kernel series' own behaviour: envID (/proc/self/envid) and
# the beancounter cgroup controller (numfile, numflock, numsiginfo).
#
# Runs as root in the patched guest (busybox sh), with bctest on PATH and cgroup2
# at /sys/fs/cgroup. Prints one line per check: "ok NAME", "not ok NAME: what was
# seen" or "skip NAME: why". On a kernel without the series (or with its options
# off) every check is a skip, not a failure; tests/kernel/guest/series-off.sh
# checks that the features are really absent there.
#
# The cgroups it makes are named bcs-* directly under the cgroup it runs in, and
# are removed at the end.

CG=/sys/fs/cgroup
TMP=${TMPDIR:-/tmp}/series.$$
BASE=$CG$(sed -n 's/^0:://p' /proc/self/cgroup)
BASE=${BASE%/}

ok() { echo "ok $1"; }
notok() { echo "not ok $1: $2"; }
skip() { echo "skip $1: $2"; }

# expect NAME WANTED SEEN
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "expected '$2', saw '$3'"; fi
}

# bcval CGROUP FILE KEY: the value of KEY in beancounter.FILE
bcval() {
	sed -n "s/^$3 //p" "$1/beancounter.$2" 2>/dev/null
}

# settle CGROUP FILE KEY WANTED: wait (bounded) until KEY reads WANTED, then
# print what it reads. Files are freed by a delayed fput after a task exits,
# so a charge may take a moment to come back.
settle() {
	_i=0
	while [ "$_i" -lt 50 ]; do
		[ "$(bcval "$1" "$2" "$3")" = "$4" ] && break
		sleep 0.1
		_i=$((_i + 1))
	done
	bcval "$1" "$2" "$3"
}

# mkcg NAME [LIMITS]: a fresh child cgroup with beancounter limits
mkcg() {
	rmdir "$BASE/bcs-$1" 2>/dev/null
	mkdir "$BASE/bcs-$1" || return 1
	[ -z "$2" ] || echo "$2" > "$BASE/bcs-$1/beancounter.max"
}

# ---------------------------------------------------------------- envID

envid_tests() {
	if [ ! -e /proc/self/envid ]; then
		for t in status-host read-host range-zero range-high range-negative range-garbage \
			range-max once-same once-other inherit status-set self-only-init \
			self-only-parent unchanged privileged-uid privileged-cap single-threaded \
			thread-entry; do
			skip "envid-$t" "no /proc/self/envid (CONFIG_CONTAINER_ENVID off or series absent)"
		done
		return
	fi

	expect envid-status-host "envID:	0" "$(grep '^envID:' /proc/self/status)"
	expect envid-read-host 0 "$(cat /proc/self/envid)"

	expect envid-range-zero "write-envid 0: EINVAL" "$(bctest write-envid 0)"
	expect envid-range-high "write-envid 2147483648: EINVAL" "$(bctest write-envid 2147483648)"
	expect envid-range-negative "write-envid -1: EINVAL" "$(bctest write-envid -1)"
	expect envid-range-garbage "write-envid 12x: EINVAL" "$(bctest write-envid 12x)"
	expect envid-range-max "write-envid 2147483647: ok" "$(bctest write-envid 2147483647)"

	# once: a second write by the same process (the shell execs bctest) fails
	expect envid-once-same "write-envid 101: EEXIST" \
		"$(sh -c 'echo 101 > /proc/self/envid && exec bctest write-envid 101')"
	expect envid-once-other "write-envid 102: EEXIST" \
		"$(sh -c 'echo 101 > /proc/self/envid && exec bctest write-envid 102')"

	# inherited across exec (sh -> bctest), clone (a thread) and fork (+exec of cat)
	expect envid-inherit "envid: self 101 thread 101 child 101" \
		"$(sh -c 'echo 101 > /proc/self/envid && exec bctest show-envid')"
	expect envid-status-set "envID:	101" \
		"$(sh -c 'echo 101 > /proc/self/envid && grep "^envID:" /proc/self/status')"

	# self only: not PID 1's file, not the parent's
	expect envid-self-only-init "write-envid 7: EPERM" "$(bctest write-envid 7 /proc/1/envid)"
	expect envid-self-only-parent "write-envid 7: EPERM" \
		"$(sh -c 'exec bctest write-envid 7 /proc/$PPID/envid')"
	expect envid-unchanged "0 0" "$(cat /proc/1/envid) $(cat /proc/$$/envid)"

	# privileged: CAP_SYS_ADMIN in the initial user namespace
	expect envid-privileged-uid "write-envid 5: EPERM" \
		"$(bctest setuid 65534 -- bctest write-envid 5)"
	expect envid-privileged-cap "write-envid 5: EPERM" "$(bctest nocap -- bctest write-envid 5)"

	# single-threaded
	expect envid-single-threaded "write-envid 9: EBUSY" "$(bctest thread-then-write-envid 9)"

	# the per-thread entry shows the same value
	expect envid-thread-entry 101 \
		"$(sh -c 'echo 101 > /proc/self/envid && cat /proc/$$/task/$$/envid')"
}

# ---------------------------------------------------------------- beancounter

FLOCK_CHECKS="numflock-posix numflock-no-leak numflock-events numflock-merge numflock-split-limit
numflock-split numflock-flock numflock-convert"

SIGINFO_CHECKS="numsiginfo-limit numsiginfo-no-leak numsiginfo-events numsiginfo-receiver
numsiginfo-receiver-release"

BC_CHECKS="root-exempt default-max max-write max-invalid max-atomic numfile-limit numfile-no-leak
numfile-peak numfile-events numfile-pipes hierarchy-parent-limit hierarchy-events hierarchy-child-limit
hierarchy-current pinned-after-move pinned-rmdir pinned-release $FLOCK_CHECKS $SIGINFO_CHECKS
rmdir-after-use"

bc_tests() {
	if ! grep -qw beancounter "$CG/cgroup.controllers" 2>/dev/null; then
		for t in $BC_CHECKS; do
			skip "bc-$t" "no beancounter controller (CONFIG_CGROUP_BEANCOUNTER off or series absent)"
		done
		return
	fi
	if ! grep -qw beancounter "$BASE/cgroup.subtree_control" &&
	   ! echo +beancounter > "$BASE/cgroup.subtree_control"; then
		for t in $BC_CHECKS; do
			skip "bc-$t" "cannot enable beancounter in $BASE/cgroup.subtree_control"
		done
		return
	fi
	mkdir -p "$TMP"

	if [ "$BASE" = "$CG" ]; then
		expect bc-root-exempt "absent" \
			"$(ls $CG/beancounter.* >/dev/null 2>&1 && echo present || echo absent)"
	else
		skip bc-root-exempt "not running in the root cgroup"
	fi

	mkcg nf || { notok bc-default-max "mkdir $BASE/bcs-nf failed"; return; }
	C=$BASE/bcs-nf
	# numflock and numsiginfo have options of their own and may be configured out
	_keys=numfile
	grep -q '^numflock ' $C/beancounter.max && _keys="$_keys numflock"
	grep -q '^numsiginfo ' $C/beancounter.max && _keys="$_keys numsiginfo"
	_want=""
	for k in $_keys; do _want="$_want|$k max"; done
	for k in $_keys; do _want="$_want|$k 0"; done
	expect bc-default-max "${_want#|}" \
		"$(cat $C/beancounter.max $C/beancounter.current | tr '\n' '|' | sed 's/|$//')"

	echo "numfile 16" > $C/beancounter.max
	expect bc-max-write 16 "$(bcval $C max numfile)"
	_bad=""
	for w in "numfile -1" "numfile" "bogus 5" "numfile 1x" "numfile 9223372036854775807" ""; do
		if echo "$w" > $C/beancounter.max 2>/dev/null; then _bad="$_bad '$w'"; fi
	done
	expect bc-max-invalid "" "$_bad"
	echo "numfile 3 numfile x" > $C/beancounter.max 2>/dev/null
	echo "numfile 3 bogus 1" > $C/beancounter.max 2>/dev/null
	expect bc-max-atomic 16 "$(bcval $C max numfile)"

	# numfile: 16 files, then ENFILE; given back at exit; peak and events
	expect bc-numfile-limit "openmany: opened 16, then ENFILE" "$(bctest -c $C openmany 64 /dev/null)"
	expect bc-numfile-no-leak 0 "$(settle $C current numfile 0)"
	expect bc-numfile-peak 16 "$(bcval $C peak numfile)"
	expect bc-numfile-events 1 "$(bcval $C events numfile.max)"
	# a pipe is two files
	expect bc-numfile-pipes "pipemany: created 8, then ENFILE" "$(bctest -c $C pipemany 64)"
	settle $C current numfile 0 >/dev/null

	# hierarchy: the parent's limit binds the child; the refusal counts where the limit is
	echo +beancounter > $C/cgroup.subtree_control
	mkdir $C/a
	expect bc-hierarchy-parent-limit "openmany: opened 16, then ENFILE" \
		"$(bctest -c $C/a openmany 64 /dev/null)"
	expect bc-hierarchy-events "3 0" "$(bcval $C events numfile.max) $(bcval $C/a events numfile.max)"
	echo "numfile 4" > $C/a/beancounter.max
	expect bc-hierarchy-child-limit "openmany: opened 4, then ENFILE|3 1" \
		"$(bctest -c $C/a openmany 64 /dev/null)|$(bcval $C events numfile.max) $(bcval $C/a events numfile.max)"
	settle $C/a current numfile 0 >/dev/null
	echo "numfile max" > $C/a/beancounter.max

	# a charge stays with the opener's cgroup: move the holder out, the charge stays;
	# the cgroup can be removed while the files pin it; closing gives it back
	bctest -c $C/a hold-open 3 /dev/null 60 > $TMP/hold &
	_pid=$!
	expect bc-hierarchy-current "3 3" "$(settle $C/a current numfile 3) $(bcval $C current numfile)"
	echo $_pid > $BASE/cgroup.procs
	sleep 0.2
	expect bc-pinned-after-move "3 3" "$(bcval $C/a current numfile) $(bcval $C current numfile)"
	if rmdir $C/a; then ok bc-pinned-rmdir; else notok bc-pinned-rmdir "rmdir $C/a failed"; fi
	kill $_pid
	wait $_pid 2>/dev/null
	expect bc-pinned-release 0 "$(settle $C current numfile 0)"

	case " $_keys " in
	*" numflock "*) numflock_tests ;;
	*) for t in $FLOCK_CHECKS; do skip "bc-$t" "numflock configured out"; done ;;
	esac
	case " $_keys " in
	*" numsiginfo "*) numsiginfo_tests ;;
	*) for t in $SIGINFO_CHECKS; do skip "bc-$t" "numsiginfo configured out"; done ;;
	esac

	# every cgroup used above can be removed once its tasks are gone
	_left=""
	for d in nf fl sig; do
		[ -d $BASE/bcs-$d ] || continue
		rmdir $BASE/bcs-$d 2>/dev/null || _left="$_left bcs-$d"
	done
	expect bc-rmdir-after-use "" "$_left"
	rm -rf "$TMP"
}

numflock_tests() {
	# numflock: charged at insertion only
	mkcg fl "numflock 10"
	C=$BASE/bcs-fl
	expect bc-numflock-posix "posixlocks: locked 10, then ENOLCK" \
		"$(bctest -c $C posixlocks 50 $TMP/locks)"
	expect bc-numflock-no-leak 0 "$(settle $C current numflock 0)"
	expect bc-numflock-events 1 "$(bcval $C events numflock.max)"
	echo "numflock 1" > $C/beancounter.max
	expect bc-numflock-merge "posixmerge: locked 20" "$(bctest -c $C posixmerge 20 $TMP/merge)"
	expect bc-numflock-split-limit "posixsplit: lock ok, split ENOLCK" \
		"$(bctest -c $C posixsplit $TMP/split1)"
	echo "numflock 2" > $C/beancounter.max
	expect bc-numflock-split "posixsplit: lock ok, split ok" "$(bctest -c $C posixsplit $TMP/split2)"
	echo "numflock 5" > $C/beancounter.max
	mkdir -p $TMP/flocks
	expect bc-numflock-flock "flocks: locked 5, then ENOLCK|flocks: convert ok" \
		"$(bctest -c $C flocks 20 $TMP/flocks | tr '\n' '|' | sed 's/|$//')"
	# a conversion at the limit reuses the old lock's charge
	rm -rf $TMP/flocks1 && mkdir -p $TMP/flocks1
	expect bc-numflock-convert "flocks: locked 5|flocks: convert ok" \
		"$(bctest -c $C flocks 5 $TMP/flocks1 | tr '\n' '|' | sed 's/|$//')"
	settle $C current numflock 0 >/dev/null
}

numsiginfo_tests() {
	# numsiginfo: charged to the receiver when a siginfo is queued
	mkcg sig "numsiginfo 8"
	C=$BASE/bcs-sig
	expect bc-numsiginfo-limit "rtqueue: queued 8, then EAGAIN" "$(bctest -c $C rtqueue 50)"
	expect bc-numsiginfo-no-leak 0 "$(settle $C current numsiginfo 0)"
	expect bc-numsiginfo-events 1 "$(bcval $C events numsiginfo.max)"
	echo "numsiginfo 4" > $C/beancounter.max
	bctest -c $C rtblock 60 > $TMP/rt &
	_pid=$!
	_i=0
	while [ "$_i" -lt 50 ] && ! grep -q ready $TMP/rt; do sleep 0.1; _i=$((_i + 1)); done
	expect bc-numsiginfo-receiver "rtsend: queued 4, then EAGAIN|4" \
		"$(bctest rtsend $_pid 10)|$(bcval $C current numsiginfo)"
	kill -KILL $_pid
	wait $_pid 2>/dev/null
	expect bc-numsiginfo-receiver-release 0 "$(settle $C current numsiginfo 0)"
}

envid_tests
bc_tests
