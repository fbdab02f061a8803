#!/usr/bin/env bats
# What the programs load when they start. libarchive and the ten libraries
# behind it belong to vessel-image alone, and vessel and vessel-monitor carry
# libstdc++ and Boost.Program_options inside: loading and relocating those
# shared objects was half the CPU time of `vessel exec` (docs/performance.md).

load helpers

# The shared objects the program loads, directly or not: one soname a line.
loaded_libs() {
    local out
    out=$(ldd "$1") || return 1
    awk '{ print $1 }' <<<"$out"
}

@test "vessel loads neither libarchive nor the shared libstdc++ or Boost" {
    run loaded_libs "$VESSEL_BIN"
    assert_success
    # ldd did list the libraries: the refusals below are not vacuous.
    assert_line --regexp '^libc\.so\.'
    refute_line --regexp '^libarchive\.'
    refute_line --regexp '^libstdc\+\+\.'
    refute_line --regexp '^libgcc_s\.'
    refute_line --regexp '^libboost_'
}

@test "vessel-monitor loads neither libarchive nor the shared libstdc++" {
    run loaded_libs "$(dirname "$VESSEL_BIN")/vessel-monitor"
    assert_success
    assert_line --regexp '^libc\.so\.'
    refute_line --regexp '^libarchive\.'
    refute_line --regexp '^libstdc\+\+\.'
    refute_line --regexp '^libgcc_s\.'
}

@test "vessel-image, beside vessel, is the program that loads libarchive" {
    run loaded_libs "$(dirname "$VESSEL_BIN")/vessel-image"
    assert_success
    assert_line --regexp '^libarchive\.'
}
