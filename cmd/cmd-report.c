/* cmd/cmd-report.c: not written yet. */
#include "config.h"
