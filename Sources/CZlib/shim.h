// The system zlib (inflate and CRC-32 for .npz members), imported into Swift as CZlib.
#include <zlib.h>
