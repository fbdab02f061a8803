# shellcheck shell=bash
# Helpers shared by the benchmark scripts (sourced, never run). The caller
# sets BENCH_NAME (for messages), VESSEL_SRC, and before using the cgroup
# helpers CG_PARENT; hf also wants OUT, ROUNDS and BENCH_WARMUP.

die() { echo "$BENCH_NAME: $*" >&2; exit 1; }
say() { echo "== $*" >&2; }

# tests/setup's package list and installer (vessel_packages,
# vessel_install_packages PKG...: only the missing ones), without its build.
VESSEL_SETUP_FUNCTIONS=1 source "$VESSEL_SRC/tests/setup"

# Prints the vessel binary to use: $VESSEL_BIN, else $VESSEL_BUILD (default
# build/) built through tests/setup.
bench_vessel_bin() {
    local bin=${VESSEL_BIN:-}
    if [ -z "$bin" ]; then
        (source "$VESSEL_SRC/tests/setup") >&2
        bin=${VESSEL_BUILD:-$VESSEL_SRC/build}/runtime/cli/vessel
    fi
    [ -x "$bin" ] || die "no vessel binary at $bin"
    realpath "$bin"
}

# Writes STATE/vessel.conf (and the samples into STATE/conf): every path
# under STATE, the run state in RUNDIR, the process containers below
# CG_PARENT, which vessel takes relative to the caller's own cgroup.
bench_write_conf() {  # bench_write_conf STATE RUNDIR
    local state=$1 rundir=$2
    mkdir -p "$state/conf"
    cp "$VESSEL_SRC"/runtime/config/etc/conf/*.conf-sample "$state/conf/"
    {
        cat "$VESSEL_SRC/runtime/config/etc/vessel.conf"
        echo "VE_ROOT=$state/root/\$VEID"
        echo "VE_PRIVATE=$state/private/\$VEID"
        echo "TEMPLATE=$state/template"
        echo "LOCKDIR=$state/lock"
        echo "DUMPDIR=$state/dump"
        echo "RUNDIR=$rundir"
        echo "CGROUP_PARENT=$CG_PARENT"
    } >"$state/vessel.conf"
}

# Our cgroup parent in every hierarchy, as the host sees it.
own_cgroup_dirs() {
    local hier path mnt
    while IFS=: read -r _ hier path; do
        case $hier in
        "") mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts) ;;
        *) mnt=$(awk -v c="$hier" '$3 == "cgroup" && ("," $4 ",") ~ ("," c ",") { print $2; exit }' /proc/self/mounts) ;;
        esac
        [ -n "$mnt" ] && [ -d "$mnt${path%/}/$CG_PARENT" ] && echo "$mnt${path%/}/$CG_PARENT"
    done </proc/$$/cgroup
    return 0
}

# Every process in our cgroup parent is one of ours: kill what survived the
# polite clean-up, a few times over, since a dying monitor may still fork.
kill_own_cgroups() {
    local i d pid left
    for i in $(seq 10); do
        left=0
        for d in $(own_cgroup_dirs); do
            for pid in $(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null); do
                kill -KILL "$pid" 2>/dev/null && left=1
            done
        done
        ((left)) || break
        sleep 0.5
    done
    return 0
}

# A monitor is in the cgroup of whoever ran vessel start, not below
# CG_PARENT; it ends once its init is gone and it has torn the CT down.
wait_monitors() {  # wait_monitors RUNDIR
    local d pid i
    for d in "$1"/*/state.json; do
        [ -f "$d" ] || continue
        pid=$(jq -r .monitor.pid "$d" 2>/dev/null)
        for i in $(seq 20); do
            [ -n "$pid" ] && [ "$(jq -r .monitor.start_time "$d" 2>/dev/null)" = \
                "$(awk '{ print $22 }' "/proc/$pid/stat" 2>/dev/null)" ] || break
            sleep 0.25
        done
    done
    return 0
}

remove_own_cgroups() {
    local d
    for d in $(own_cgroup_dirs); do
        find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
        rmdir "$d" 2>/dev/null || echo "$BENCH_NAME: could not remove cgroup $d" >&2
    done
    return 0
}

# Unmounts whatever is mounted below DIR, deepest first.
umount_under() {
    local m
    for m in $(awk -v p="$1" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
        umount -l "$m"
    done
}

# hf NAME OPTIONS NAME1 CMD1 NAME2 CMD2 ...: one comparison, ROUNDS hyperfine
# runs with every command in each, written to OUT/NAME-rROUND.{json,md,txt};
# odd rounds run the commands in the given order, even rounds in reverse, so
# a drift of the machine's speed (a shared VM) hits every command alike.
# OPTIONS is one word list for hyperfine.
hf() {
    local name=$1 opts=$2 r i n f
    shift 2
    local pairs=("$@") args
    n=$((${#pairs[@]} / 2))
    for ((r = 1; r <= ROUNDS; r++)); do
        args=()
        for ((i = 0; i < n; i++)); do
            local k=$i
            ((r % 2)) || k=$((n - 1 - i))
            args+=(-n "${pairs[2 * k]}" "${pairs[2 * k + 1]}")
        done
        f=$OUT/$name-r$r
        # shellcheck disable=SC2086
        hyperfine --warmup "$BENCH_WARMUP" $opts --export-json "$f.json" --export-markdown "$f.md" \
            --style basic "${args[@]}" >"$f.txt" 2>&1 || { cat "$f.txt" >&2; die "hyperfine $name failed"; }
        echo "   round $r: $(jq -r '[.results[] | "\(.command) \(.mean * 1000 * 100 | round / 100) ms"] | join(", ")' "$f.json")" >&2
    done
}

bench_machine_line() {
    echo "$(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo); kernel $(uname -r)"
}
