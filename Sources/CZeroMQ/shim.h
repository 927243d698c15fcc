// Thin umbrella over Debian's libzmq (libzmq3-dev, 4.3.x).
#ifndef PLEXUS_CZEROMQ_SHIM_H
#define PLEXUS_CZEROMQ_SHIM_H
#include <zmq.h>
#include <errno.h>
#endif
