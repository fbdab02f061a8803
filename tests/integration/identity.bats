#!/usr/bin/env bats
# The CT's identity: HOSTNAME, NAMESERVER and SEARCHDOMAIN in its UTS name,
# /etc/hostname, /etc/hosts and /etc/resolv.conf, at start and live with
# `vessel set`; and the files written by the host never reach host files
# through links the CT has made. Every "host file" here is under the test's
# temporary directory.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { shared_template_setup; }
setup() { ct101_setup; E=$T/private/101/etc; }
teardown() { per_test_teardown; }

@test "start writes /etc/hostname, the CT's /etc/hosts line and resolv.conf, keeping other lines" {
    printf '127.0.0.1\tlocalhost\n127.0.1.1\tbuilt-as\n::1\tlocalhost ip6-localhost\n' > "$E/hosts"
    printf '# managed by hand\noptions ndots:2\nnameserver 10.9.9.9\nsearch old.example\n' > "$E/resolv.conf"
    vessel set 101 --nameserver 192.0.2.53 --nameserver 2001:db8::53 --searchdomain example.com \
        --searchdomain corp.example --save
    vessel start 101
    [ "$(cat "$E/hostname")" = ct101.example.com ]
    run cat "$E/hosts"
    assert_line --index 0 $'127.0.0.1\tlocalhost'
    assert_line --index 1 $'127.0.1.1\tct101.example.com ct101\t# vessel: HOSTNAME'
    assert_line --index 2 $'::1\tlocalhost ip6-localhost'
    [ "${#lines[@]}" = 3 ]
    run cat "$E/resolv.conf"
    assert_output $'# managed by hand\noptions ndots:2\nnameserver 192.0.2.53\nnameserver 2001:db8::53\nsearch example.com corp.example'
    run vessel exec 101 hostname
    assert_output ct101.example.com
    # The CT sees the same files.
    run vessel exec 101 cat /etc/resolv.conf
    assert_line "nameserver 2001:db8::53"
    # A second start changes nothing more.
    vessel stop 101
    cp "$E/hosts" "$T/hosts.1"
    vessel start 101
    cmp "$E/hosts" "$T/hosts.1"
}

@test "unset keys leave the files alone" {
    sed -i '/^HOSTNAME=/d' "$T/conf/101.conf"
    sed -i '/^NAMESERVER=/d' "$T/vessel.conf"
    printf 'x.example\n' > "$E/hostname"
    printf '127.0.1.1 keep.me\n' > "$E/hosts"
    printf 'nameserver 10.1.1.1\n' > "$E/resolv.conf"
    vessel start 101
    [ "$(cat "$E/hostname")" = x.example ]
    [ "$(cat "$E/hosts")" = "127.0.1.1 keep.me" ]
    [ "$(cat "$E/resolv.conf")" = "nameserver 10.1.1.1" ]
    run vessel exec 101 hostname
    assert_output x.example
}

@test "NAMESERVER=inherit (vessel.conf's default) copies the host's nameservers at start" {
    grep -q '^NAMESERVER=inherit' "$T/vessel.conf"
    rm -f "$E/resolv.conf"
    vessel start 101
    local want
    want=$(awk '$1 == "nameserver" { print "nameserver " $2 }' /etc/resolv.conf)
    [ -n "$want" ] || skip "the host's /etc/resolv.conf names no nameserver"
    [ "$(grep '^nameserver' "$E/resolv.conf")" = "$want" ]
}

@test "inherit takes the host's nameservers and search domains (a host file bound over /etc/resolv.conf)" {
    vessel start 101
    printf 'search a.example b.example\noptions rotate\nnameserver 198.51.100.1\nnameserver 198.51.100.2\n' \
        > "$T/host-resolv"
    # Only in a mount namespace of this command: the real file stays as it is.
    unshare --mount --propagation private sh -c \
        'mount --bind "$1" /etc/resolv.conf && "$2" -q set 101 --nameserver inherit --nameserver 192.0.2.1 --searchdomain inherit' \
        sh "$T/host-resolv" "$VESSEL_BIN"
    run vessel exec 101 cat /etc/resolv.conf
    assert_line "nameserver 198.51.100.1"
    assert_line "nameserver 198.51.100.2"
    assert_line "nameserver 192.0.2.1"
    assert_line "search a.example b.example"
    refute_line "options rotate"
}

