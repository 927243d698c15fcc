// Thin umbrella over Debian's libsodium (libsodium-dev, which libzmq3-dev depends on): SHA-256 and
// ed25519 for pinned and signed plugin executables. libzmq's CURVE already runs on it.
#ifndef PLEXUS_CSODIUM_SHIM_H
#define PLEXUS_CSODIUM_SHIM_H
#include <sodium.h>
#endif
