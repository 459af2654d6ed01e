/* daemon: placeholder until implemented. */
#include "daemon.h"