@test "set on a running CT changes the UTS name and the files at once; --save writes the keys" {
    vessel start 101
    cp "$T/conf/101.conf" "$T/before.conf"
    run vessel set 101 --hostname web.example.org --nameserver 192.0.2.7 --searchdomain example.org
    assert_success
    run vessel exec 101 hostname
    assert_output web.example.org
    run vessel exec 101 cat /etc/hostname
    assert_output web.example.org
    run vessel exec 101 cat /etc/hosts
    assert_line $'127.0.1.1\tweb.example.org web\t# vessel: HOSTNAME'
    refute_output --partial ct101
    run vessel exec 101 cat /etc/resolv.conf
    assert_line "nameserver 192.0.2.7"
    assert_line "search example.org"
    # Not saved.
    cmp "$T/conf/101.conf" "$T/before.conf"
    # --hostname alone leaves resolv.conf as it is, inherit in vessel.conf or not.
    cp "$E/resolv.conf" "$T/resolv.before"
    vessel set 101 --hostname other --save
    cmp "$E/resolv.conf" "$T/resolv.before"
    run vessel exec 101 hostname
    assert_output other
    grep -q '^HOSTNAME="other"$' "$T/conf/101.conf"
    vessel set 101 --nameserver 192.0.2.8 --nameserver 192.0.2.9 --searchdomain x.example --save
    grep -q '^NAMESERVER="192.0.2.8 192.0.2.9"$' "$T/conf/101.conf"
    grep -q '^SEARCHDOMAIN="x.example"$' "$T/conf/101.conf"
    # The host keeps its own name.
    [ "$(hostname)" != other ]
}

@test "set on a stopped CT changes no file without --save" {
    cp -a "$E" "$T/etc.before"
    run vessel set 101 --hostname quiet.example --nameserver 192.0.2.1
    assert_success
    assert_output --partial "nothing was applied"
    diff -r "$E" "$T/etc.before"
    ! grep -q quiet.example "$T/conf/101.conf"
}

@test "invalid host names, addresses and domains exit 21 naming the key; nothing changes" {
    vessel start 101
    cp "$T/conf/101.conf" "$T/before.conf"
    cp -a "$E" "$T/etc.before"
    run vessel set 101 --hostname 'bad_name!' --save
    assert_equal "$status" 21
    assert_output --partial HOSTNAME
    run vessel set 101 --hostname ok.example --nameserver 192.0.2.300 --save
    assert_equal "$status" 21
    assert_output --partial NAMESERVER
    run vessel set 101 --nameserver 192.0.2.0/24 --save
    assert_equal "$status" 21
    assert_output --partial NAMESERVER
    run vessel set 101 --searchdomain 'exa mple..com' --save
    assert_equal "$status" 21
    assert_output --partial SEARCHDOMAIN
    run vessel set 101 --searchdomain '-bad.example' --save
    assert_equal "$status" 21
    cmp "$T/conf/101.conf" "$T/before.conf"
    diff -r "$E" "$T/etc.before"
    run vessel exec 101 hostname
    assert_output ct101.example.com
}

# --- links the CT has made -------------------------------------------------

@test "a symlinked /etc/resolv.conf pointing at a host file: the host file is untouched, start warns and goes on" {
    printf 'nameserver 203.0.113.1\n' > "$T/host-file"
    ln -sfn "$T/host-file" "$E/resolv.conf"
    vessel set 101 --nameserver 192.0.2.53 --save
    run vessel start 101
    assert_success
    assert_output --partial "resolv.conf was left as it is"
    assert_output --partial "symlink"
    [ "$(cat "$T/host-file")" = "nameserver 203.0.113.1" ]
    [ -L "$E/resolv.conf" ]
    # Live, through the CT's root: the same.
    run vessel set 101 --nameserver 192.0.2.54
    assert_success
    assert_output --partial "symlink"
    [ "$(cat "$T/host-file")" = "nameserver 203.0.113.1" ]
    # Relative links that stay in the CT are refused too.
    ln -sfn hosts.real "$E/hosts"
    printf '127.0.0.1 localhost\n' > "$E/hosts.real"
    run vessel set 101 --hostname h2.example
    assert_output --partial "/etc/hosts was left as it is"
    [ "$(cat "$E/hosts.real")" = "127.0.0.1 localhost" ]
}

