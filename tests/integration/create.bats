#!/usr/bin/env bats
# create / status / mount / umount / destroy of containers at rest.

load helpers

setup_file() { shared_template_setup; }
setup() { per_test_setup; }
teardown() { per_test_teardown; }

# Nothing of CT $1 exists: no private area, no temporary, no config, no root.
assert_no_trace() {
    local id=$1
    [ ! -e "$T/private/$id" ] || fail "private area $T/private/$id left behind"
    [ ! -e "$T/private/$id.tmp" ] || fail "temporary $T/private/$id.tmp left behind"
    [ ! -e "$T/conf/$id.conf" ] || fail "config $T/conf/$id.conf left behind"
    [ ! -e "$T/root/$id" ] || fail "VE_ROOT $T/root/$id left behind"
}

@test "create, status, list and destroy a CT from the busybox template" {
    run vessel create 101 --hostname ct101.example.com
    assert_success
    assert_output --partial "Container private area was created"
    [ -x "$T/private/101/bin/busybox" ]
    [ -d "$T/root/101" ]
    run vessel status 101
    assert_success
    assert_output "CTID 101 exist unmounted down"
    grep -q '^OSTEMPLATE="busybox"$' "$T/conf/101.conf"
    grep -q '^HOSTNAME="ct101.example.com"$' "$T/conf/101.conf"
    grep -q '^ORIGIN_SAMPLE=' "$T/conf/101.conf"
    run vessel list -a -H -o ctid,status,hostname
    assert_success
    assert_output --regexp '^ +101 stopped +ct101\.example\.com$'
    run vessel destroy 101
    assert_success
    assert_output --partial "Container private area was destroyed"
    assert_no_trace 101
    [ -f "$T/conf/101.conf.destroyed" ]
    run vessel status 101
    assert_output "CTID 101 deleted unmounted down"
}

@test "the new config comes from the sample, keeping its comments" {
    run vessel create 102 --config vswap-256m
    assert_success
    grep -q '^ORIGIN_SAMPLE="vswap-256m"$' "$T/conf/102.conf"
    # Every line of the sample survives verbatim.
    while IFS= read -r line; do
        grep -qxF -- "$line" "$T/conf/102.conf" || fail "sample line lost: $line"
    done < "$T/conf/ve-vswap-256m.conf-sample"
}

@test "create with a missing template exits 91 and leaves nothing" {
    run vessel create 103 --ostemplate no-such-template
    assert_equal "$status" 91
    assert_output --partial "no-such-template"
    assert_no_trace 103
}

@test "create with an invalid template name exits 21" {
    run vessel create 103 --ostemplate ../../etc/passwd
    assert_equal "$status" 21
    assert_no_trace 103
}

@test "create twice exits 44 and keeps the first CT" {
    vessel create 104
    echo keep > "$T/private/104/root/marker"
    run vessel create 104
    assert_equal "$status" 44
    assert_output --partial "already exists"
    [ "$(cat "$T/private/104/root/marker")" = keep ]
}

@test "--config with an existing CT config exits 82" {
    vessel create 105
    vessel destroy 105
    mv "$T/conf/105.conf.destroyed" "$T/conf/105.conf"
    run vessel create 105 --config basic
    assert_equal "$status" 82
    [ ! -e "$T/private/105" ]
}

@test "a missing sample exits 82 and leaves nothing" {
    run vessel create 106 --config no-such-sample
    assert_equal "$status" 82
    assert_output --partial "ve-no-such-sample.conf-sample"
    assert_no_trace 106
}

@test "a bad value in the sample exits 21 naming file, line and key, and leaves nothing" {
    printf 'DISKSPACE="1G"\nNUMPROC="12x"\n' > "$T/conf/ve-broken.conf-sample"
    run vessel create 107 --config broken
    assert_equal "$status" 21
    assert_output --partial "ve-broken.conf-sample:2: NUMPROC: \"12x\": not a number"
    assert_no_trace 107
}

@test "a bad hostname exits 21 and leaves nothing" {
    run vessel create 108 --hostname 'bad_host!'
    assert_equal "$status" 21
    assert_no_trace 108
}

@test "CTs can be named and addressed by name; names are unique" {
    vessel create 110 --name web
    run vessel status web
    assert_success
    assert_output "CTID 110 exist unmounted down"
    run vessel create 111 --name web
    assert_equal "$status" 131
    assert_no_trace 111
    run vessel create 111 --name '9lives'
    assert_equal "$status" 131
    run vessel status nobody
    assert_failure
    assert_output --partial "nobody"
}

@test "two concurrent creates of one CTID: one wins, the other exits 9 or 44, the CT is intact" {
    vessel create 120 --hostname a.example.com > "$T/out1" 2>&1 & p1=$!
    vessel create 120 --hostname b.example.com > "$T/out2" 2>&1 & p2=$!
    rc1=0; wait $p1 || rc1=$?
    rc2=0; wait $p2 || rc2=$?
    echo "rc1=$rc1 rc2=$rc2"; cat "$T/out1" "$T/out2"
    if [ $rc1 -eq 0 ]; then win=a; other=$rc2; else win=b; other=$rc1; [ $rc2 -eq 0 ]; fi
    [[ $other -eq 9 || $other -eq 44 ]]
    grep -q "^HOSTNAME=\"$win.example.com\"$" "$T/conf/120.conf"
    [ -x "$T/private/120/bin/busybox" ]
    [ ! -e "$T/private/120.tmp" ]
    run vessel status 120
    assert_output "CTID 120 exist unmounted down"
}

