/* fuzz-sbatch: libFuzzer harness for what dsq knows of sbatch's command line.
 * The input is split into argument tokens (at NUL and newline bytes) and
 * placed with dsq_sbatch_take() until it refuses one; every placed option is
 * written as an "#SBATCH" line and read back with sbatch's own tokenising
 * rules, which must give the exact value.  Every token also goes through the
 * time and memory parsers. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "lib/buf.h"
#include "lib/sbatch.h"
#include "lib/script.h"



#define MAX_TOKENS 64

/* sbatch's reading of the text after "#SBATCH": blanks split words, single
 * or double quotes group (only the same quote closes), a backslash takes the
 * next character as it is (inside quotes too), and '#' outside quotes starts
 * a comment.  Words are written to out as NUL-separated strings; the count,
 * or -1 when there are more than max. */
static int
sbatch_words(const char *s, char *out, size_t outsz, int max)
{
    size_t o = 0;
    int n = 0;

    for (;;) {
        char quote = 0;

        while (*s == ' ' || *s == '\t' || *s == '\v' || *s == '\f' || *s == '\r')
            s++;
        if (!*s || *s == '\n' || *s == '#')
            return n;
        if (n == max)
            return -1;
        while (*s && *s != '\n') {
            if (*s == '\\') {
                if (!*++s || *s == '\n')
                    break; /* a backslash at the end escapes nothing */
            } else if (quote) {
                if (*s == quote) {
                    quote = 0;
                    s++;
                    continue;
                }
            } else if (*s == '"' || *s == '\'') {
                quote = *s++;
                continue;
            } else if (*s == ' ' || *s == '\t' || *s == '\v' || *s == '\f' || *s == '\r' ||
                       *s == '#') {
                break;
            }
            CHECK(o + 1 < outsz);
            out[o++] = *s++;
        }
        CHECK(o < outsz);
        out[o++] = '\0';
        n++;
        if (*s == '#')
            return n;
    }
}

/* The option's "#SBATCH" line must read back as exactly one word,
 * "--name" or "--name=value". */
static void
check_line(const char *name, const char *value)
{
    struct dsq_buf line = {0}, want = {0};
    const char *rest;
    char *words;
    size_t cap;

    CHECK(dsq_script_sbatch_line(&line, name, value) == 0);
    CHECK(line.len > 0 && line.data[line.len - 1] == '\n');
    CHECK(memchr(line.data, '\n', line.len - 1) == NULL);
    CHECK(!strncmp(line.data, "#SBATCH ", 8));
    rest = line.data + 8;
    cap = line.len + 1;
    words = malloc(cap);
    CHECK(words != NULL);
    CHECK(sbatch_words(rest, words, cap, 2) == 1);
    if (value)
        CHECK(dsq_buf_printf(&want, "--%s=%s", name, value) == 0);
    else
        CHECK(dsq_buf_printf(&want, "--%s", name) == 0);
    if (strcmp(words, want.data))
        fprintf(stderr, "line %s reads back as '%s', not '%s'\n", line.data, words, want.data);
    CHECK(!strcmp(words, want.data));
    free(words);
    dsq_buf_free(&line);
    dsq_buf_free(&want);
}

/* An independent reading of a memory size: digits, then K/M/G/T (default
 * M), with an optional B; NULL-safe only for what parse_mem accepts. */
static void
check_mem(const char *s)
{
    uint64_t mib = 0, v = 0, kib;
    const char *p = s;
    int rc = dsq_sbatch_parse_mem(s, &mib);

    if (rc < 0)
        return;
    CHECK(*p >= '0' && *p <= '9');
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (uint64_t)(*p - '0');
        CHECK(v <= 100000000);
        p++;
    }
    switch (*p) {
    case 'K':
    case 'k':
        kib = v;
        break;
    case 'G':
    case 'g':
        kib = v << 20;
        break;
    case 'T':
    case 't':
        kib = v << 30;
        break;
    default:
        kib = v << 10;
        break;
    }
    CHECK(mib == (kib + 1023) / 1024);
}

static void
check_time(const char *s)
{
    long sec, again;
    char buf[64];

    if (dsq_sbatch_parse_time(s, &sec) < 0)
        return;
    CHECK(sec >= -1);
    dsq_sbatch_format_time(sec, buf, sizeof buf);
    /* Slurm reads a day count of up to 10^8 here; a longer time formats to
     * a count this parser (and sbatch) would refuse. */
    if (sec / 86400 > 100000000L)
        return;
    if (dsq_sbatch_parse_time(buf, &again) < 0)
        fprintf(stderr, "'%s' is %ld s, formatted '%s', which does not parse\n", s, sec, buf);
    CHECK(dsq_sbatch_parse_time(buf, &again) == 0);
    CHECK(again == sec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dsq_sbopts opts = {0};
    struct dsq_error err = {0};
    char *copy = malloc(size + 1), *argv[MAX_TOKENS + 1];
    int argc = 0, i = 0;
    size_t start = 0;

    CHECK(copy != NULL);
    if (size)
        memcpy(copy, data, size);
    copy[size] = '\0';
    for (size_t k = 0; k <= size && argc < MAX_TOKENS; k++) {
        if (k == size || copy[k] == '\0' || copy[k] == '\n') {
            copy[k] = '\0';
            argv[argc++] = copy + start;
            start = k + 1;
        }
    }
    argv[argc] = NULL;

    for (int k = 0; k < argc; k++) {
        check_mem(argv[k]);
        check_time(argv[k]);
    }
    while (i < argc) {
        int before = i;
        size_t n = opts.n;

        if (dsq_sbatch_take(argc, argv, &i, &opts, &err) < 0) {
            CHECK(i == before && opts.n == n);
            CHECK(err.kind != DSQ_ERR_NONE && err.msg[0]);
            break;
        }
        CHECK(i == before + 1 || i == before + 2);
        CHECK(opts.n == n + 1);
        CHECK(dsq_sbatch_lookup(opts.v[n].name, strlen(opts.v[n].name)) != NULL);
        CHECK(strcmp(opts.v[n].name, "array") && strcmp(opts.v[n].name, "wrap"));
        if (i == before + 2)
            CHECK(opts.v[n].value && !strcmp(opts.v[n].value, argv[before + 1]));
        else if (opts.v[n].value)
            CHECK(strstr(argv[before], opts.v[n].value) != NULL);
    }
    for (size_t k = 0; k < opts.n; k++)
        check_line(opts.v[k].name, opts.v[k].value);
    dsq_sbopts_free(&opts);
    free(copy);
    return 0;
}
