#!/usr/bin/env bats
# Packed lines get their own GPUs and CPUs, on a real Slurm cluster whose
# node declares 4 GPUs (slurm-cluster --gpus 4: gres.conf over device files,
# so Slurm hands out GPU ids and sets CUDA_VISIBLE_DEVICES as on a GPU
# node).  With --parallel W each slot sees its own G of the task's GPUs,
# its own CPUs and thread variables set to its CPUs; --no-bind leaves the
# task's to every line.  The dry-run side is 0135-bind-local.bats.  Every
# wait is bounded.

load helper
load slurm-helper
bats_require_minimum_version 1.5.0

setup_file() {
    # 4 CPUs declared (the machine may have 2): --parallel 4 asks for 4.
    cluster_setup_file 1 --gpus 4 --cpus 4
}

teardown_file() {
    cluster_teardown_file
}

setup() {
    setup_dsq
    [ "${DSQ_TEST_GPUS:-0}" = 4 ]
    # What each line sees: its task, slot, GPU lists, Slurm's ids of the
    # task's GPUs (as scontrol shows them while it runs, and in
    # SLURM_JOB_GPUS), its CPUs and thread variables.
    cat > show <<'SH'
#!/bin/sh
sleep 1
idx=$(scontrol -d show job "$SLURM_JOB_ID" | sed -n 's/.*GRES=gpu[^(]*(IDX:\([^)]*\)).*/\1/p' | head -n 1)
printf 'task=%s slot=%s cuda=%s gpus=%s idx=%s job=%s cpus=%s omp=%s mkl=%s openblas=%s\n' \
    "$DSQ_TASK" "$DSQ_SLOT" "${CUDA_VISIBLE_DEVICES-unset}" "${DSQ_GPUS-unset}" "$idx" \
    "${SLURM_JOB_GPUS-unset}" "$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)" \
    "${OMP_NUM_THREADS-unset}" "${MKL_NUM_THREADS-unset}" "${OPENBLAS_NUM_THREADS-unset}"
SH
    chmod +x show
}

teardown() {
    [ -n "${DSQ_TEST_CLUSTER_DIR:-}" ] || return 0
    scancel --user="$(id -un)" 2>/dev/null || true
}

