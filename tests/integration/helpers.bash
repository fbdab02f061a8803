# Shared set-up for the integration tests. Every test gets its own
# vessel.conf with every path under $BATS_TEST_TMPDIR; the busybox template is
# built once per file into $BATS_FILE_TMPDIR and shared read-only.

bats_load_library bats-support
bats_load_library bats-assert

VESSEL_SRC=${VESSEL_SRC:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
VESSEL_BIN=${VESSEL_BIN:-$VESSEL_SRC/build/runtime/cli/vessel}

# Writes a vessel.conf for a state root and prints its path.
make_conf() {
    local root=$1 template=${2:-$root/template}
    mkdir -p "$root/conf"
    cp "$VESSEL_SRC"/runtime/config/etc/conf/*.conf-sample "$root/conf/"
    {
        cat "$VESSEL_SRC/runtime/config/etc/vessel.conf"
        echo "VE_ROOT=$root/root/\$VEID"
        echo "VE_PRIVATE=$root/private/\$VEID"
        echo "TEMPLATE=$template"
        echo "LOCKDIR=$root/lock"
        echo "DUMPDIR=$root/dump"
        echo "RUNDIR=$root/run"
        echo "CGROUP_PARENT=${VESSEL_TEST_CGROUP:-vessel-test-$$}"
        echo "STOP_TIMEOUT=10"
        # Every CT of the run in a user namespace: the suites again, as
        # LOCAL_UID containers (not part of tests/run; see tests/README.md).
        [ -z "${VESSEL_TEST_LOCAL_UID:-}" ] || echo "LOCAL_UID=$VESSEL_TEST_LOCAL_UID"
    } > "$root/vessel.conf"
    echo "$root/vessel.conf"
}

shared_template_setup() {
    export SHARED_TEMPLATE=$BATS_FILE_TMPDIR/template
    local conf
    conf=$(make_conf "$BATS_FILE_TMPDIR/build" "$SHARED_TEMPLATE")
    VESSEL_CONF=$conf "$VESSEL_BIN" -q template create busybox
}

per_test_setup() {
    export T=$BATS_TEST_TMPDIR/v
    # Every test's process containers live below a parent of its own, under
    # the cgroup the suite runs in; teardown checks it is empty and removes it.
    export VESSEL_TEST_CGROUP=vessel-test-$$-$BATS_TEST_NUMBER
    export VESSEL_CONF
    VESSEL_CONF=$(make_conf "$T" "${SHARED_TEMPLATE:-$T/template}")
}

# A field of a CT's run state, e.g. `run_state_field 101 init.pid`.
run_state_field() {
    python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(v)' "$T/run/$1/state.json" "$2"
}

# How many processes run below the suite: below tests/subreaper (which
# adopts every orphan, monitors and CT inits included), or on the whole host
# when the suite runs without it. Other work on the machine does not count.
suite_process_count() {
    local top=1 p=$$
    while [ "$p" -gt 1 ]; do
        if grep -q subreaper "/proc/$p/cmdline" 2>/dev/null; then top=$p; break; fi
        p=$(awk '{ print $4 }' "/proc/$p/stat")
    done
    # Zombies are not counted: they have exited, and the subreaper collects
    # them as soon as it is scheduled.
    ps -e -o pid=,ppid=,stat= | awk -v top="$top" '
        { parent[$1] = $2; zombie[$1] = ($3 ~ /^Z/) }
        END {
            n = 0
            for (pid in parent) {
                if (zombie[pid]) continue
                for (q = pid; q != "" && q != 0 && q != 1 && q != top; q = parent[q]) {}
                if (q == top && pid != top) n++
            }
            print n
        }'
}

# True while the process PID that started at START (field 22 of its stat)
# runs; false once it has exited, even if it is a zombie not yet collected.
process_running() {
    local f
    f=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    f=${f##*) }
    set -- "$2" $f   # $2 is now field 3 (state), so field 22 is ${21}
    [ "$1" = "${21}" ] && [ "$2" != Z ] && [ "$2" != X ]
}

# per_test_setup plus CT 101 created from the shared template: the start of
# every test that runs a container.
ct101_setup() {
    per_test_setup
    vessel -q create 101 --hostname ct101.example.com
}

# The cgroup directories of this test's parent, one per hierarchy (those
# that exist), below the cgroup this shell is in.
# The cgroup this suite runs in, one directory per hierarchy (named v1
# hierarchies left out): every test's process containers live below it.
own_cgroup_dirs() {
    local hier path mnt
    while IFS=: read -r _ hier path; do
        case $hier in
        "") mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts) ;;
        name=*) continue ;;
        *) mnt=$(awk -v c="$hier" '$3 == "cgroup" && ("," $4 ",") ~ ("," c ",") { print $2; exit }' /proc/self/mounts) ;;
        esac
        [ -n "$mnt" ] && echo "$mnt${path%/}"
    done < /proc/self/cgroup
    return 0
}

test_cgroup_dirs() {
    local d
    for d in $(own_cgroup_dirs); do
        [ -d "$d/$VESSEL_TEST_CGROUP" ] && echo "$d/$VESSEL_TEST_CGROUP"
    done
    return 0
}

# Stops what a test left running, removes its cgroups, unmounts anything
# left under its directory (deepest first).
per_test_teardown() {
    local m id d
    if [ -d "$T/run" ]; then
        for d in "$T"/run/*/; do
            [ -d "$d" ] || continue
            id=$(basename "$d")
            "$VESSEL_BIN" -q stop --fast "$id" >/dev/null 2>&1 || true
        done
    fi
    for d in $(test_cgroup_dirs); do
        find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
        rmdir "$d" 2>/dev/null || true
    done
    for m in $(awk -v p="$BATS_TEST_TMPDIR" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
        umount -l "$m" 2>/dev/null || true
    done
}

vessel() {
    "$VESSEL_BIN" "$@"
}

# tests/helpers/escape_probe of the build that VESSEL_BIN comes from.
PROBE_BIN=${VESSEL_PROBE:-$(dirname "$VESSEL_BIN")/../../tests/helpers/escape_probe}

# Puts escape_probe into CT $1 as /probe (a busybox CT has nothing to build
# or load a program with; the probe is static).
install_probe() {
    [ -x "$PROBE_BIN" ] || fail "no escape_probe at $PROBE_BIN (build tests/helpers)"
    cp "$PROBE_BIN" "$T/private/$1/probe"
}

# PIDs in the CT's process container (host view), from its cgroup.procs.
ct_cgroup_procs() {
    local id=$1 d
    for d in $(test_cgroup_dirs); do
        cat "$d/$id/cgroup.procs" 2>/dev/null
    done | sort -un
}

# A tar archive built by python's tarfile from a small spec, for hostile
# templates. Usage: make_tar OUT 'python statements using add_file/add_dir/add_symlink/add_hardlink'
make_tar() {
    local out=$1 body=$2
    python3 - "$out" <<PY
import io, sys, tarfile
out = sys.argv[1]
tf = tarfile.open(out, "w:gz" if out.endswith(".gz") else "w")
def add_dir(name, mode=0o755):
    ti = tarfile.TarInfo(name); ti.type = tarfile.DIRTYPE; ti.mode = mode; tf.addfile(ti)
def add_file(name, data=b"x", mode=0o644):
    ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = mode; tf.addfile(ti, io.BytesIO(data))
def add_symlink(name, target):
    ti = tarfile.TarInfo(name); ti.type = tarfile.SYMTYPE; ti.linkname = target; tf.addfile(ti)
def add_hardlink(name, target):
    ti = tarfile.TarInfo(name); ti.type = tarfile.LNKTYPE; ti.linkname = target; tf.addfile(ti)
$body
tf.close()
PY
}

# Nothing of a stopped CT is left: run state, cgroups, the VE_ROOT mount.
assert_stopped_clean() {
    local id=$1
    [ ! -e "$T/run/$id" ] || fail "run state of $id left: $(ls -A "$T/run/$id")"
    local d
    for d in $(test_cgroup_dirs); do
        [ ! -e "$d/$id" ] || fail "cgroup $d/$id left"
    done
    ! grep -q " $T/root/$id " /proc/self/mountinfo || fail "VE_ROOT of $id still mounted"
}
