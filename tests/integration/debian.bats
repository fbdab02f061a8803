#!/usr/bin/env bats
# The debian-12 recipe: debootstrap from the mirror in the host's apt
# configuration. Skipped, with a message, only when that archive cannot be
# reached from this machine.

load helpers

# The Debian archive is on the host's network; the suite runs in a network
# namespace of its own (tests/run), so reaching it goes through the real one.
host_net() {
    if [ -n "${VESSEL_HOST_NETNS:-}" ]; then nsenter --net="$VESSEL_HOST_NETNS" "$@"; else "$@"; fi
}

setup_file() {
    export DEB_STATE=$BATS_FILE_TMPDIR/deb
    mkdir -p "$DEB_STATE/probe"
    # apt itself tells whether its configured archive answers.
    if ! (cd "$DEB_STATE/probe" && host_net timeout 60 apt-get -qq download base-files >/dev/null 2>&1); then
        export DEBIAN_UNREACHABLE=1
    fi
}

setup() {
    per_test_setup
    [ -z "${DEBIAN_UNREACHABLE:-}" ] || skip "Debian archive (host apt configuration) unreachable"
    sed -i "s|^TEMPLATE=.*|TEMPLATE=$DEB_STATE/template|" "$VESSEL_CONF"
}
teardown() { per_test_teardown; }

@test "debian-12 template builds with debootstrap; a CT created from it boots under seccomp" {
    if [ ! -e "$DEB_STATE/template/cache/debian-12.tar.zst" ] && [ ! -e "$DEB_STATE/template/cache/debian-12.tar.gz" ]; then
        run host_net "$VESSEL_BIN" template create debian-12
        assert_success
    fi
    run vessel template list -H
    assert_line --regexp '^debian-12 +yes '
    run vessel create 501 --ostemplate debian-12
    assert_success
    grep -q '^12' "$T/private/501/etc/debian_version"
    [ -x "$T/private/501/bin/bash" ]
    [ -e "$T/private/501/sbin/init" ] || [ -L "$T/private/501/sbin/init" ]
    # It boots under the default seccomp filter: init runs its boot scripts
    # to the end (the marker of `--wait`) and halts through reboot(2).
    run vessel start 501 --wait
    assert_success
    run vessel exec 501 cat /proc/1/comm
    assert_output "init"
    run vessel exec 501 grep '^Seccomp:' /proc/1/status
    assert_output --regexp '^Seccomp:[[:space:]]+2$'
    run vessel exec 501 /bin/bash -c 'echo $((6 * 7))'
    assert_output "42"
    run vessel stop 501
    assert_success
    assert_output --partial "Container was stopped"
    # The template carries no host name of a mirror beyond what apt had.
    run vessel destroy 501
    assert_success
}

@test "with LOCAL_UID a Debian CT boots, idmapped and shifted, and its users are its own" {
    [ -e "$DEB_STATE/template/cache/debian-12.tar.zst" ] || [ -e "$DEB_STATE/template/cache/debian-12.tar.gz" ] ||
        skip "the debian-12 template was not built by the test before"
    local id how
    for how in yes no; do
        id=$([ "$how" = yes ] && echo 502 || echo 503)
        printf 'LOCAL_UID="100000"\nLOCAL_GID="100000"\nIDMAPPED_MOUNTS="%s"\n' "$how" > "$T/extra.conf"
        cat "$T/extra.conf" >> "$VESSEL_CONF"
        local t0=$SECONDS
        run vessel create $id --ostemplate debian-12
        assert_success
        echo "# create with IDMAPPED_MOUNTS=$how: $((SECONDS - t0)) s" >&3
        sed -i '/^LOCAL_UID=\|^LOCAL_GID=\|^IDMAPPED_MOUNTS=/d' "$VESSEL_CONF"
        cat "$T/extra.conf" >> "$T/conf/$id.conf"
        if [ "$how" = yes ]; then
            [ "$(stat -c %u "$T/private/$id/etc/passwd")" = 0 ]
        else
            [ "$(stat -c %u "$T/private/$id/etc/passwd")" = 100000 ]
        fi
        run vessel start $id --wait
        assert_success
        [ "$(vessel exec $id id -u)" = 0 ]
        [ "$(awk '/^Uid:/ { print $2 }' "/proc/$(run_state_field $id init.pid)/status")" = 100000 ]
        # A set-user-ID program and the CT's own users work as on a host.
        run vessel exec $id su -s /bin/sh nobody -c 'id -u'
        assert_output 65534
        run vessel exec $id /bin/bash -c 'touch /tmp/x && chown 1000:1000 /tmp/x && stat -c %u:%g /tmp/x'
        assert_output "1000:1000"
        run vessel stop $id
        assert_success
        run vessel destroy $id
        assert_success
    done
}
