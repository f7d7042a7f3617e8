/* cmd/cmd-run.c: not written yet. */
#include "config.h"
