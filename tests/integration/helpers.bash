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
    export VESSEL_CONF
    VESSEL_CONF=$(make_conf "$T" "${SHARED_TEMPLATE:-$T/template}")
}

# Unmounts anything a test left under its directory (deepest first).
per_test_teardown() {
    local m
    for m in $(awk -v p="$BATS_TEST_TMPDIR" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
        umount -l "$m" 2>/dev/null || true
    done
}

vessel() {
    "$VESSEL_BIN" "$@"
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
