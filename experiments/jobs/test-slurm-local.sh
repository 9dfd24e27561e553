#!/usr/bin/env bash
# Runs experiments/jobs/slurm-array.sh, as committed, on a real one-node Slurm cluster on this machine, and checks that
# the merged report of its shards equals a single-process run of the same spec.
#
#   sudo bash experiments/jobs/test-slurm-local.sh [--keep-packages] [--keep-work]
#
# As root on Debian 12: installs slurmctld, slurmd, slurm-client and munge with apt (those not already installed), makes
# a private munge key and a one-node slurm.conf in a temporary folder (the script writes nothing under /etc itself;
# SLURM_CONF points every Slurm command at its own configuration; cgroup-free settings that work in containers and VMs;
# ports 16817/16818), starts munged,
# slurmctld and slurmd, submits the 8-trial spec experiments/jobs/slurm-test-spec.json as an array of 4 tasks, resubmits
# one task the documented way after deleting one of its trials, merges, reports, and compares with a single-process
# run. On exit it cancels its jobs, stops the daemons it started, removes exactly the packages the install added
# (unless --keep-packages; packages that were there before stay) and the temporary folder (unless --keep-work). Under
# sudo the tool is built as the invoking user. Exit code 0 only if the reports are identical.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
keep_packages=0; keep_work=0
for arg in "$@"; do
    case "$arg" in
        --keep-packages) keep_packages=1 ;;
        --keep-work) keep_work=1 ;;
        *) echo "unknown argument $arg" >&2; exit 2 ;;
    esac
done
[[ $(id -u) == 0 ]] || { echo "run as root (it installs packages and starts daemons)" >&2; exit 2; }
command -v apt-get >/dev/null || { echo "needs apt-get (Debian)" >&2; exit 2; }

