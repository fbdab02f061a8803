#!/usr/bin/env bats
# Hostile templates: extraction must refuse entries that would land outside
# the private area, and must write nothing outside it.

load helpers

setup() {
    per_test_setup
    mkdir -p "$T/template/cache" "$T/outside"
    echo original > "$T/outside/victim"
}
teardown() { per_test_teardown; }

assert_outside_untouched() {
    [ "$(cat "$T/outside/victim")" = original ] || fail "victim overwritten"
    [ "$(ls -A "$T/outside")" = victim ] || fail "something appeared outside: $(ls -A "$T/outside")"
    [ ! -e "$T/private/201" ] || fail "private area left behind"
    [ ! -e "$T/private/201.tmp" ] || fail "temporary left behind"
    [ ! -e "$T/conf/201.conf" ] || fail "config left behind"
}

@test "an entry with ../ is refused" {
    make_tar "$T/template/cache/evil.tar" "
add_dir('bin')
add_file('../../outside/victim', b'pwned')
add_file('../../outside/new', b'pwned')
"
    run vessel create 201 --ostemplate evil
    assert_equal "$status" 21
    assert_output --partial "escapes"
    assert_outside_untouched
}

@test "an absolute entry is refused" {
    make_tar "$T/template/cache/evil.tar" "
add_file('$T/outside/victim', b'pwned')
"
    run vessel create 201 --ostemplate evil
    assert_equal "$status" 21
    assert_outside_untouched
}

@test "a symlink, then a write through it, is refused" {
    make_tar "$T/template/cache/evil.tar.gz" "
add_dir('etc')
add_symlink('etc/link', '$T/outside')
add_file('etc/link/victim', b'pwned')
add_file('etc/link/new', b'pwned')
"
    run vessel create 201 --ostemplate evil
    assert_equal "$status" 21
    assert_outside_untouched
}

@test "a relative symlink climbing out, then a write through it, is refused" {
    make_tar "$T/template/cache/evil.tar" "
add_symlink('up', '../../outside')
add_file('up/victim', b'pwned')
"
    run vessel create 201 --ostemplate evil
    assert_equal "$status" 21
    assert_outside_untouched
}

@test "a symlinked file overwritten by a later entry does not write through" {
    make_tar "$T/template/cache/evil.tar" "
add_symlink('victim', '$T/outside/victim')
add_file('victim', b'pwned')
"
    run vessel create 201 --ostemplate evil
    # Replacing the link itself is fine; writing to its target is not.
    [ "$(cat "$T/outside/victim")" = original ]
    [ "$(ls -A "$T/outside")" = victim ]
}

@test "a hard link to a file outside is refused" {
    make_tar "$T/template/cache/evil.tar" "
add_hardlink('stolen', '../../outside/victim')
"
    run vessel create 201 --ostemplate evil
    assert_equal "$status" 21
    assert_outside_untouched
}

@test "symlinks inside the template are kept as symlinks" {
    make_tar "$T/template/cache/good.tar" "
add_dir('bin')
add_file('bin/tool', b'#!/bin/sh\n', 0o755)
add_symlink('bin/alias', 'tool')
add_symlink('etc-abs', '/etc')
add_hardlink('bin/tool2', 'bin/tool')
"
    run vessel create 202 --ostemplate good
    assert_success
    [ "$(readlink "$T/private/202/bin/alias")" = tool ]
    [ "$(readlink "$T/private/202/etc-abs")" = /etc ]
    [ "$(stat -c %i "$T/private/202/bin/tool")" = "$(stat -c %i "$T/private/202/bin/tool2")" ]
}

@test "a file that is not an archive exits 91 and leaves nothing" {
    echo "not a tarball" > "$T/template/cache/junk.tar.gz"
    run vessel create 201 --ostemplate junk
    assert_failure
    assert_outside_untouched
}
