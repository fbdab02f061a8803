#!/bin/sh
# The guest half of run-kernel-bench (busybox sh, run by tests/kernel/guest/init
# as root, cgroup2 alone at /sys/fs/cgroup, bctest on PATH).
#
# A is /kbench/ct: with the beancounter controller enabled down to it (the
# root's and /kbench's subtree_control) and limits set far above what the loop
# holds, so every operation is charged at two levels, as a CT below vessel's
# parent is, and never refused. B is the root cgroup: a controller enabled at
# the root has a css in every child of the root, so the root is the only
# cgroup of this hierarchy whose tasks are charged nowhere while A's are (the
# charge hook returns after one task_css() lookup, as for any cgroup whose
# ancestors do not enable the controller). No other controller is enabled, so
# A and B differ in nothing else a charge looks at.
#
# Every measurement is a fresh bctest that joins A or B (-c) and then times
# N iterations of one operation. Per round and operation A runs first in odd
# rounds and B first in even ones. One line per measurement:
#   bench OP SIDE ROUND NS_PER_ITER
# Settings from the kernel command line: VESSEL_BENCH_ROUNDS,
# VESSEL_BENCH_ITERS, VESSEL_BENCH_OPS (comma-separated).

CG=/sys/fs/cgroup
ROUNDS=${VESSEL_BENCH_ROUNDS:-10}
N=${VESSEL_BENCH_ITERS:-200000}
OPS=$(echo "${VESSEL_BENCH_OPS:-open,flock,sigqueue}" | tr , " ")
A=$CG/kbench/ct
LIMITS="numfile 1000000 numflock 1000000 numsiginfo 1000000"

mkdir -p "$A" || exit 1
if grep -qw beancounter $CG/cgroup.controllers; then
	echo +beancounter >$CG/cgroup.subtree_control &&
		echo +beancounter >$CG/kbench/cgroup.subtree_control &&
		echo "$LIMITS" >"$A/beancounter.max" || exit 1
	echo "bench: A has the controller: $(tr '\n' ' ' <"$A/beancounter.max")"
else
	echo "bench: no beancounter controller in this kernel: A is a plain cgroup"
fi
echo "bench: root subtree_control: '$(cat $CG/cgroup.subtree_control)'"
echo "bench: $ROUNDS rounds of $N iterations: $OPS"

# one OP SIDE ROUND
one() {
	_dir=$A
	[ "$2" = B ] && _dir=$CG
	case $1 in
	open) set -- "$@" bench-open "$N" /dev/null ;;
	flock) set -- "$@" bench-flock "$N" /tmp/kbench.lock ;;
	sigqueue) set -- "$@" bench-sigqueue "$N" ;;
	*) echo "not ok bench: unknown operation $1"; return 1 ;;
	esac
	_op=$1 _side=$2 _round=$3
	shift 3
	_out=$(bctest -c "$_dir" "$@") || { echo "not ok bench $_op $_side: $_out"; return 1; }
	_ns=${_out##*, }
	echo "bench $_op $_side $_round ${_ns% ns/iter}"
}

rc=0
r=1
while [ "$r" -le "$ROUNDS" ]; do
	for op in $OPS; do
		if [ $((r % 2)) = 1 ]; then
			one "$op" A "$r" && one "$op" B "$r" || rc=1
		else
			one "$op" B "$r" && one "$op" A "$r" || rc=1
		fi
	done
	r=$((r + 1))
done

# Proof that A was charged, and that every charge came back.
if [ -f "$A/beancounter.peak" ]; then
	sleep 1
	echo "bench: A peak: $(tr '\n' ' ' <"$A/beancounter.peak")"
	echo "bench: A current: $(tr '\n' ' ' <"$A/beancounter.current")"
	echo "bench: A events: $(tr '\n' ' ' <"$A/beancounter.events")"
fi
rmdir "$A" $CG/kbench
exit $rc
