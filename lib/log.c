/* log: placeholder until implemented. */
#include "log.h"
