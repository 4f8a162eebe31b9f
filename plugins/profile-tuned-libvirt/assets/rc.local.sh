#!/bin/bash -x
# runperf TunedLibvirt: finish the persistent host setup at boot.
# Written by runperf; the original rc.local (if any) follows this script
# and is restored when the profile is reverted.
MEM_PER_NODE='%(mem_per_node)s'      # hugepages to reserve on each NUMA node
NODES='%(numa_nodes)s'               # NUMA nodes of the host
HUGEPAGE_KB='%(hugepage_kb)s'        # hugepage size in KiB
PERFORMED_SETUP_PATH='%(performed_setup_path)s'

# Reserve the hugepages evenly; retry while memory gets freed.
for ATTEMPT in $(seq 10); do
    DONE=1
    for NODE in $(seq 0 $((NODES - 1))); do
        NR="/sys/devices/system/node/node$NODE/hugepages/hugepages-${HUGEPAGE_KB}kB/nr_hugepages"
        echo "$MEM_PER_NODE" > "$NR"
        [ "$(cat "$NR")" -eq "$MEM_PER_NODE" ] || DONE=0
    done
    [ "$DONE" -eq 1 ] && break
    sleep 0.5
    echo 3 > /proc/sys/vm/drop_caches
done
mkdir -p /hugepages
mount -t hugetlbfs -o "pagesize=${HUGEPAGE_KB}K" none /hugepages

# Keep the guests' CPUs free: move every other task to the last CPU.
SPARE_CPU="$(($(getconf _NPROCESSORS_ONLN) - 1))"
if [ -e /sys/fs/cgroup/cgroup.procs ]; then
    # cgroup v2
    echo '+cpuset' > /sys/fs/cgroup/cgroup.subtree_control
    for CPUS in /sys/fs/cgroup/*/cpuset.cpus; do
        case "$CPUS" in *machine.slice*) continue ;; esac
        echo "$SPARE_CPU" > "$CPUS"
    done
    GROUP="$(mktemp -d /sys/fs/cgroup/runperf-XXXXXX)"
    echo "$SPARE_CPU" > "$GROUP/cpuset.cpus"
    PROCS="$GROUP/cgroup.procs"
    ALL_TASKS="ps axo pid="
else
    # cgroup v1
    GROUP="$(mktemp -d /sys/fs/cgroup/cpuset/runperf-XXXXXX)"
    cat /sys/fs/cgroup/cpuset/cpuset.mems > "$GROUP/cpuset.mems"
    echo "$SPARE_CPU" > "$GROUP/cpuset.cpus"
    PROCS="$GROUP/tasks"
    ALL_TASKS="cat /sys/fs/cgroup/cpuset/tasks"
fi
for ROUND in 1 2 3; do
    for TASK in $($ALL_TASKS); do
        # libvirt places the guests itself; some kernel tasks cannot move.
        case "$(tr '\0' ' ' < "/proc/$TASK/cmdline" 2>/dev/null)" in
            *libvirtd*) ;;
            *) echo "$TASK" >> "$PROCS" 2>/dev/null || true ;;
        esac
    done
done

# Tell runperf this part of the persistent setup is done.
echo rc_local >> "$PERFORMED_SETUP_PATH"