@test "a symlink target carrying terminal controls reaches the operator as text, not as controls" {
    # An OSC title change and a screen clear, as CT root could name a link.
    ln -sfn "$(printf 'x\033]0;pwned\007\033[2J')" "$E/resolv.conf"
    vessel set 101 --nameserver 192.0.2.53 --save
    run vessel start 101
    assert_success
    assert_output --partial 'x\x1b]0;pwned\x07\x1b[2J'
    ! printf '%s' "$output" | grep -q "$(printf '\033')"
    ! printf '%s' "$output" | grep -q "$(printf '\007')"
}

@test "symlinks to /proc files and a symlinked /etc are refused" {
    ln -sfn /proc/sys/kernel/core_pattern "$E/hostname"
    local core
    core=$(cat /proc/sys/kernel/core_pattern)
    run vessel start 101
    assert_success
    assert_output --partial "/etc/hostname was left as it is"
    [ "$(cat /proc/sys/kernel/core_pattern)" = "$core" ]
    run vessel exec 101 hostname
    assert_output ct101.example.com
    vessel stop 101

    mkdir "$T/host-etc"
    printf 'nameserver 203.0.113.9\n' > "$T/host-etc/resolv.conf"
    printf '127.0.0.1 localhost\n' > "$T/host-etc/hosts"
    mv "$E" "$T/private/101/etc.real"
    ln -s "$T/host-etc" "$E"
    run vessel start 101
    assert_success
    assert_output --partial "/etc is a symlink"
    [ "$(cat "$T/host-etc/resolv.conf")" = "nameserver 203.0.113.9" ]
    [ "$(cat "$T/host-etc/hosts")" = "127.0.0.1 localhost" ]
    [ ! -e "$T/host-etc/hostname" ]
    [ "$(ls -A "$T/host-etc" | wc -l)" = 2 ]
}

@test "a hard link to a file outside the CT: the CT gets a new file, the outside one keeps its content" {
    printf '127.0.0.1 localhost\n# the host'"'"'s own\n' > "$T/host-hosts"
    rm -f "$E/hosts"
    ln "$T/host-hosts" "$E/hosts"
    [ "$(stat -c %h "$T/host-hosts")" = 2 ]
    vessel start 101
    [ "$(cat "$T/host-hosts")" = $'127.0.0.1 localhost\n# the host\'s own' ]
    [ "$(stat -c %h "$T/host-hosts")" = 1 ]
    grep -q 'ct101.example.com' "$E/hosts"
    grep -q "the host's own" "$E/hosts"
    # Live as well.
    rm -f "$E/resolv.conf"
    printf 'nameserver 203.0.113.2\n' > "$T/host-resolv"
    ln "$T/host-resolv" "$E/resolv.conf"
    vessel set 101 --nameserver 192.0.2.99
    [ "$(cat "$T/host-resolv")" = "nameserver 203.0.113.2" ]
    run vessel exec 101 cat /etc/resolv.conf
    assert_output "nameserver 192.0.2.99"
}

@test "a FIFO or a directory in place of a file is left alone" {
    rm -f "$E/resolv.conf" "$E/hosts"
    mkfifo "$E/resolv.conf"
    mkdir "$E/hosts"
    run timeout 20 "$VESSEL_BIN" start 101
    assert_success
    assert_output --partial "resolv.conf was left as it is"
    assert_output --partial "/etc/hosts was left as it is"
    [ -p "$E/resolv.conf" ]
    [ -d "$E/hosts" ]
}
