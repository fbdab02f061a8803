// The default seccomp profile of a system container. A system container runs
// a whole distribution, systemd included, as root with OpenVZ's capability
// mask, so this is a deny list: everything is allowed except the calls
// below, which reach state the container shares with the host and which the
// kernel does not separate per container. Capabilities already refuse some
// of them (sys_module, sys_pacct, sys_admin are dropped); they are denied here
// too, so that a CAPABILITY= line turning one back on does not also open the
// host kernel. Calls newer than libseccomp knows are a separate matter:
// they return ENOSYS from a stub in front of the filter (seccomp_bpf.cpp).
//
// EPERM, as the kernel would answer an unprivileged caller:
// * init_module finit_module delete_module: code into the one shared kernel.
// * kexec_load kexec_file_load: replace the host's kernel.
// * open_by_handle_at: a file handle names any inode of a file system, not
//   only those below the container's root ("shocker"). Container root keeps
//   dac_read_search, which is all the call asks for, and the private area
//   usually lies on a host file system.
// * swapon swapoff: the host's swap.
// * acct: the host's process accounting file.
// * add_key request_key keyctl: keyrings are not per container. Without a
//   user namespace, container root is uid 0, and uid 0's user keyring is host
//   root's. systemd, setting up a service's session keyring (KeyringMode=),
//   logs EPERM from keyctl as "keyring access prohibited" and goes on
//   without one, as it does under Docker, whose profile denies the same three.
// * userfaultfd: the classic way to hold the kernel still in a race; nothing a
//   distribution boots with uses it.
// * perf_event_open and bpf: container root keeps perfmon and bpf (they are
//   newer than OpenVZ's mask, which drops only what OpenVZ kernels had), and
//   with them could read kernel memory and trace host processes. systemd
//   falls back when bpf is refused (no BPF firewall or device programs).
// * syslog: container root keeps the syslog capability, which reads the
//   host's kernel log and clears it (dmesg -C).
//
// ENOSYS, "this kernel has no such call", for the mount API of 5.2 and later
// (fsopen fsconfig fsmount fspick open_tree move_mount mount_setattr):
// container root has no sys_admin, so in the container's own namespaces
// these fail like mount(2) does. The exception is a user namespace the
// container makes itself, where it holds sys_admin and may mount what the
// kernel lets a user namespace mount; there fsconfig is a second parser of
// mount options, with its own history (CVE-2022-0185). A filter cannot tell
// the file system type from the arguments (a string in user memory), so it
// cannot single out "host-only" file systems; the kernel's own rule (only
// FS_USERNS_MOUNT types) is what keeps those out. ENOSYS makes libmount and
// systemd use mount(2) instead, so nothing that works today breaks.
//
// Allowed on purpose: mount, umount2, pivot_root, unshare, setns and clone
// with namespace flags (systemd's sandboxing and nested containers; the
// capabilities decide), and reboot: a PID-namespace init's reboot(2) is
// how halt and reboot inside the container reach the monitor.
#include "runtime/security/seccomp_profile.h"

namespace vessel::security {

std::string_view default_seccomp_profile()
{
    return R"json({
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [
    { "names": [ "init_module", "finit_module", "delete_module" ],
      "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "comment": "kernel modules" },
    { "names": [ "kexec_load", "kexec_file_load" ],
      "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "comment": "replacing the kernel" },
    { "names": [ "open_by_handle_at" ],
      "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "comment": "file handles reach outside the root" },
    { "names": [ "swapon", "swapoff", "acct" ],
      "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "comment": "host swap and accounting" },
    { "names": [ "add_key", "request_key", "keyctl" ],
      "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "comment": "keyrings are shared with the host" },
    { "names": [ "userfaultfd", "perf_event_open", "bpf", "syslog" ],
      "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "comment": "kernel memory, tracing, the kernel log" },
    { "names": [ "fsopen", "fsconfig", "fsmount", "fspick", "open_tree", "move_mount", "mount_setattr" ],
      "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "comment": "mount API: callers fall back to mount(2)" }
  ]
})json";
}

}  // namespace vessel::security
