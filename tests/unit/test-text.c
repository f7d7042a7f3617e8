/* Unit tests for lib/text: UTF-8 repair, shell quoting. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/text.h"
#include "tests/unit/tap.h"

int
main(void)
{
    struct dsq_buf b = {0};
    char *s;

    s = dsq_utf8_repair("ok \xc3\xa9 \xff end", 11);
    is_str(s, "ok \xc3\xa9 \xef\xbf\xbd end", "invalid byte becomes U+FFFD, valid kept");
    free(s);
    s = dsq_utf8_repair("\xe2\x82", 2);
    is_str(s, "\xef\xbf\xbd\xef\xbf\xbd", "truncated sequence: one U+FFFD per byte");
    free(s);
    s = dsq_utf8_repair("\xed\xa0\x80", 3);
    ok(s && strstr(s, "\xed\xa0\x80") == NULL, "surrogate refused");
    free(s);

    dsq_buf_shell_quote(&b, "it's $(x) `y`", 13);
    is_str(b.data, "'it'\\''s $(x) `y`'", "single-quoted, quote escaped");
    dsq_buf_free(&b);
    dsq_buf_shell_quote(&b, "plain", 5);
    is_str(b.data, "'plain'", "shell_quote quotes even a safe word");
    dsq_buf_free(&b);

    dsq_buf_visible(&b, "a\nb\tc\\d\x1b\x7f\xc3\xa9", 11);
    is_str(b.data, "a\\nb\\tc\\\\d\\x1b\\x7f\xc3\xa9", "visible: control bytes escaped");
    dsq_buf_free(&b);

    dsq_buf_shell_word(&b, "/scratch/run-1/dsq_x.sh", 23);
    is_str(b.data, "/scratch/run-1/dsq_x.sh", "shell_word: a safe word as it is");
    dsq_buf_free(&b);
    dsq_buf_shell_word(&b, "my runs/it's", 12);
    is_str(b.data, "'my runs/it'\\''s'", "shell_word: quoted when it needs to be");
    dsq_buf_free(&b);
    dsq_buf_shell_word(&b, "", 0);
    is_str(b.data, "''", "shell_word: the empty word is ''");
    dsq_buf_free(&b);
    {
        const char *unsafe[] = {" ", "\t", "\n", "'", "\"", "$", "`", "\\", "|", "&", ";", "<",
                                ">", "(", ")", "*", "?", "[", "]", "#", "~", "!", "{", "}",
                                "=", "^", "\xc3\xa9"};
        int all = 1;
        for (size_t i = 0; i < sizeof unsafe / sizeof *unsafe; i++) {
            char w[8];
            snprintf(w, sizeof w, "a%sb", unsafe[i]);
            all &= !dsq_shell_safe(w, strlen(w));
        }
        ok(all, "shell_safe: every shell metacharacter, '=', '^' and non-ASCII need quotes");
        ok(dsq_shell_safe("a/b.c_d-e+f:g@h%i,j", 19), "shell_safe: the safe punctuation");
        ok(!dsq_shell_safe("a\0b", 3), "shell_safe: a NUL byte is not safe");
    }

    is_str(dsq_signal_name(SIGTERM), "SIGTERM", "signal name with SIG");
    is_str(dsq_signal_abbrev(SIGKILL), "KILL", "signal name without SIG");
    is_str(dsq_signal_abbrev(SIGVTALRM), "VTALRM", "the longest name");
    ok(dsq_signal_name(0) == NULL && dsq_signal_abbrev(SIGRTMIN) == NULL,
       "no name for 0 or a real-time signal");
    {
        int all = 1;
        for (int sig = 1; sig < 32; sig++) {
            const char *n = dsq_signal_name(sig), *a = dsq_signal_abbrev(sig);
            if (n)
                all &= !strncmp(n, "SIG", 3) && a && !strcmp(n + 3, a);
        }
        ok(all, "each abbreviation is its name without SIG");
    }
    {
        static const struct {
            double s;
            const char *want;
        } durs[] = {
            {-1, "0.00 s"},      {0, "0.00 s"},       {0.534, "0.53 s"},   {9.994, "9.99 s"},
            {12.44, "12.4 s"},   {59.94, "59.9 s"},   {60, "1m 00s"},      {185, "3m 05s"},
            {3599.4, "59m 59s"}, {3600, "1h 00m"},    {7620, "2h 07m"},    {86399, "23h 59m"},
            {86400, "1d 00h"},   {100800, "1d 04h"},
        };
        for (size_t i = 0; i < sizeof durs / sizeof *durs; i++) {
            char buf[32];
            dsq_duration_format(durs[i].s, buf, sizeof buf);
            is_str(buf, durs[i].want, "duration %g s", durs[i].s);
        }
    }
    {
        static const struct {
            const char *in;
            size_t n;
            const char *want;
        } cases[] = {
            {"plain text/ok", 13, "plain text/ok"},
            {"<script>&\"'</svg>", 17, "&lt;script&gt;&amp;&quot;&#39;&lt;/svg&gt;"},
            {"a\tb", 3, "a\tb"},
            {"\x1b[31m\x7f", 6, "\xE2\x90\x9B[31m\xE2\x90\xA1"},
            {"a\nb\r", 4, "a\xE2\x90\x8A" "b\xE2\x90\x8D"},
            {"x\0y", 3, "x\xE2\x90\x80y"},
            {"caf\xC3\xA9 \xE2\x82\xAC", 9, "caf\xC3\xA9 \xE2\x82\xAC"},
            {"\xff\xfe<", 3, "\xEF\xBF\xBD\xEF\xBF\xBD&lt;"},
            {"\xC2\x85|\xC2\xA0", 5, "\xEF\xBF\xBD|\xC2\xA0"},
            {"\xE2\x82", 2, "\xEF\xBF\xBD\xEF\xBF\xBD"},
            {"\xED\xA0\x80", 3, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
        };
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            struct dsq_buf h = {0};
            ok(dsq_buf_html(&h, cases[i].in, cases[i].n) == 0, "html %zu escapes", i);
            is_str(h.data, cases[i].want, "html %zu", i);
            dsq_buf_free(&h);
        }
    }
    return done_testing();
}
