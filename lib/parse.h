/* parse: numbers from text, strictly: the whole string, plain decimal
 * digits, a range.  Options, configuration values, environment variables and
 * the files of a run directory all go through these. */
#ifndef DSQ_PARSE_H
#define DSQ_PARSE_H

/* Strict decimal parsing of s (borrowed): the whole string, digits only
 * (dsq_parse_double: digits with at most one '.', such as "2", "2.5", ".5"),
 * no sign, no blanks, no exponent, never hex; in the range [min, max].  0
 * with *out set on success, -1 otherwise (*out untouched). */
int dsq_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out);
int dsq_parse_double(const char *s, double min, double max, double *out);

#endif
