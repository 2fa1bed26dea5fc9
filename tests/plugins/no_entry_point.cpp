// A shared library that exports a function, but not switchyard_plugin_v1 (a plausible
// typo): the loader refuses it for the missing symbol.
#include <switchyard/plugin.h>

extern "C" SY_EXPORT int switchyard_plugin(void);
extern "C" SY_EXPORT int switchyard_plugin(void) {
    return 1;
}
