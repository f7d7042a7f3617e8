#!/usr/bin/env bats
# dsq report --html, looked at in a real browser (headless chromium,
# tests/html-helper.bash): real --dry-run runs (a hostile job file, a failed
# run and its rerun, a run still going, 100,000 lines) rendered, their DOM
# checked against report --json, the escaping, no request and no console
# message; screenshots kept under tests/artifacts/.
load helper
load html-helper
setup() { setup_dsq; }
bats_require_minimum_version 1.5.0

# state_counts_match NAME JSON: every state's row in the page has the count
# report --json gives it, and the page has a row for every state.
state_counts_match() {
    local st n
    [ "$(dom_count "$1" 'data-state=')" -eq "$(jq '.states | length' <<<"$2")" ] ||
        { echo "the page has $(dom_count "$1" 'data-state=') state rows" >&2; return 1; }
    for st in $(jq -r '.states | keys[]' <<<"$2"); do
        n=$(jq -r --arg s "$st" '.states[$s]' <<<"$2")
        [ "$(dom_count "$1" "data-state=\"$st\" data-count=\"$n\"")" -eq 1 ] ||
            { echo "state $st: the page does not say $n" >&2; grep -o "data-state=\"$st\"[^>]*" "$1.dom" >&2; return 1; }
    done
}

@test "report --html: usage, help, and where the page goes" {
    run --separate-stderr dsq report --help
    [[ "$output" == *"--html FILE"* ]]
    run --separate-stderr dsq report --html x.html --json
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--html is a format of its own"* ]]
    run --separate-stderr dsq report --html - --watch
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"give it a file, not -"* ]]
    run --separate-stderr dsq report --html ''
    [ "$status" -eq 2 ]
    run --separate-stderr dsq report --html
    [ "$status" -eq 2 ]
    [ ! -e x.html ]
    printf 'true\nexit 2\n' > j.txt
    run dsq --job-file j.txt --dry-run
    [ "$status" -eq 1 ]
    # FILE: nothing on stdout, the page in the file, no temporary file left;
    # --check keeps its meaning.
    run --separate-stderr dsq report --html page.html --check
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    [ "$(head -c 15 page.html)" = '<!DOCTYPE html>' ]
    [ "$(ls -A | grep -c 'page.html.tmp')" -eq 0 ]
    # -: the page on stdout.
    run --separate-stderr dsq report --html -
    [ "$status" -eq 0 ]
    [[ "$output" == '<!DOCTYPE html>'* ]]
    [[ "$output" == *'data-state="failed" data-count="1"'* ]]
    # A directory that does not exist: a system error naming the file.
    run --separate-stderr dsq report --html nowhere/page.html
    [ "$status" -eq 3 ]
    [[ "$stderr" == *"nowhere/page.html"* ]]
}

