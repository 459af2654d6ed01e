/* ocf: placeholder until implemented. */
#include "ocf.h"
