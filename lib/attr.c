/* attr: placeholder until implemented. */
#include "attr.h"
