#!/bin/sh
# On a kernel built with the series applied but CONFIG_CONTAINER_ENVID and
# CONFIG_CGROUP_BEANCOUNTER off, nothing of the series is visible: no
# /proc/PID/envid, no "envID:" line, no beancounter controller. Same output
# format as series.sh ("ok NAME" / "not ok NAME: what was seen").

CG=/sys/fs/cgroup

check() {
	if [ "$2" = absent ]; then echo "ok $1"; else echo "not ok $1: $3"; fi
}

check off-envid-file "$([ -e /proc/self/envid ] && echo present || echo absent)" \
	"/proc/self/envid exists"
check off-envid-task-file "$([ -e /proc/self/task/$$/envid ] && echo present || echo absent)" \
	"/proc/self/task/$$/envid exists"
check off-envid-status "$(grep -q '^envID:' /proc/self/status && echo present || echo absent)" \
	"$(grep '^envID:' /proc/self/status)"
check off-beancounter-controller \
	"$(grep -qw beancounter $CG/cgroup.controllers && echo present || echo absent)" \
	"cgroup.controllers: $(cat $CG/cgroup.controllers)"
mkdir $CG/bcs-off 2>/dev/null
check off-beancounter-files "$(ls $CG/bcs-off/beancounter.* >/dev/null 2>&1 && echo present || echo absent)" \
	"$(ls $CG/bcs-off/ | grep beancounter | tr '\n' ' ')"
rmdir $CG/bcs-off 2>/dev/null
