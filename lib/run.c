/* lib/run.c: not written yet. */
#include "config.h"
