#!/usr/bin/env bats
# Crash-safe records: report and autopsy read past a torn last record, a file
# of garbage, an empty file and an unreadable one, warn naming each, and lose
# nothing else.  Record and manifest writes never follow a symlink.

load helper

setup() {
    setup_dsq
    printf 'true\nexit 4\ntrue\n' > jobs.txt
    run dsq --job-file jobs.txt --dry-run --status-dir st
    [ "$status" -eq 1 ]
    rd=$(only_run_dir st)
    before=$(dsq report "$rd" --json --lines 2>/dev/null | jq -c '[.lines[] | [.line,.state,.exit]]')
    json_eq "$before" '[[1,"ok",0],[2,"failed",4],[3,"ok",0]]'
}

@test "torn last record, garbage file, empty file, unreadable file: warned, nothing else lost" {
    f=$(ls "$rd"/status/*.jsonl | head -1)
    printf '{"ev":"end","line":1,"ta' >> "$f"                 # a crash mid-write
    printf 'not json at all\n\x01\x02\n' > "$rd/status/a1.t90.r0.jsonl"
    : > "$rd/status/a1.t91.r0.jsonl"
    mkdir "$rd/status/a1.t92.r0.jsonl"                         # unreadable as a file
    run dsq report "$rd" --json --lines
    [ "$status" -eq 0 ]
    [[ "$output" == *"dsq: warning: "*"/$(basename "$f"):"*"skipping torn last record"* ]]
    [[ "$output" == *"a1.t90.r0.jsonl:1"* ]]
    [[ "$output" == *"a1.t92.r0.jsonl"* ]]
    after=$(dsq report "$rd" --json --lines 2>/dev/null | jq -c '[.lines[] | [.line,.state,.exit]]')
    json_eq "$after" "$before"
    [ "$(dsq autopsy "$rd" 2>/dev/null)" = "exit 4" ]
}

@test "a status file that is a symlink is never written through" {
    : > target
    # Task 1 holds the failed line 2, so its requeued run must write records.
    f="$rd/status/a1.t1.r1.jsonl"
    ln -s "$PWD/target" "$f"
    SLURM_RESTART_COUNT=1 run dsq run --run-dir "$rd" --task 1
    [ "$status" -eq 3 ]
    [[ "$output" == *"a1.t1.r1.jsonl"* ]]
    [ ! -s target ]
}

@test "the manifest is replaced atomically and never through a symlink" {
    # A rerun rewrites the manifest: the old inode is replaced, not edited.
    ino1=$(stat -c %i "$rd/manifest.json")
    run dsq autopsy "$rd" --dry-run
    [ "$status" -eq 1 ]
    ino2=$(stat -c %i "$rd/manifest.json")
    [ "$ino1" != "$ino2" ]
    [ "$(jq -r '.attempts | length' "$rd/manifest.json")" = 2 ]
    [ -z "$(ls "$rd" | grep '\.tmp\.')" ]
}
