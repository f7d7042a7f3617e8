#!/usr/bin/env bats
# Slots of a --dry-run pool get their own share of the CPUs and GPUs: CPU
# affinity, narrowed GPU lists (CUDA_VISIBLE_DEVICES, DSQ_GPUS) and thread
# variables; --no-bind leaves them alone.  And the planning side: GPU
# requests scaled to the task, a warning for what dsq cannot scale.
# The same on a real Slurm cluster with GPUs: 0134-bind.bats.

load helper
bats_require_minimum_version 1.5.0

setup() {
    setup_dsq
    # What each line sees, one line per line into its own file.
    cat > show <<'SH'
#!/bin/sh
printf 'slot=%s cpus=%s cuda=%s gpus=%s omp=%s mkl=%s openblas=%s numexpr=%s\n' "$DSQ_SLOT" \
    "$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)" \
    "${CUDA_VISIBLE_DEVICES-unset}" "${DSQ_GPUS-unset}" "${OMP_NUM_THREADS-unset}" \
    "${MKL_NUM_THREADS-unset}" "${OPENBLAS_NUM_THREADS-unset}" "${NUMEXPR_NUM_THREADS-unset}"
SH
    chmod +x show
    for i in 1 2 3 4 5 6; do echo "$WORK/show"; done > jobs.txt
}

# The CPUs of a list "0-2,5", one per line.
expand() {
    local part
    for part in ${1//,/ }; do
        if [[ $part == *-* ]]; then seq "${part%-*}" "${part#*-}"; else echo "$part"; fi
    done
}

# The lines' reports, sorted and unique.
seen() {
    cat out.* | sort -u
}

@test "--dry-run splits CUDA_VISIBLE_DEVICES 3,5,7,9 into 3,5 and 7,9 for two slots of two GPUs" {
    CUDA_VISIBLE_DEVICES=3,5,7,9 run dsq --job-file jobs.txt --dry-run --parallel 2 \
        --gpus-per-task 2 --line-output 'out.%L'
    [ "$status" -eq 0 ]
    seen
    [ "$(seen | grep -c '^slot=0 .* cuda=3,5 gpus=3,5 ')" -eq 1 ]
    [ "$(seen | grep -c '^slot=1 .* cuda=7,9 gpus=7,9 ')" -eq 1 ]
    [ "$(seen | wc -l)" -eq 2 ]
}

@test "--dry-run --parallel 2 -c 1: each slot on its own CPUs, thread variables set to 1" {
    mine=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
    [ "$(expand "$mine" | wc -l)" -ge 2 ] # this machine has 2 CPUs, CI too
    run dsq --job-file jobs.txt --dry-run --parallel 2 -c 1 --line-output 'out.%L'
    [ "$status" -eq 0 ]
    seen
    [ "$(seen | wc -l)" -eq 2 ]
    s0=$(seen | sed -n 's/^slot=0 cpus=\([^ ]*\) .*/\1/p')
    s1=$(seen | sed -n 's/^slot=1 cpus=\([^ ]*\) .*/\1/p')
    [ -n "$s0" ] && [ -n "$s1" ]
    # Disjoint, and together all of ours; on 2 CPUs: CPU 0 and CPU 1.
    [ -z "$(comm -12 <(expand "$s0" | sort) <(expand "$s1" | sort))" ]
    [ "$( (expand "$s0"; expand "$s1") | sort -n | tr '\n' ,)" = "$(expand "$mine" | sort -n | tr '\n' ,)" ]
    if [ "$mine" = 0-1 ]; then
        [ "$s0" = 0 ] && [ "$s1" = 1 ]
    fi
    [ "$(seen | grep -c 'omp=1 mkl=1 openblas=1 numexpr=1$')" -eq 2 ]
    # No GPUs asked per line: the GPU variables are left alone.
    [ "$(seen | grep -c 'cuda=unset gpus=unset')" -eq 2 ]
}

@test "a user's own OMP_NUM_THREADS is kept; the other thread variables are set" {
    OMP_NUM_THREADS=7 run dsq --job-file jobs.txt --dry-run --parallel 2 -c 1 --line-output 'out.%L'
    [ "$status" -eq 0 ]
    seen
    [ "$(seen | grep -c 'omp=7 mkl=1 openblas=1 numexpr=1$')" -eq 2 ]
}

@test "--no-bind: every line sees all CPUs and GPUs, no thread variables; the manifest says so" {
    mine=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
    CUDA_VISIBLE_DEVICES=3,5,7,9 run dsq --job-file jobs.txt --dry-run --parallel 2 --gpus-per-task 2 \
        --no-bind --line-output 'out.%L'
    [ "$status" -eq 0 ]
    seen
    [ "$(seen | grep -c "cpus=$mine cuda=3,5,7,9 gpus=unset omp=unset mkl=unset openblas=unset numexpr=unset\$")" -eq 2 ]
    [ "$(jq .bind "$(only_run_dir)/manifest.json")" = false ]
}

@test "binding is recorded in the manifest, and dsq run --no-bind turns it off for a task" {
    CUDA_VISIBLE_DEVICES=0,1 dsq --job-file jobs.txt --parallel 2 --gpus-per-task 1 --tasks 1 --layout stripe >/dev/null
    rd=$(only_run_dir)
    [ "$(jq .bind "$rd/manifest.json")" = true ]
    [ "$(jq .per_line.gpus "$rd/manifest.json")" = 1 ]
    CUDA_VISIBLE_DEVICES=0,1 run dsq run --run-dir "$rd" --task 0 --parallel 2 --no-bind
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | grep -c 'cuda=0,1 gpus=unset omp=unset')" -eq 6 ]
    CUDA_VISIBLE_DEVICES=0,1 run dsq run --run-dir "$rd" --task 0 --parallel 2
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | grep '^slot=' | sort -u | grep -c 'cuda=\([01]\) gpus=\1 omp=1 ')" -eq 2 ]
}

@test "GPU requests are scaled to the task: --gpus, --gpus-per-task, each countable --gres entry" {
    dsq --job-file jobs.txt --parallel 2 --gpus=a100:1 --gres=gpu:1,shard:2,tmp:5G --batch-file b.sh >/dev/null
    grep -qx '#SBATCH --gpus=a100:2' b.sh
    grep -qx '#SBATCH --gres=gpu:2,shard:4,tmp:10G' b.sh
    dsq --job-file jobs.txt --parallel 3 --gpus-per-task 2 --batch-file c.sh >/dev/null
    grep -qx '#SBATCH --gpus-per-task=6' c.sh
}

@test "what dsq cannot scale per line is said once, not silently left per task" {
    run --separate-stderr dsq --job-file jobs.txt --parallel 2 --gpus-per-node 2 --gres=lic:2x
    [ "$status" -eq 0 ]
    echo "$stderr"
    [ "$(grep -c 'warning: --gpus-per-node=2 is not scaled to 2 lines at once' <<<"$stderr")" -eq 1 ]
    [ "$(grep -c "warning: --gres entries 'lic:2x' are not scaled" <<<"$stderr")" -eq 1 ]
    [ "$(grep -c warning <<<"$stderr")" -eq 2 ]
    # W = 1: a line is the task, nothing to say.
    run --separate-stderr dsq --job-file jobs.txt --gpus-per-node 2
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
}