# The CPUs or GPU ids of a list "0-2,5", sorted, one per line.
expand() {
    local part
    for part in ${1//,/ }; do
        if [[ $part == *-* ]]; then seq "${part%-*}" "${part#*-}"; else echo "$part"; fi
    done | sort -n
}

# field NAME LINE: the value of NAME=... in a line of show's.
field() {
    sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p; s/^$1=\\([^ ]*\\).*/\\1/p" <<<"$2" | head -n 1
}

# submit_lines N [dsq options...]: N lines of show, submitted and waited for;
# each line's report in out.<line>.
submit_lines() {
    local n=$1
    shift
    for ((i = 0; i < n; i++)); do echo "$WORK/show"; done > jobs.txt
    run --separate-stderr dsq --job-file jobs.txt --status-dir st --submit --wait \
        --line-output "$WORK/out.%L" "$@"
    echo "$output"
    echo "$stderr"
    [ "$status" -eq 0 ]
    cat out.*
}

# Slurm's GPU ids of array task K, as scontrol -d showed them while its
# lines ran (GRES=gpu:N(IDX:...); forgotten once the task ends).
slurm_gpus() {
    field idx "$(grep -h "^task=$1 " out.* | head -n 1)"
}

# check_slots K W G: the W lines of task K (one per slot) see disjoint sets
# of G GPUs that together are the task's allocation, as Slurm shows it.
check_slots() {
    local k=$1 W=$2 G=$3 mine all='' l cuda
    mine=$(grep -h "^task=$k " out.*)
    [ "$(wc -l <<<"$mine")" -eq "$W" ]
    [ "$(cut -d' ' -f2 <<<"$mine" | sort -u | wc -l)" -eq "$W" ] # every slot once
    while read -r l; do
        cuda=$(field cuda "$l")
        [ "$(expand "$cuda" | wc -l)" -eq "$G" ]
        [ "$(field gpus "$l")" = "$cuda" ]
        all+="$cuda,"
    done <<<"$mine"
    # Disjoint and complete: no id twice, and the union is the allocation.
    [ "$(expand "${all%,}" | uniq -d)" = '' ]
    [ "$(expand "${all%,}" | paste -sd,)" = "$(expand "$(field job "$(head -n 1 <<<"$mine")")" | paste -sd,)" ]
    [ -n "$(slurm_gpus "$k")" ]
    [ "$(expand "${all%,}" | paste -sd,)" = "$(expand "$(slurm_gpus "$k")" | paste -sd,)" ]
}

@test "--parallel 2 --gpus-per-task 2: each slot its own 2 GPUs of the task's 4, its own CPUs, thread variables" {
    # Fixed slices (stripe): each task runs two lines, one per slot.
    submit_lines 4 --parallel 2 --gpus-per-task 2 --tasks 2 --layout stripe
    script=$(only_run_dir st)/$(jq -r .script "$(only_run_dir st)/manifest.json")
    grep -qx '#SBATCH --gpus-per-task=4' "$script"
    for k in 0 1; do
        check_slots "$k" 2 2
        # The two lines of one task run on disjoint CPUs.
        c0=$(field cpus "$(grep -h "^task=$k slot=0 " out.*)")
        c1=$(field cpus "$(grep -h "^task=$k slot=1 " out.*)")
        [ -n "$c0" ] && [ -n "$c1" ]
        [ -z "$(comm -12 <(expand "$c0") <(expand "$c1"))" ]
    done
    [ "$(grep -c 'omp=1 mkl=1 openblas=1$' out.*  | grep -c ':1$')" -eq 4 ]
}

@test "--gres=gpu:1 with --parallel 4: four slots, one GPU each, together the task's four" {
    submit_lines 4 --parallel 4 --gres=gpu:1 --tasks 1
    grep -qx '#SBATCH --gres=gpu:4' "$(only_run_dir st)"/*.sh
    check_slots 0 4 1
}

@test "a user's own OMP_NUM_THREADS is kept; --no-bind leaves the task's GPUs, CPUs and thread variables alone" {
    OMP_NUM_THREADS=3 submit_lines 2 --parallel 2 --gpus-per-task 2 --tasks 1
    [ "$(cat out.* | grep -c 'omp=3 mkl=1 openblas=1$')" -eq 2 ]
    check_slots 0 2 2
    rm -rf st out.*
    submit_lines 2 --parallel 2 --gpus-per-task 2 --tasks 1 --no-bind
    [ "$(jq .bind "$(only_run_dir st)/manifest.json")" = false ]
    node_cpus=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
    alloc=$(slurm_gpus 0)
    [ "$(expand "$alloc" | wc -l)" -eq 4 ]
    for f in out.*; do
        l=$(cat "$f")
        [ "$(expand "$(field cuda "$l")" | paste -sd,)" = "$(expand "$alloc" | paste -sd,)" ]
        [ "$(field gpus "$l")" = unset ]
        [ "$(field omp "$l")" = unset ]
        [ "$(field cpus "$l")" = "$node_cpus" ]
    done
}

@test "--cpus-per-gpu with --parallel 2: sbatch takes the request (CPUs follow the GPUs), each slot its own GPU and CPU" {
    submit_lines 2 --parallel 2 --gpus-per-task 1 --cpus-per-gpu 1 --tasks 1
    script=$(only_run_dir st)/$(jq -r .script "$(only_run_dir st)/manifest.json")
    grep -qx '#SBATCH --gpus-per-task=2' "$script"
    grep -qx '#SBATCH --cpus-per-gpu=1' "$script"
    ! grep -q -- '--cpus-per-task' "$script"
    check_slots 0 2 1
    c0=$(field cpus "$(grep -h "^task=0 slot=0 " out.*)")
    c1=$(field cpus "$(grep -h "^task=0 slot=1 " out.*)")
    [ -n "$c0" ] && [ -n "$c1" ]
    [ -z "$(comm -12 <(expand "$c0") <(expand "$c1"))" ]
}
