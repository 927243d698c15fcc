// Thin umbrella over Debian's zlib (zlib1g-dev): the event log's record checksums use its crc32.
#ifndef PLEXUS_CZLIB_SHIM_H
#define PLEXUS_CZLIB_SHIM_H
#include <zlib.h>
#endif
