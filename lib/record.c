/* lib/record.c: not written yet. */
#include "config.h"