@test "a held lock makes create wait, then exit 9" {
    mkdir -p "$T/lock"
    flock "$T/lock/121.lck" sleep 10 &
    holder=$!
    sleep 0.3
    run vessel create 121
    kill $holder; wait $holder || true
    assert_equal "$status" 9
    assert_output --partial "Container already locked"
    assert_no_trace 121
}

@test "not enough space for the template: exit 46 before extracting, nothing left" {
    mkdir -p "$T/small"
    mount -t tmpfs -o size=512k tmpfs "$T/small"
    run vessel create 130 --private "$T/small/130"
    assert_equal "$status" 46
    assert_output --partial "Not enough disk space"
    [ -z "$(ls -A "$T/small")" ]
    [ ! -e "$T/conf/130.conf" ]
    umount "$T/small"
}

@test "the disk filling up during extraction: exit 46, nothing left" {
    # 4000 one-byte files: the archive says 4000 bytes, the filesystem needs
    # a page for each, so the space check passes and the disk fills midway.
    mkdir -p "$T/template/cache" "$T/small"
    make_tar "$T/template/cache/many.tar" '
add_dir("bin")
for i in range(4000):
    add_file("f%d" % i, b"y")
'
    mount -t tmpfs -o size=2m tmpfs "$T/small"
    sed -i "s|^TEMPLATE=.*|TEMPLATE=$T/template|" "$VESSEL_CONF"
    run vessel create 131 --ostemplate many --private "$T/small/131"
    assert_equal "$status" 46
    assert_output --partial "No space left on device"
    [ -z "$(ls -A "$T/small")" ]
    [ ! -e "$T/conf/131.conf" ]
    umount "$T/small"
}

@test "mount and umount bind the private area on VE_ROOT" {
    vessel create 140
    run vessel mount 140
    assert_success
    run vessel status 140
    assert_output "CTID 140 exist mounted down"
    [ -x "$T/root/140/bin/busybox" ]
    run vessel mount 140
    assert_equal "$status" 41
    run vessel list -H -o ctid,status 140
    assert_output --regexp '^ +140 mounted$'
    run vessel destroy 140
    assert_equal "$status" 41
    assert_output --partial "umount first"
    run vessel umount 140
    assert_success
    run vessel umount 140
    assert_equal "$status" 40
    run vessel status 140
    assert_output "CTID 140 exist unmounted down"
}

@test "destroy refuses a running CT with 32" {
    vessel create 150
    sleep 60 &
    pid=$!
    start=$(awk '{ sub(/.*\) /, ""); print $20 }' /proc/$pid/stat)
    mkdir -p "$T/run/150"
    printf '{"init":{"pid":%d,"start_time":%s},"monitor":{"pid":0,"start_time":0},"cgroups":[]}\n' \
        "$pid" "$start" > "$T/run/150/state.json"
    run vessel destroy 150
    assert_equal "$status" 32
    assert_output --partial "Stop it first"
    run vessel status 150
    assert_output "CTID 150 exist unmounted running"
    kill $pid; wait $pid || true
    # The same PID number with another start time is not the CT's init.
    run vessel status 150
    assert_output "CTID 150 exist unmounted down"
    run vessel destroy 150
    assert_success
}

@test "destroy never follows symlinks out of the private area" {
    vessel create 160
    mkdir -p "$T/outside"
    echo precious > "$T/outside/file"
    ln -s "$T/outside" "$T/private/160/escape"
    ln -s "$T/outside/file" "$T/private/160/root/escape-file"
    run vessel destroy 160
    assert_success
    [ "$(cat "$T/outside/file")" = precious ]
    assert_no_trace 160
}

@test "destroy of a private area that is itself a symlink removes only the link" {
    mkdir -p "$T/elsewhere/161" "$T/private"
    echo precious > "$T/elsewhere/161/file"
    vessel create 161
    rm -rf "$T/private/161"
    ln -s "$T/elsewhere/161" "$T/private/161"
    run vessel destroy 161
    assert_success
    [ "$(cat "$T/elsewhere/161/file")" = precious ]
    [ ! -L "$T/private/161" ]
}

@test "destroy of a CT that does not exist exits 43" {
    run vessel destroy 170
    assert_equal "$status" 43
}

@test "a leftover temporary from an interrupted create is removed by the next create" {
    mkdir -p "$T/private/180.tmp/junk"
    run vessel create 180
    assert_success
    [ ! -e "$T/private/180.tmp" ]
    [ ! -e "$T/private/180/junk" ]
}

@test "an interrupted create (SIGINT during extraction) rolls back and leaves nothing" {
    mkdir -p "$T/template/cache"
    make_tar "$T/template/cache/big.tar" '
for d in range(200):
    add_dir("d%d" % d)
    for i in range(300):
        add_file("d%d/f%d" % (d, i), b"z" * 512)
'
    sed -i "s|^TEMPLATE=.*|TEMPLATE=$T/template|" "$VESSEL_CONF"
    "$VESSEL_BIN" create 190 --ostemplate big > "$T/out" 2>&1 &
    pid=$!
    for _ in $(seq 1 500); do
        [ -d "$T/private/190.tmp/d1" ] && break
        sleep 0.01
    done
    [ -d "$T/private/190.tmp/d1" ] || fail "extraction never started"
    kill -INT $pid
    rc=0; wait $pid || rc=$?
    cat "$T/out"
    [ $rc -ne 0 ] || fail "create finished before the interrupt; make the template bigger"
    grep -q interrupted "$T/out"
    assert_no_trace 190
}
