#!/usr/bin/env bats
# 0070-docs: the man pages are lint-clean and say what the program does: every
# option the --help texts print is in dsq(1) and every option dsq(1) lists is
# real; every configuration key is in dsq --help and dsq-config(5).
load helper
setup() { setup_dsq; }

PAGES=(dsq.1 dsq-autopsy.1 dsq-records.5 dsq-config.5)

# Fail when a built page is missing: make check builds them (man_MANS).
built_pages() {
    local p
    for p in "${PAGES[@]}"; do
        [ -s "$DSQ_BUILDDIR/man/$p" ] || { echo "$DSQ_BUILDDIR/man/$p is missing: run make" >&2; return 1; }
        printf '%s\n' "$DSQ_BUILDDIR/man/$p"
    done
}

# roff source as plain text: "\-" is "-", font escapes dropped.
unroff() {
    sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\&//g' "$@"
}

# Every long option a --help text mentions, one per line, sorted.
help_long_opts() {
    { dsq --help; dsq run --help; dsq report --help; dsq autopsy --help; } |
        grep -oE -- '(^|[^a-z0-9-])--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# The long options dsq(1) documents as its own: the .TP tags of OPTIONS.
man_option_tags() {
    unroff "$DSQ_BUILDDIR/man/dsq.1" |
        awk '/^\.SH / { in_opts = ($2 == "OPTIONS") } in_opts && tag { print; tag = 0 } in_opts && /^\.TP/ { tag = 1 }' |
        grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# The configuration keys, from the table in lib/conf.c (the source of truth).
conf_keys() {
    sed -n 's/^ *\[KEY_[A-Z_]*\] = "\([a-z-]*\)",$/\1/p' "$DSQ_SRCDIR/lib/conf.c"
}

@test "mandoc -Tlint -W warning is clean on the built man pages" {
    if [ -z "${MANDOC:-}" ]; then
        if [ "${CI:-}" = true ]; then
            echo "MANDOC is empty but CI=true: install mandoc and re-run configure" >&2
            return 1
        fi
        skip "mandoc not found by configure (MANDOC is empty): install mandoc to lint the man pages"
    fi
    mapfile -t pages < <(built_pages)
    [ "${#pages[@]}" -eq 4 ]
    run "$MANDOC" -Tlint -W warning "${pages[@]}"
    echo "$output"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "the built man pages have every @VARIABLE@ filled in" {
    mapfile -t pages < <(built_pages)
    [ "${#pages[@]}" -eq 4 ]
    run grep -n '@[A-Z_]*@' "${pages[@]}"
    echo "$output"
    [ "$status" -eq 1 ]
    grep -q "$(dsq --version | awk '{print $2}')" "$DSQ_BUILDDIR/man/dsq.1"
}

@test "every long option in the --help texts is in dsq(1)" {
    built_pages > /dev/null
    mapfile -t opts < <(help_long_opts)
    [ "${#opts[@]}" -gt 20 ]
    text=$(unroff "$DSQ_BUILDDIR/man/dsq.1")
    missing=()
    for o in "${opts[@]}"; do
        grep -qE -- "(^|[^a-z0-9-])$o([^a-z0-9-]|\$)" <<<"$text" || missing+=("$o")
    done
    echo "in --help but not in dsq(1): ${missing[*]}"
    [ "${#missing[@]}" -eq 0 ]
}

@test "every option dsq(1) lists under OPTIONS is in a --help text" {
    built_pages > /dev/null
    mapfile -t tags < <(man_option_tags)
    [ "${#tags[@]}" -gt 20 ]
    help=$(help_long_opts)
    extra=()
    for o in "${tags[@]}"; do
        grep -qxF -- "$o" <<<"$help" || extra+=("$o")
    done
    echo "in dsq(1) OPTIONS but in no --help: ${extra[*]}"
    [ "${#extra[@]}" -eq 0 ]
}

@test "every subcommand's options are tagged in its own OPTIONS subsection" {
    built_pages > /dev/null
    for sub in run report autopsy; do
        section=$(unroff "$DSQ_BUILDDIR/man/dsq.1" |
            awk -v s="dsq $sub" '/^\.S[SH] / { cur = substr($0, 5) } cur == s' | sed -E 's/^\.(B|BR|I) //')
        [ -n "$section" ] || { echo "no subsection 'dsq $sub'"; return 1; }
        while read -r o; do
            [ "$o" = --help ] && continue
            grep -qE -- "^$o( |,|\$)" <<<"$section" || { echo "dsq $sub: $o not tagged"; return 1; }
        done < <(dsq "$sub" --help | grep -oE -- '^ +--[a-z][a-z0-9-]*' | tr -d ' ')
    done
}

@test "every configuration key is in dsq --help and dsq-config(5), and no other" {
    built_pages > /dev/null
    mapfile -t keys < <(conf_keys)
    [ "${#keys[@]}" -eq 12 ]
    help=$(dsq --help)
    page=$(unroff "$DSQ_BUILDDIR/man/dsq-config.5")
    for k in "${keys[@]}"; do
        grep -qE -- "(^|[^a-z-])$k([^a-z-]|\$)" <<<"$help" || { echo "$k not in dsq --help"; return 1; }
        grep -qE -- "^$k: " <<<"$page" || { echo "$k not a .TP key in dsq-config(5)"; return 1; }
    done
    # The page documents no key the program does not know.
    documented=$(awk '/^\.SH / { in_keys = ($2 == "KEYS") } in_keys && tag { print; tag = 0 } in_keys && /^\.TP/ { tag = 1 }' \
        <<<"$page" | sed -n 's/^\([a-z-]*\): .*/\1/p' | sort)
    [ "$documented" = "$(printf '%s\n' "${keys[@]}" | sort)" ]
}

@test "the man pages' example configuration is accepted by dsq" {
    built_pages > /dev/null
    # The first example of dsq-config(5), with roff escapes removed.
    unroff "$DSQ_BUILDDIR/man/dsq-config.5" |
        awk '/^\.EX/ { n++; on = (n == 1); next } /^\.EE/ { on = 0 } on' > site.yaml
    grep -q '^sbatch-options:' site.yaml
    sed -i 's|^status-dir: .*|status-dir: runs|' site.yaml
    printf 'echo hi\n' > jobs.txt
    DSQ_CONFIG=$PWD/site.yaml run dsq --job-file jobs.txt --stdout
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *'#SBATCH --partition=day'* ]]
}