@test "report --html in a browser: a bar per line, counts as report --json, markup in commands stays text" {
    browser_require
    {
        printf '%s\n' "echo '<script>console.error(\"pwned\")</script>'"
        printf '%s\n' "exit 3 # \"dq\" 'sq' & </svg></title><img src=x onerror=console.error(2)>"
        printf '# a comment keeps its place\n'
        printf 'printf "ctl \033[31m \xff\xfe bytes"; kill -KILL $$\n'
        printf 'sleep 0.3\n'
        printf '%s\n' 'echo "</rect><style>body{display:none}</style>"; exit 4'
        printf 'true\n'
    } > hostile.txt
    run dsq --job-file hostile.txt --dry-run --parallel 2
    [ "$status" -eq 1 ]
    json=$(dsq report --json --lines)
    dsq report --html page.html
    browser_load page.html page
    page_quiet page
    state_counts_match page "$json"
    # A bar per line, numbered by the job file's physical lines.
    [ "$(dom_count page 'class="bar ')" -eq "$(jq '.total' <<<"$json")" ]
    [ "$(grep -o 'data-line="[0-9]*"' page.dom | tr -dc '0-9\n' | sort -n | tr '\n' ' ')" = \
        "$(jq -r '[.lines[].line] | map(tostring) | join(" ")' <<<"$json") " ]
    # Each bar is coloured by its line's state.
    [ "$(dom_count page 'class="bar k-failed" data-line="2"')" -eq 1 ]
    [ "$(dom_count page 'class="bar k-signaled" data-line="4"')" -eq 1 ]
    [ "$(dom_count page 'class="bar k-ok" data-line="1"')" -eq 1 ]
    # ... and says its cause (report --json's); causes beyond exit and
    # signal outline the bar, as the legend says.
    [ "$(dom_count page 'data-line="2" data-attempt="1" data-cause="exit"')" -eq 1 ]
    [ "$(dom_count page 'data-line="4" data-attempt="1" data-cause="signal"')" -eq 1 ]
    [ "$(dom_count page 'data-cause=')" -eq "$(jq '[.lines[] | select(.cause != null)] | length' <<<"$json")" ]
    [ "$(dom_count page 'class="sw c-out_of_memory"')" -eq 1 ]
    # The markup in the commands is text: escaped in the DOM, no element made,
    # the page's own structure intact (five SVGs: the states bar, the
    # timeline, the density strip and two histograms).
    grep -qF '&lt;script&gt;console.error("pwned")&lt;/script&gt;' page.dom
    grep -qF "exit 3 # \"dq\" 'sq' &amp; &lt;/svg&gt;&lt;/title&gt;&lt;img src=x onerror=console.error(2)&gt;" page.dom
    grep -qF '&lt;/rect&gt;&lt;style&gt;body{display:none}&lt;/style&gt;' page.dom
    [ "$(dom_count page '<svg')" -eq 5 ]
    [ "$(dom_count page '</svg>')" -eq 5 ]
    [ "$(dom_count page '<style')" -eq 1 ]
    [ "$(dom_count page '<img')" -eq 0 ]
    # Bytes that are not UTF-8 are U+FFFD, control bytes their pictures.
    grep -qF $'ctl \xe2\x90\x9b[31m \xef\xbf\xbd\xef\xbf\xbd bytes' page.dom
    # The failures, grouped as in the text report, with the advice's rerun.
    [ "$(dom_count page 'data-group="exit 3" data-count="1"')" -eq 1 ]
    [ "$(dom_count page 'data-group="exit 4" data-count="1"')" -eq 1 ]
    [ "$(dom_count page 'data-group="signal 9 (KILL)" data-count="1"')" -eq 1 ]
    grep -qF 'id="rerun">dsq autopsy ' page.dom
    browser_screenshot page.html "$ARTIFACTS/html-hostile.png"
}

@test "report --html of a failed run and its rerun: both attempts drawn, the rerun's bars marked" {
    browser_require
    # Lines 2, 4 and 5 fail in attempt 1 and succeed when run again.
    {
        printf 'sleep 0.2\n'
        printf '[ "$DSQ_ATTEMPT" -gt 1 ] || { sleep 0.3; exit 5; }\n'
        printf 'sleep 0.4\n'
        printf '[ "$DSQ_ATTEMPT" -gt 1 ] || kill -TERM $$\n'
        printf '[ "$DSQ_ATTEMPT" -gt 1 ] || exit 5; sleep 0.3\n'
        printf 'sleep 0.1\n'
    } > flaky.txt
    run dsq --job-file flaky.txt --dry-run --parallel 2
    [ "$status" -eq 1 ]
    rd=$(only_run_dir)
    dsq report --html before.html
    run dsq autopsy "$rd" --dry-run
    [ "$status" -eq 0 ]
    json=$(dsq report "$rd" --json --lines)
    [ "$(jq '.states.ok' <<<"$json")" -eq 6 ]
    dsq report "$rd" --html after.html
    browser_load before.html before
    page_quiet before
    [ "$(dom_count before 'data-group="exit 5" data-count="2"')" -eq 1 ]
    [ "$(dom_count before 'data-group="signal 15 (TERM)" data-count="1"')" -eq 1 ]
    browser_load after.html after
    page_quiet after
    state_counts_match after "$json"
    [ "$(dom_count after 'class="bar ')" -eq 6 ]
    # The rerun's lines: their latest bar is attempt 2 and marked, and their
    # attempt 1 is an earlier bar of its own; the rerun's start is marked.
    [ "$(grep -o '<rect class="bar k-ok rerun" data-line="[0-9]*" data-attempt="2"' after.dom |
        grep -o 'data-line="[0-9]*"' | tr -dc '0-9\n' | sort -n | tr '\n' ' ')" = "2 4 5 " ]
    [ "$(dom_count after 'class="earlier k-failed" data-earlier="2" data-attempt="1"')" -eq 1 ]
    [ "$(dom_count after 'class="earlier k-signaled" data-earlier="4" data-attempt="1"')" -eq 1 ]
    [ "$(dom_count after 'class="earlier k-failed" data-earlier="5" data-attempt="1"')" -eq 1 ]
    [ "$(dom_count after '>attempt 2</text>')" -eq 1 ]
    [ "$(dom_count after 'data-group=')" -eq 0 ]
    [ "$(dom_count after 'id="attempts">2<')" -eq 1 ]
    browser_screenshot after.html "$ARTIFACTS/html-rerun.png" 1280,1100
}

@test "report --html of a run still going: a snapshot; --watch --html rewrites it until the run is over" {
    browser_require
    printf 'true\nwhile [ ! -e %q ]; do sleep 0.1; done\nsleep 0.1\ntrue\n' "$WORK/go" > slow.txt
    dsq --job-file slow.txt --dry-run --parallel 1 > dry.out 2>&1 &
    dry=$!
    # Bounded waits, not timed assertions: until the second line runs.
    for _ in $(seq 600); do
        [ "$(dsq report --json 2>/dev/null | jq '.states.running')" = 1 ] && break
        sleep 0.1
    done
    dsq report --html snap.html
    browser_load snap.html snap
    page_quiet snap
    [ "$(dom_count snap 'id="snapshot"')" -eq 1 ]
    [ "$(dom_count snap 'data-state="running" data-count="1"')" -eq 1 ]
    [ "$(dom_count snap 'data-state="pending" data-count="2"')" -eq 1 ]
    [ "$(dom_count snap 'class="bar k-running" data-line="2"')" -eq 1 ]
    [ "$(dom_count snap 'class="bar ')" -eq 2 ]
    timeout 120 dsq report --watch --html watch.html > watch.out 2>&1 &
    watch=$!
    for _ in $(seq 600); do [ -s watch.html ] && break; sleep 0.1; done
    grep -qF 'id="snapshot"' watch.html
    touch "$WORK/go"
    wait "$dry"
    wait "$watch"
    browser_load watch.html watch
    page_quiet watch
    [ "$(dom_count watch 'id="snapshot"')" -eq 0 ]
    [ "$(dom_count watch 'data-state="ok" data-count="4"')" -eq 1 ]
    [ "$(dom_count watch 'class="bar k-ok"')" -eq 4 ]
    [ "$(ls -A | grep -c 'watch.html.tmp')" -eq 0 ]
    grep -q '^states: *4 ok' watch.out
}

@test "report --html of 100,000 lines: aggregated, a few MB, counts as report --json, opens in the browser" {
    browser_require
    awk 'BEGIN { for (i = 0; i < 100000; i++) print "true" }' > many.txt
    printf 'exit 9\n' >> many.txt
    run dsq --job-file many.txt --dry-run
    [ "$status" -eq 1 ]
    json=$(dsq report --json)
    dsq report --html many.html
    [ "$(stat -c %s many.html)" -lt $((4 * 1024 * 1024)) ]
    browser_load many.html many
    page_quiet many
    state_counts_match many "$json"
    [ "$(dom_count many 'data-aggregated="1"')" -eq 1 ]
    [ "$(dom_count many 'class="bar ')" -eq 0 ]
    [ "$(dom_count many 'class="agg k-')" -gt 0 ]
    [ "$(dom_count many 'data-group="exit 9" data-count="1"')" -eq 1 ]
    browser_screenshot many.html "$ARTIFACTS/html-100000.png" 1280,1000
}

@test "the browser checks can fail: a script, a request, a loading element are caught" {
    browser_require
    cat > bad.html <<'EOF'
<!DOCTYPE html><html><head><meta charset="utf-8"><title>bad</title></head>
<body><p>bad</p><script>console.log("hello")</script></body></html>
EOF
    browser_load bad.html bad
    run page_quiet bad
    [ "$status" -eq 1 ]
    [[ "$output" == *"logged to the console"* ]]
    [[ "$output" != *"made requests"* ]]
    # A request (to a closed port) is in the net log.
    printf '<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png"></body></html>\n' > req.html
    browser_load req.html req
    run page_quiet req
    [ "$status" -eq 1 ]
    [[ "$output" == *"made requests"*"http://127.0.0.1:9/x.png"* ]]
    [[ "$output" == *"load or run something"* ]]
    # dsq's own page, with markup that would load something put back in: the
    # page's Content-Security-Policy refuses it, and says so on the console.
    printf 'true\n' > j.txt
    dsq --job-file j.txt --dry-run > /dev/null
    dsq report --html page.html
    sed 's|</footer>|<img src="http://127.0.0.1:9/y.png"></footer>|' page.html > tampered.html
    browser_load tampered.html tampered
    run page_quiet tampered
    [ "$status" -eq 1 ]
    [[ "$output" == *"violates the following Content Security Policy"* ]]
    [[ "$output" != *"made requests"* ]]
    browser_load page.html page
    page_quiet page
}

@test "report --html of a run with --retries: a retried line's bar says its try" {
    browser_require
    # Line 1 fails on its first try and succeeds on its second.
    printf '%s\n' 'n=$(cat c 2>/dev/null || echo 0); echo $((n + 1)) > c; [ "$n" -ge 1 ]' 'true' > r.txt
    run dsq --job-file r.txt --dry-run --retries 2
    [ "$status" -eq 0 ]
    dsq report --html retried.html
    browser_load retried.html retried
    page_quiet retried
    [ "$(dom_count retried 'data-line="1" data-attempt="1" data-tries="2"')" -eq 1 ]
    [ "$(dom_count retried 'data-tries=')" -eq 1 ]
    [ "$(dom_count retried 'attempt 1, try 2 (--retries), ')" -eq 1 ]
}
