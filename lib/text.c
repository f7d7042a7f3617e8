/* text: see text.h. */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;

    if (c >= 0x01 && c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

char *
dsq_utf8_repair(const char *s, size_t n)
{
    struct dsq_buf b = {0};
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;

    if (dsq_buf_append(&b, "", 0) < 0)
        return NULL;
    while (i < n) {
        size_t len = utf8_seq(p + i, n - i);
        if (len) {
            i += len;
            run += len;
            continue;
        }
        if (dsq_buf_append(&b, s + i - run, run) < 0 || dsq_buf_append(&b, "\xEF\xBF\xBD", 3) < 0) {
            dsq_buf_free(&b);
            return NULL;
        }
        run = 0;
        i++;
    }
    if (dsq_buf_append(&b, s + i - run, run) < 0) {
        dsq_buf_free(&b);
        return NULL;
    }
    return b.data;
}

/* The bytes a POSIX shell reads as themselves anywhere in a word: no
 * expansion, globbing, splitting, redirection, comment or tilde can start
 * with one of these.  The one definition both quoting functions use. */
static const char shell_safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                                 "/._-+:@%,";

int
dsq_shell_safe(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!s[i] || !strchr(shell_safe, s[i]))
            return 0;
    return 1;
}

int
dsq_buf_shell_word(struct dsq_buf *b, const char *s, size_t n)
{
    return dsq_shell_safe(s, n) ? dsq_buf_append(b, s, n) : dsq_buf_shell_quote(b, s, n);
}

int
dsq_buf_shell_quote(struct dsq_buf *b, const char *s, size_t n)
{
    if (dsq_buf_append(b, "'", 1) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'') {
            if (dsq_buf_append(b, "'\\''", 4) < 0)
                return -1;
        } else if (dsq_buf_append(b, s + i, 1) < 0) {
            return -1;
        }
    }
    return dsq_buf_append(b, "'", 1);
}

int
dsq_buf_visible(struct dsq_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int rc;

        if (c == '\n')
            rc = dsq_buf_puts(b, "\\n");
        else if (c == '\t')
            rc = dsq_buf_puts(b, "\\t");
        else if (c == '\\')
            rc = dsq_buf_puts(b, "\\\\");
        else if (c < 0x20 || c == 0x7f)
            rc = dsq_buf_printf(b, "\\x%02x", c);
        else
            rc = dsq_buf_append(b, s + i, 1);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* What dsq_buf_html() writes for the sequence of len bytes at p (len from
 * utf8_seq(), 0 for a byte that starts none) into pic, or NULL when the
 * sequence is written as it is. */
static const char *
html_replacement(const unsigned char *p, size_t len, char pic[4])
{
    unsigned cp;

    if (len == 0 || (len == 2 && p[0] == 0xC2 && p[1] < 0xA0))
        return "\xEF\xBF\xBD"; /* not UTF-8, or a C1 control */
    if (len > 1 || p[0] == '\t')
        return NULL;
    switch (p[0]) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return "&#39;";
    }
    if (p[0] >= 0x20 && p[0] != 0x7f)
        return NULL;
    cp = p[0] == 0x7f ? 0x2421 : 0x2400 + p[0];
    pic[0] = (char)(0xE0 | (cp >> 12));
    pic[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    pic[2] = (char)(0x80 | (cp & 0x3F));
    pic[3] = '\0';
    return pic;
}

int
dsq_buf_html(struct dsq_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;

    if (dsq_buf_append(b, "", 0) < 0)
        return -1;
    while (i < n) {
        size_t len = utf8_seq(p + i, n - i);
        char pic[4];
        const char *rep = p[i] ? html_replacement(p + i, len, pic) : "\xE2\x90\x80";

        if (len == 0)
            len = 1;
        if (rep) {
            if (dsq_buf_append(b, s + i - run, run) < 0 || dsq_buf_puts(b, rep) < 0)
                return -1;
            run = 0;
        } else {
            run += len;
        }
        i += len;
    }
    return dsq_buf_append(b, s + i - run, run);
}

/* Signal names, once: with "SIG" for messages about signals dsq receives,
 * without it (name + 3) in report's tables, as kill -l spells them. */
static const struct {
    int sig;
    const char *name;
} signals[] = {
    {SIGHUP, "SIGHUP"},       {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"}, {SIGILL, "SIGILL"},
    {SIGTRAP, "SIGTRAP"},     {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},
    {SIGKILL, "SIGKILL"},     {SIGUSR1, "SIGUSR1"}, {SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"},
    {SIGPIPE, "SIGPIPE"},     {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"}, {SIGCHLD, "SIGCHLD"},
    {SIGCONT, "SIGCONT"},     {SIGSTOP, "SIGSTOP"}, {SIGTSTP, "SIGTSTP"}, {SIGTTIN, "SIGTTIN"},
    {SIGTTOU, "SIGTTOU"},     {SIGURG, "SIGURG"},   {SIGXCPU, "SIGXCPU"}, {SIGXFSZ, "SIGXFSZ"},
    {SIGVTALRM, "SIGVTALRM"}, {SIGPROF, "SIGPROF"}, {SIGSYS, "SIGSYS"},
};

const char *
dsq_signal_name(int sig)
{
    for (size_t i = 0; i < sizeof signals / sizeof *signals; i++)
        if (signals[i].sig == sig)
            return signals[i].name;
    return NULL;
}

const char *
dsq_signal_abbrev(int sig)
{
    const char *name = dsq_signal_name(sig);

    return name ? name + 3 : NULL;
}

void
dsq_duration_format(double s, char *buf, size_t n)
{
    long v;

    if (s < 10)
        snprintf(buf, n, "%.2f s", s < 0 ? 0 : s);
    else if (s < 60)
        snprintf(buf, n, "%.1f s", s);
    else if ((v = lround(s)) < 3600)
        snprintf(buf, n, "%ldm %02lds", v / 60, v % 60);
    else if (v < 86400)
        snprintf(buf, n, "%ldh %02ldm", v / 3600, v / 60 % 60);
    else
        snprintf(buf, n, "%ldd %02ldh", v / 86400, v / 3600 % 24);
}

/* Edit distance between a[0..na) and b[0..nb) with adjacent swaps (optimal
 * string alignment); words longer than 63 bytes are never close. */
static size_t
edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
    size_t d[64][64];

    if (na >= 64 || nb >= 64)
        return (size_t)-1;
    for (size_t i = 0; i <= na; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= nb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= na; i++) {
        for (size_t j = 1; j <= nb; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[na][nb];
}

const char *
dsq_closest_word(const char *word, size_t len, const char *const *cands, size_t n)
{
    const char *best = NULL;
    /* One slip in a short word, two in a longer one. */
    size_t best_d = len < 4 ? 2 : 3;

    for (size_t i = 0; i < n; i++) {
        size_t d;
        if (!cands[i])
            continue;
        d = edit_distance(word, len, cands[i], strlen(cands[i]));
        if (d < best_d) {
            best_d = d;
            best = cands[i];
        }
    }
    return best;
}
