#!/bin/sh
# A real single-node Slurm for tests and benchmarks (Debian's slurm-wlm + munge), run as root:
#   slurm_fixture.sh start DIR   generates DIR/slurm.conf, starts munged (unless one answers), slurmctld and
#                                slurmd, waits for the node to be idle; prints "export SLURM_CONF=DIR/slurm.conf"
#   slurm_fixture.sh stop DIR    stops the daemons it started, by their PID files in DIR
# Exit 77 (skip) with a reason when slurm or munge is not installed or we are not root.
set -eu
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

if [ "$cmd" = stop ]; then
    for d in slurmd slurmctld munged; do
        if [ -f "$dir/$d.pid" ]; then
            pid=$(cat "$dir/$d.pid")
            kill "$pid" 2>/dev/null || true
            i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
            rm -f "$dir/$d.pid"
        fi
    done
    exit 0
fi

host=$(hostname -s)
for b in slurmctld slurmd sbatch munged munge; do
    command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || { echo "skip: $b not installed (apt-get install slurm-wlm munge)" >&2; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "skip: starting slurmctld/slurmd needs root" >&2; exit 77; }
PATH=/usr/sbin:$PATH

# slurmstepd makes Unix sockets named spool/<host>_<job>.<step> (at most 108 bytes).
if [ $(( ${#dir} + ${#host} + 30 )) -gt 108 ]; then
    echo "$dir: too long a folder for slurmd's spool sockets (108 bytes); use a short one such as /tmp/slurm.XXXXXX" >&2
    exit 1
fi
mkdir -p "$dir/state" "$dir/spool" "$dir/log"
cpus=$(nproc)
mem=$(awk '/MemTotal/ { print int($2 / 1024 / 2) }' /proc/meminfo)
# Ports from the folder's name so two fixtures on one machine do not meet.
base=$(( 20000 + $(printf '%s' "$dir" | cksum | cut -d' ' -f1) % 20000 ))
cat > "$dir/slurm.conf" <<CONF
ClusterName=tlm4ml-test
SlurmctldHost=$host
SlurmUser=root
SlurmctldPort=$base
SlurmdPort=$((base + 1))
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

# munge: reuse a running daemon, else start one (its key made if missing).
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    if [ ! -s /etc/munge/munge.key ]; then
        mkdir -p /etc/munge
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null
    fi
    chown munge:munge /etc/munge/munge.key 2>/dev/null || true
    chmod 400 /etc/munge/munge.key
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
    munged --force --pid-file="$dir/munged.pid" 2>"$dir/log/munged.err" || { cat "$dir/log/munged.err" >&2; exit 1; }
fi

export SLURM_CONF="$dir/slurm.conf"
slurmctld -c -f "$SLURM_CONF"
slurmd -c -f "$SLURM_CONF"
i=0
until sinfo -h -o %t 2>/dev/null | grep -q '^idle'; do
    i=$((i + 1))
    if [ $i -gt 300 ]; then
        echo "slurm did not come up in 30 s; logs in $dir/log:" >&2
        tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
        exit 1
    fi
    sleep 0.1
done
echo "export SLURM_CONF=$SLURM_CONF"
