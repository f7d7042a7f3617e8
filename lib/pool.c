/* lib/pool.c: not written yet. */
#include "config.h"
