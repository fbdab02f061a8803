# shellcheck shell=bash
# What tests/kernel/run and tests/bench/run-kernel-bench share (sourced, never
# run): the part of the initramfs every guest has, the small archive that
# names the guest scripts of one boot, and one QEMU boot with a deadline.
# The caller sets VESSEL_SRC (tests/setup does) and cleans up on exit:
# `kernel_kill_qemu` ends a boot still running.

KERNEL_TESTS=$VESSEL_SRC/tests/kernel
KERNEL_QEMU_PID=""

# kernel_img_base IMG: static busybox with its applet links, guest/init as
# /init, a passwd and group file, and bctest (compiled statically, when
# bctest.c exists). The caller adds its own files and packs the tree.
kernel_img_base() {
    local img=$1 busybox=/bin/busybox a
    mkdir -p "$img"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,var,run,root,mnt,tests}
    if ldd "$busybox" >/dev/null 2>&1; then
        echo "$busybox is not static (busybox-static replaces it)" >&2
        return 1
    fi
    install -m 0755 "$busybox" "$img/bin/busybox"
    for a in $("$busybox" --list-full); do
        [[ -e $img/$a ]] || ln -s /bin/busybox "$img/$a"
    done
    if [[ -f $KERNEL_TESTS/bctest.c ]]; then
        gcc -static -O2 -Wall -pthread -o "$img/usr/bin/bctest" "$KERNEL_TESTS/bctest.c" || return 1
    fi
    install -m 0755 "$KERNEL_TESTS/guest/init" "$img/init"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$img/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$img/etc/group"
}

# kernel_img_pack DIR ARCHIVE: DIR as a gzipped newc cpio archive.
kernel_img_pack() {
    (cd "$1" && find . | cpio -o -H newc --quiet) | gzip -1 >"$2"
}

# kernel_initrd_for BASE OUT SCRIPT...: BASE with a second, tiny archive
# appended that lists the scripts guest/init runs (/tests/order); the kernel
# unpacks the archives in order.
kernel_initrd_for() {
    local base=$1 out=$2
    shift 2
    local extra=$out.d
    rm -rf "$extra"
    mkdir -p "$extra/tests"
    printf '%s\n' "$@" >"$extra/tests/order"
    kernel_img_pack "$extra" "$out.extra" || return 1
    cat "$base" "$out.extra" >"$out"
    rm -rf "$extra" "$out.extra"
}

# kernel_boot IMAGE INITRD CONSOLE TIMEOUT SMP [KEY=VALUE...]: one QEMU run
# (software emulation, 1 GiB, no network device), the serial console written
# to CONSOLE and, without carriage returns, to CONSOLE.txt. The KEY=VALUE
# words go on the kernel command line, where guest/init finds them. A boot
# that does not end within TIMEOUT seconds is killed by its PID; the status
# is then 124. Each guest script gets a minute less, so that it is the
# script, not the boot, that runs out of time.
kernel_boot() {
    local image=$1 initrd=$2 console=$3 timeout=$4 smp=$5
    shift 5
    local guest_timeout=$((timeout > 120 ? timeout - 60 : timeout))
    qemu-system-x86_64 -accel tcg -nodefaults -display none -no-reboot -m 1024 -smp "$smp" \
        -kernel "$image" -initrd "$initrd" -serial stdio -monitor none \
        -append "console=ttyS0 panic=-1 oops=panic quiet loglevel=3 $* VESSEL_GUEST_TIMEOUT=$guest_timeout" \
        </dev/null >"$console" 2>&1 &
    KERNEL_QEMU_PID=$!
    local deadline=$((SECONDS + timeout)) status=0
    while kill -0 "$KERNEL_QEMU_PID" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            kernel_kill_qemu
            status=124
            break
        fi
        sleep 1
    done
    wait "$KERNEL_QEMU_PID" 2>/dev/null
    KERNEL_QEMU_PID=""
    tr -d '\r' <"$console" >"$console.txt"
    return $status
}

# Ends the QEMU of kernel_boot, if one runs: politely, then for good.
kernel_kill_qemu() {
    [[ -n $KERNEL_QEMU_PID ]] || return 0
    kill "$KERNEL_QEMU_PID" 2>/dev/null
    for _ in 1 2 3 4 5; do kill -0 "$KERNEL_QEMU_PID" 2>/dev/null && sleep 1; done
    kill -KILL "$KERNEL_QEMU_PID" 2>/dev/null
    return 0
}
