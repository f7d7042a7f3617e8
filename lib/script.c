/* lib/script.c: not written yet. */
#include "config.h"
