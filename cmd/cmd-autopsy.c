/* cmd/cmd-autopsy.c: not written yet. */
#include "config.h"
