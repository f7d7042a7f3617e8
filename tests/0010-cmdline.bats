#!/usr/bin/env bats
# The planning command line: dSQ's flags and defaults, exact option matching,
# sbatch pass-through, and bad input (exit 2, culprit named, nothing made).

load helper

setup() {
    setup_dsq
    printf 'echo one\n# comment\n\necho two\necho three\n' > jobs.txt
    today=$(date +%Y-%m-%d)
}

@test "--help prints usage to stdout and exits 0" {
    run dsq --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"Usage: dsq --job-file FILE"* ]]
    [[ "$output" == *"--max-jobs N"* ]]
    run dsq -h
    [ "$status" -eq 0 ]
    [[ "$output" == *"--dry-run"* ]]
}

@test "--version prints the version" {
    run dsq --version
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^dsq\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "dSQ defaults: batch file, job name, output pattern, array, signal" {
    run dsq --job-file jobs.txt
    [ "$status" -eq 0 ]
    [[ "$output" == *"Batch script generated. To submit your jobs, run:"* ]]
    [[ "$output" == *" sbatch dsq-jobs-$today.sh"* ]]
    [ -f "dsq-jobs-$today.sh" ]
    grep -qx '#SBATCH --job-name=dsq-jobs' "dsq-jobs-$today.sh"
    grep -qx '#SBATCH --output=dsq-jobs-%A_%1a-%N.out' "dsq-jobs-$today.sh"
    grep -qx '#SBATCH --array=0-2' "dsq-jobs-$today.sh"
    grep -qx '#SBATCH --signal=B:USR1@60' "dsq-jobs-$today.sh"
    grep -q "^exec '$DSQ_BUILDDIR/dsq' run --run-dir '" "dsq-jobs-$today.sh"
    rd=$(only_run_dir)
    cmp jobs.txt "$rd/jobfile"
    [ "$(jq -r .sha256 "$rd/manifest.json")" = "$(sha256sum jobs.txt | cut -d' ' -f1)" ]
    [ "$(jq -r .commands "$rd/manifest.json")" = 3 ]
    [ "$(jq -r .physical_lines "$rd/manifest.json")" = 5 ]
    cmp "dsq-jobs-$today.sh" "$rd/dsq-jobs-$today.sh"
}

@test "output pattern pads the array index to the widest index" {
    seq 1 150 | sed 's/^/echo /' > many.txt
    run dsq --job-file many.txt --stdout
    [ "$status" -eq 0 ]
    [[ "$output" == *"#SBATCH --output=dsq-many-%A_%3a-%N.out"* ]]
    [[ "$output" == *"#SBATCH --array=0-149"* ]]
}

@test "--jobfile and --taskfile are aliases; two job files are an error" {
    run dsq --jobfile jobs.txt --stdout
    [ "$status" -eq 0 ]
    run dsq --taskfile jobs.txt --stdout
    [ "$status" -eq 0 ]
    rm -rf ./*/
    run dsq --job-file jobs.txt --taskfile jobs.txt
    [ "$status" -eq 2 ]
    [[ "$output" == *"given twice"* ]]
}

@test "-J, -o, --batch-file, --max-jobs, --status-dir" {
    run dsq --job-file jobs.txt -J myname -o 'out-%a.txt' --batch-file sub/b.sh \
        --max-jobs 2 --status-dir runs
    [ "$status" -eq 3 ] # sub/ does not exist: the batch file cannot be written
    [[ "$output" == *"sub/b.sh"* ]]
    [ -z "$(find runs -name manifest.json)" ]
    mkdir sub
    run dsq --job-file jobs.txt -J myname -o 'out-%a.txt' --batch-file sub/b.sh \
        --max-jobs 2 --status-dir runs
    [ "$status" -eq 0 ]
    grep -qx '#SBATCH --job-name=myname' sub/b.sh
    grep -qx '#SBATCH --output=out-%a.txt' sub/b.sh
    grep -qx '#SBATCH --array=0-2%2' sub/b.sh
    rd=$(only_run_dir runs)
    [ "$(jq -r .job_name "$rd/manifest.json")" = myname ]
    [ -f "$rd/b.sh" ]
}

@test "sbatch options pass through intact, one #SBATCH line each" {
    run dsq --job-file jobs.txt --stdout --export=ALL,FOO=bar '--constraint=a|b' \
        --comment "two words" --mem-per-cpu 4g -t 10:00 -p day --requeue --batch=x
    [ "$status" -eq 0 ]
    [[ "$output" == *$'\n#SBATCH --export=ALL,FOO=bar\n'* ]]
    [[ "$output" == *$'\n#SBATCH --constraint=a|b\n'* ]]
    [[ "$output" == *$'\n#SBATCH --comment="two words"\n'* ]]
    [[ "$output" == *$'\n#SBATCH --mem-per-cpu=4g\n'* ]]
    [[ "$output" == *$'\n#SBATCH --time=10:00\n'* ]]
    [[ "$output" == *$'\n#SBATCH --partition=day\n'* ]]
    [[ "$output" == *$'\n#SBATCH --requeue\n'* ]]
    [[ "$output" == *$'\n#SBATCH --batch=x\n'* ]]
    [[ "$output" != *"batch-file"* ]]
}

@test "the user's --signal replaces dsq's" {
    run dsq --job-file jobs.txt --stdout --signal=B:TERM@120
    [ "$status" -eq 0 ]
    [[ "$output" == *$'\n#SBATCH --signal=B:TERM@120\n'* ]]
    [[ "$output" != *"USR1"* ]]
}

@test "--parallel scales per-line resources into the task" {
    run dsq --job-file jobs.txt --stdout --parallel 2 --mem 100M -t 5 --lines-per-task 3
    [ "$status" -eq 0 ]
    [[ "$output" == *$'\n#SBATCH --cpus-per-task=2\n'* ]]
    [[ "$output" == *$'\n#SBATCH --mem=200M\n'* ]]
    [[ "$output" == *$'\n#SBATCH --time=00:10:00\n'* ]]
    [[ "$output" == *$'\n#SBATCH --array=0-0\n'* ]]
}

@test "--suppress-stats-file is accepted" {
    run dsq --job-file jobs.txt --suppress-stats-file --stdout
    [ "$status" -eq 0 ]
}

@test "missing job file: exit 2, named, nothing made" {
    run dsq --job-file nope.txt
    [ "$status" -eq 2 ]
    [[ "$output" == *"dsq: error: nope.txt"* ]]
    nothing_made
}

@test "a directory as job file: exit 2, named" {
    mkdir adir
    run dsq --job-file adir
    [ "$status" -eq 2 ]
    [[ "$output" == *"adir: is a directory"* ]]
    nothing_made
}

@test "empty job file and comments-only job file: exit 2, clear message" {
    : > empty.txt
    run dsq --job-file empty.txt
    [ "$status" -eq 2 ]
    [[ "$output" == *"empty.txt: no command lines"* ]]
    printf '# only\n\n   \n' > comments.txt
    run dsq --job-file comments.txt --dry-run
    [ "$status" -eq 2 ]
    [[ "$output" == *"comments.txt: no command lines"* ]]
    nothing_made
}

@test "NUL byte: exit 2, names the line" {
    printf 'echo a\necho b\000c\n' > nul.txt
    run dsq --job-file nul.txt
    [ "$status" -eq 2 ]
    [[ "$output" == *"nul.txt:2:"* ]]
    nothing_made
}

@test "bad numbers are usage errors naming the option" {
    for args in "--max-jobs 0" "--max-jobs -1" "--max-jobs abc" "--parallel 0" \
                "--parallel -1" "--lines-per-task abc" "--tasks 1.5" "--max-array-tasks 0"; do
        run dsq --job-file jobs.txt $args
        [ "$status" -eq 2 ] || { echo "$args -> $status"; return 1; }
        [[ "$output" == *"${args%% *}"* ]] || { echo "$args: $output"; return 1; }
    done
    nothing_made
}

@test "conflicting options are usage errors" {
    run dsq --job-file jobs.txt --submit --dry-run
    [ "$status" -eq 2 ]
    [[ "$output" == *"--submit and --dry-run"* ]]
    run dsq --job-file jobs.txt --tasks 2 --lines-per-task 2
    [ "$status" -eq 2 ]
    [[ "$output" == *"--tasks and --lines-per-task"* ]]
    run dsq --job-file jobs.txt --layout diagonal
    [ "$status" -eq 2 ]
    [[ "$output" == *"--layout 'diagonal'"* ]]
    nothing_made
}

@test "unknown option, missing value, stray word: exit 2 naming it" {
    run dsq --job-file jobs.txt --frobnicate
    [ "$status" -eq 2 ]
    [[ "$output" == *"'--frobnicate'"* ]]
    run dsq --job-file jobs.txt --mem
    [ "$status" -eq 2 ]
    [[ "$output" == *"--mem"*"needs a value"* ]]
    run dsq --job-file
    [ "$status" -eq 2 ]
    [[ "$output" == *"--job-file"*"needs a value"* ]]
    run dsq --job-file jobs.txt extra
    [ "$status" -eq 2 ]
    [[ "$output" == *"'extra'"* ]]
    run dsq
    [ "$status" -eq 2 ]
    [[ "$output" == *"--job-file"* ]]
    nothing_made
}

@test "dsq options match exactly: no abbreviation" {
    run dsq --job-fil jobs.txt
    [ "$status" -eq 2 ]
    [[ "$output" == *"'--job-fil'"* ]]
    run dsq --job-file jobs.txt --max-job 3
    [ "$status" -eq 2 ]
    nothing_made
}

@test "an unwritable status directory: error, nothing half-made" {
    mkdir ro && chmod 0555 ro
    if [ "$(id -u)" -eq 0 ]; then
        # root writes anywhere: use a path under a file instead
        : > afile
        run dsq --job-file jobs.txt --status-dir afile/runs
    else
        run dsq --job-file jobs.txt --status-dir ro/runs
    fi
    [ "$status" -eq 2 ]
    [[ "$output" == *"dsq: error: status directory"* ]]
    nothing_made
}

@test "sbatch refusing the job: its words verbatim, exit 3, run dir marked not submitted" {
    # A stand-in sbatch for this failure path only; real submission is tested
    # against the real cluster in 01xx-slurm-*.bats.
    refusing_sbatch
    run dsq --job-file jobs.txt --submit -p nosuch
    [ "$status" -eq 3 ]
    [ -e sbatch-called ]
    [[ "$output" == *"sbatch: error: Batch job submission failed: Invalid partition name specified"* ]]
    [[ "$output" == *"not submitted"* ]]
    rd=$(only_run_dir)
    [ "$(jq -r '.job_ids | length' "$rd/manifest.json")" = 0 ]
    [[ "$(jq -r .submit_error "$rd/manifest.json")" == *"Invalid partition name"* ]]
    run dsq report "$rd"
    [[ "$output" == *"none (not submitted: sbatch refused it)"* ]]
}

@test "--wait needs --submit" {
    run dsq --job-file jobs.txt --wait
    [ "$status" -eq 2 ]
    [[ "$output" == *"--wait"*"--submit"* ]]
}

@test "large inputs are not errors: a 1 MiB command line runs, a 1,000,000-line job file plans" {
    {
        printf ': '
        head -c 1048576 /dev/zero | tr '\0' y
        printf '; echo "$DSQ_LINE" > mib.out\n'
    } > mib.txt
    run dsq --job-file mib.txt --dry-run --status-dir mib-runs
    [ "$status" -eq 0 ]
    [ "$(cat mib.out)" = 1 ]
    seq 1 1000000 | sed 's/^/echo /' > million.txt
    run dsq --job-file million.txt --batch-file million.sh --status-dir million-runs
    [ "$status" -eq 0 ]
    rd=$(only_run_dir million-runs)
    [ "$(jq -r '.commands' "$rd/manifest.json")" = 1000000 ]
    [ "$(jq -r '.plan.tasks' "$rd/manifest.json")" = 1000 ]
    [ "$(jq -r '.plan.lines_per_task' "$rd/manifest.json")" = 1000 ]
    grep -qx '#SBATCH --array=0-999' million.sh
    cmp million.txt "$rd/jobfile"
}
