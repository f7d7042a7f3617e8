#!/usr/bin/env bats
# 0025-quoting: the commands dsq prints for people to paste (the planner's
# "sbatch FILE" and report's "dsq autopsy RUN") write a path as it is when
# every character is safe in a shell word, else single-quoted: one rule
# (lib/text.c), the same for both.
load helper
setup() {
    setup_dsq
    printf 'echo one\nexit 3\n' > jobs.txt
}

@test "the sbatch hint: a plain batch file as it is, any other single-quoted" {
    run dsq --job-file jobs.txt --batch-file plain-1.sh
    [ "$status" -eq 0 ]
    [[ "$output" == *$'\n sbatch plain-1.sh\n'* ]]
    for f in "my batch.sh" "it's.sh" 'a=b.sh' 'x$y.sh' 'b~.sh'; do
        run dsq --job-file jobs.txt --batch-file "$f"
        [ "$status" -eq 0 ]
        q=${f//\'/\'\\\'\'}
        [[ "$output" == *$'\n sbatch '"'$q'"$'\n'* ]] || { echo "$f: $output"; return 1; }
        [ -f "$f" ]
    done
}

@test "report's rerun hint follows the same rule" {
    run dsq --job-file jobs.txt --dry-run --status-dir plain
    [ "$status" -eq 1 ]
    [[ "$output" == *"run again:   dsq autopsy $WORK/plain/dsq-jobs-"*" > rerun.txt"* ]]
    [[ "$output" != *"dsq autopsy '"* ]]
    run dsq --job-file jobs.txt --dry-run --status-dir 'a=b'
    [ "$status" -eq 1 ]
    [[ "$output" == *"run again:   dsq autopsy '$WORK/a=b/dsq-jobs-"*"' > rerun.txt"* ]]
}
