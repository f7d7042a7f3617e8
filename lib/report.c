/* lib/report.c: not written yet. */
#include "config.h"
