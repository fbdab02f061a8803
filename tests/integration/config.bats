#!/usr/bin/env bats
# Configuration files: errors name file, line and key; nothing changes on bad input.

load helpers

setup_file() { shared_template_setup; }
setup() { per_test_setup; }
teardown() { per_test_teardown; }

@test "a bad value in a CT config: exit 21 with file:line:key, and nothing changes" {
    vessel create 401
    printf '# comment\nNUMPROC="12x"\n' >> "$T/conf/401.conf"
    line=$(grep -n '^NUMPROC="12x"' "$T/conf/401.conf" | cut -d: -f1)
    before=$(cd "$T" && find . -printf '%p %s %T@\n' | sort | md5sum)
    run vessel mount 401
    assert_equal "$status" 21
    assert_output "vessel: $T/conf/401.conf:$line: NUMPROC: \"12x\": not a number"
    run vessel destroy 401
    assert_equal "$status" 21
    after=$(cd "$T" && find . -printf '%p %s %T@\n' | sort | md5sum)
    [ "$before" = "$after" ]
}

@test "a malformed line exits 20 naming the line" {
    vessel create 402
    echo 'this is not an assignment' >> "$T/conf/402.conf"
    run vessel mount 402
    assert_equal "$status" 20
    assert_output --regexp "402\.conf:[0-9]+: "
    [ ! -d "$T/root/402/bin" ]
}

@test "a bad value in vessel.conf exits 21 naming it" {
    echo 'STOP_TIMEOUT="soon"' >> "$VESSEL_CONF"
    run vessel list -a
    assert_equal "$status" 21
    assert_output --partial "vessel.conf:"
    assert_output --partial "STOP_TIMEOUT"
}

@test "unknown keys are accepted and kept" {
    echo 'MY_PANEL_KEY="whatever value"' >> "$T/conf/ve-basic.conf-sample"
    run vessel create 403 --config basic
    assert_success
    grep -qx 'MY_PANEL_KEY="whatever value"' "$T/conf/403.conf"
}

@test "every shipped sample creates a CT" {
    for s in basic vswap-256m vswap-512m vswap-1g; do
        run vessel create 410 --config "$s"
        assert_success
        vessel -q destroy 410
        rm -f "$T/conf/410.conf.destroyed"
    done
}