started=$(date +%s)
work="$(mktemp -d /tmp/tempbalance-slurm.XXXXXX)"
packages=(slurmctld slurmd slurm-client munge)
# dpkg's view of every package before the install, so that exactly what this script added is taken away again.
dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' > "$work/packages-before" 2>/dev/null || true
cleanup() {
    set +e
    if [[ -f "$work/slurm.conf" ]]; then
        export SLURM_CONF="$work/slurm.conf"
        # Jobs first (a failed step may leave some running): their processes write into $work.
        scancel --full --quiet $(squeue -h -o %i 2>/dev/null) 2>/dev/null
        for _ in $(seq 30); do [[ -z "$(squeue -h 2>/dev/null)" ]] && break; sleep 1; done
    fi
    for pidfile in "$work"/slurmd.pid "$work"/slurmctld.pid "$work"/munged.pid; do
        [[ -f "$pidfile" ]] || continue
        pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    done
    if (( keep_packages == 0 )) && [[ -f "$work/packages-before" ]]; then
        dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' > "$work/packages-after" 2>/dev/null
        # Added: installed now, not installed before. Purged if dpkg did not know them before; only removed if they
        # had left configuration behind (state rc), which stays.
        # (awk: test "in" before reading before[$1], which would create the entry.)
        mapfile -t purge < <(awk 'NR==FNR { before[$1] = $2; next } $2 ~ /^.i/ && !($1 in before) { print $1 }' "$work/packages-before" "$work/packages-after")
        mapfile -t remove < <(awk 'NR==FNR { before[$1] = $2; next } $2 ~ /^.i/ && ($1 in before) && before[$1] !~ /^.i/ { print $1 }' "$work/packages-before" "$work/packages-after")
        if (( ${#purge[@]} + ${#remove[@]} > 0 )); then
            echo "removing the ${#purge[@]} + ${#remove[@]} package(s) this script installed"
            (( ${#purge[@]} > 0 )) && DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "${purge[@]}" >/dev/null
            (( ${#remove[@]} > 0 )) && DEBIAN_FRONTEND=noninteractive apt-get remove -y -q "${remove[@]}" >/dev/null
        fi
    fi
    if (( keep_work == 0 )); then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { echo "== $* ($(( $(date +%s) - started )) s)"; }

step "installing ${packages[*]} where missing"
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^.i' || missing+=("$p")
done
if (( ${#missing[@]} > 0 )); then
    apt-get update -q >/dev/null
    # Package scripts may try to start the services; in a container without an init system that fails harmlessly.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "slurm $(dpkg-query -W -f='${Version}' slurmctld), munge $(dpkg-query -W -f='${Version}' munge)"

step "starting munged, slurmctld and slurmd from $work"
mkdir -p "$work/state" "$work/spool" "$work/logs"
mungekey --create --keyfile "$work/munge.key" --force
chmod 600 "$work/munge.key"
/usr/sbin/munged --force --key-file "$work/munge.key" --socket "$work/munge.socket" --pid-file "$work/munged.pid" \
    --log-file "$work/logs/munged.log" --seed-file "$work/munge.seed"
node="$(hostname -s)"
cpus="$(nproc)"
memory=$(( $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) - 1024 ))
cat > "$work/slurm.conf" <<CONF
ClusterName=tempbalance-check
SlurmctldHost=${node}(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${work}/munge.socket
StateSaveLocation=${work}/state
SlurmdSpoolDir=${work}/spool
SlurmctldPidFile=${work}/slurmctld.pid
SlurmdPidFile=${work}/slurmd.pid
SlurmctldLogFile=${work}/logs/slurmctld.log
SlurmdLogFile=${work}/logs/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=3600
NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${memory} State=UNKNOWN
PartitionName=check Nodes=${node} Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"
slurmctld
slurmd
for _ in $(seq 120); do
    [[ "$(sinfo -h -N -o %t 2>/dev/null)" == "idle" ]] && break
    sleep 1
done
[[ "$(sinfo -h -N -o %t)" == "idle" ]] || { echo "the node did not become idle:"; sinfo -N -l; tail -20 "$work/logs/slurmd.log"; exit 1; }
sinfo -N -l

step "building the tool"
# Under sudo, build as the invoking user, so that no root-owned bin/ or obj/ folders are left in the checkout.
if [[ -n "${SUDO_USER:-}" && "$SUDO_USER" != root ]]; then
    sudo -u "$SUDO_USER" dotnet build "$repo/src/TempBalance.Cli" -c Release -v q -nologo >/dev/null
else
    dotnet build "$repo/src/TempBalance.Cli" -c Release -v q -nologo >/dev/null
fi
export TEMPBALANCE="dotnet $repo/src/TempBalance.Cli/bin/Release/net10.0/tempbalance.dll"
export SPEC="$repo/experiments/jobs/slurm-test-spec.json"
export RESULTS="$work/results"
read -r -a tool <<< "$TEMPBALANCE"

wait_for() {
    local job=$1
    for _ in $(seq 1800); do
        [[ -z "$(squeue -h -j "$job" 2>/dev/null)" ]] && return 0
        sleep 1
    done
    echo "job $job did not finish in 30 minutes" >&2; squeue; return 1
}
check_tasks() {
    local job=$1; shift
    for task in "$@"; do
        local log="$work/tempbalance-exp-${job}_${task}.out"
        grep -q "^tempbalance shard ${task}/4 finished" "$log" 2>/dev/null || { echo "task $task of job $job did not finish; its log:" >&2; cat "$log" >&2 || true; return 1; }
        local state
        state=$(scontrol show job "${job}_${task}" 2>/dev/null | grep -o 'JobState=[A-Z]*' | head -1)
        [[ "$state" == "JobState=COMPLETED" ]] || { echo "task $task of job $job: ${state:-no state from scontrol}" >&2; return 1; }
    done
}

step "submitting the array (4 tasks, 1 core and 2 GB each) from $work"
array_started=$(date +%s)
cd "$work"
job=$(sbatch --parsable --array=0-3 --cpus-per-task=1 --mem=2G --time=00:30:00 "$repo/experiments/jobs/slurm-array.sh")
wait_for "$job"
check_tasks "$job" 0 1 2 3
array_seconds=$(( $(date +%s) - array_started ))
echo "array job $job: 4 tasks finished in ${array_seconds} s"

step "resubmitting task 2 alone after deleting one of its trials (the documented recovery)"
victim=$(ls "$RESULTS/shard-2/trials/" | head -1)
rm "$RESULTS/shard-2/trials/$victim"
rerun=$(SHARDS=4 sbatch --parsable --array=2 --cpus-per-task=1 --mem=2G --time=00:30:00 "$repo/experiments/jobs/slurm-array.sh")
wait_for "$rerun"
check_tasks "$rerun" 2
[[ -f "$RESULTS/shard-2/trials/$victim" ]] || { echo "the resubmitted task did not redo $victim" >&2; exit 1; }
grep -q "already have results" "$work/tempbalance-exp-${rerun}_2.out" || { echo "the resubmitted task did not skip the finished trials" >&2; exit 1; }
echo "task 2 redid $victim and skipped the rest"

step "merging and reporting"
"${tool[@]}" experiment merge "$RESULTS"/shard-* --out "$RESULTS/all" >/dev/null
"${tool[@]}" experiment report "$RESULTS/all" --out "$work/report-array" >/dev/null
trials=$(ls "$RESULTS/all/trials" | wc -l)
echo "merged $trials trials"

step "the same spec in one process"
"${tool[@]}" experiment run "$SPEC" --out "$work/single" --threads 1 >/dev/null
"${tool[@]}" experiment report "$work/single" --out "$work/report-single" >/dev/null

step "comparing the reports"
if diff -u "$work/report-single/report.md" "$work/report-array/report.md"; then
    echo "identical: the merged report of 4 Slurm array tasks equals the single-process report ($trials trials; array ${array_seconds} s)"
else
    echo "the reports differ" >&2
    exit 1
fi
