#!/usr/bin/env bats
# vessel list: vzlist's columns, options and JSON.

load helpers

setup_file() { shared_template_setup; }
setup() {
    per_test_setup
    vessel -q create 101 --hostname ct101.example.com --name web
    vessel -q create 102 --hostname a-really-long-hostname-that-goes-on-and-on.example.com
    vessel -q create 1000 --config vswap-256m
    sed -i 's/^IP_ADDRESS=.*//' "$T/conf/101.conf"
    echo 'IP_ADDRESS="198.51.100.7 2001:db8::7"' >> "$T/conf/101.conf"
}
teardown() { per_test_teardown; }

@test "default list shows running CTs only: none here, which is not an error" {
    run vessel list
    assert_success
    assert_output "Container(s) not found"
    run vessel list -j
    assert_success
    assert_output "[]"
}

@test "a CTID that does not exist: not found, exit 1" {
    run vessel list 999
    assert_equal "$status" 1
    assert_output "Container(s) not found"
}

@test "filters that leave nothing print the header only" {
    run vessel list -a -h 'no-such-host*'
    assert_success
    assert_output "      CTID      NPROC STATUS    IP_ADDR         HOSTNAME"
}

@test "list -a: vzlist's default columns, byte for byte" {
    run vessel list -a
    assert_success
    expected="      CTID      NPROC STATUS    IP_ADDR         HOSTNAME
       101          - stopped   198.51.100.7    ct101.example.com
       102          - stopped   -               a-really-long-hostname-that-goes-on-and-on.example.com
      1000          - stopped   -               -"
    assert_output "$expected"
}

@test "the ip column shows every address when it is the last one (as vzlist)" {
    run vessel list -a -H -o ctid,ip 101
    assert_output "       101 198.51.100.7 2001:db8::7"
}

@test "-H drops the header, -1 prints ids" {
    run vessel list -a -H
    refute_line --partial CTID
    run vessel list -a -1
    assert_output "       101
       102
      1000"
}

@test "-o with UBC suffixes shows barrier and limit from the config" {
    run vessel list -a -o ctid,physpages.l,swappages.l,numproc.b 1000
    assert_success
    assert_line --index 0 --regexp '^ +CTID +PHYSP\.L +SWAPP\.L +NPROC\.B$'
    assert_line --index 1 --regexp '^ +1000 +65536 +131072 +'
}

@test "-s sorts, -s -field reverses" {
    run vessel list -a -H -o ctid -s -ctid
    assert_output "      1000
       102
       101"
    run vessel list -a -H -o ctid,hostname -s hostname
    assert_line --index 0 --regexp '^ +1000 '
}

@test "-n shows names; a named CT can be listed by name" {
    run vessel list -a -n -H 101
    assert_output --regexp '^ +web +- stopped '
    run vessel list -a -n -H 102
    assert_output --regexp '^ +102 +- stopped '
    run vessel list -H -o ctid web
    assert_output "       101"
}

@test "-j is a JSON array with vzlist's shapes" {
    run vessel list -a -j
    assert_success
    echo "$output" | python3 -c '
import json, sys
cts = json.load(sys.stdin)
assert [c["ctid"] for c in cts] == [101, 102, 1000], cts
c = cts[0]
assert c["hostname"] == "ct101.example.com"
assert c["ip"] == ["198.51.100.7", "2001:db8::7"], c["ip"]
assert c["status"] == "stopped"
assert set(c["physpages"]) == {"held", "maxheld", "barrier", "limit", "failcnt"}, c["physpages"]
assert cts[2]["physpages"]["limit"] == 65536, cts[2]["physpages"]
'
}

@test "-h and -N filter by shell pattern" {
    run vessel list -a -H -o ctid -h 'ct101.*'
    assert_output "       101"
    run vessel list -a -H -o ctid -N 'w*'
    assert_output "       101"
}

@test "-S lists stopped CTs" {
    run vessel list -S -H -o ctid
    assert_success
    assert_equal "${#lines[@]}" 3
}

@test "unknown fields and suffixes are refused with 20" {
    run vessel list -a -o ctid,bogus
    assert_equal "$status" 20
    assert_output --partial "bogus"
    run vessel list -a -o hostname.m
    assert_equal "$status" 20
    run vessel list -a -j -o numproc.m
    assert_equal "$status" 20
}
