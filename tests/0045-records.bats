#!/usr/bin/env bats
# Crash-safe records: report and autopsy read past a torn last record, a file
# of garbage and an empty file, warn naming each, and lose nothing else; a
# status file they cannot read stops them (exit 3) naming it.  Record and
# manifest writes never follow a symlink.

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

@test "torn last record, garbage file, empty file: warned, nothing else lost" {
    f=$(ls "$rd"/status/*.jsonl | head -1)
    printf '{"ev":"end","line":1,"ta' >> "$f"                 # a crash mid-write
    printf 'not json at all\n\x01\x02\nmore\nand more\n' > "$rd/status/a1.t90.r0.jsonl"
    : > "$rd/status/a1.t91.r0.jsonl"
    run dsq report "$rd" --json --lines
    [ "$status" -eq 0 ]
    [[ "$output" == *"dsq: warning: "*"/$(basename "$f"):"*"skipping torn last record"* ]]
    [[ "$output" == *"a1.t90.r0.jsonl:1"* ]]
    # A file of garbage is one problem: one warning, and a count.
    [ "$(grep -c 'a1.t90.r0.jsonl:[0-9]' <<<"$output")" -eq 1 ]
    [[ "$output" == *"a1.t90.r0.jsonl: skipped 4 unreadable records in all"* ]]
    after=$(dsq report "$rd" --json --lines 2>/dev/null | jq -c '[.lines[] | [.line,.state,.exit]]')
    json_eq "$after" "$before"
    [ "$(dsq autopsy "$rd" 2>/dev/null)" = "exit 4" ]
}

# A status file dsq cannot read may hold the end of lines that succeeded:
# report and autopsy name it and exit 3, never calling those lines unfinished
# (nor rerunning them), and never hang or fill memory on it.
unreadable_status_refused() {
    local what=$1
    run timeout 20 dsq report "$rd" --json --lines
    [ "$status" -eq 3 ] || { echo "$what: report exit $status: $output"; return 1; }
    [[ "$output" == *"a1.t0.r0.jsonl"* ]] || { echo "$what: $output"; return 1; }
    run timeout 20 dsq autopsy "$rd"
    [ "$status" -eq 3 ] || { echo "$what: autopsy exit $status: $output"; return 1; }
    [[ "$output" != *"true"* ]]
    run timeout 20 dsq autopsy "$rd" --dry-run
    [ "$status" -eq 3 ] || { echo "$what: rerun exit $status: $output"; return 1; }
    [ ! -e "$rd/attempts" ]
}

@test "a status file that is a directory, FIFO, device, symlink or absurdly large: exit 3 naming it" {
    f="$rd/status/a1.t0.r0.jsonl"                               # holds line 1 (ok)
    mv "$f" saved
    mkdir "$f"
    unreadable_status_refused directory
    rmdir "$f" && mkfifo "$f"
    unreadable_status_refused FIFO
    rm "$f" && mknod "$f" c 1 5                                 # /dev/zero: endless
    unreadable_status_refused device
    rm "$f" && ln -s "$PWD/saved" "$f"
    unreadable_status_refused symlink
    rm "$f" && cp saved "$f" && truncate -s 3G "$f"
    unreadable_status_refused "3 GiB file"
    [[ "$output" == *"more than any run writes"* ]]
    # Put back, the run reads as before.
    rm "$f" && mv saved "$f"
    run dsq report "$rd" --json --lines
    [ "$status" -eq 0 ]
    json_eq "$(jq -c '[.lines[] | [.line,.state,.exit]]' <<<"$output")" "$before"
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
