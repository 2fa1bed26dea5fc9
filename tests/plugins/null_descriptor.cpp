// The entry point exists but returns NULL.
#include <switchyard/plugin.h>

extern "C" SY_EXPORT const sy_plugin_v1* switchyard_plugin_v1(void);
extern "C" SY_EXPORT const sy_plugin_v1* switchyard_plugin_v1(void) {
    return nullptr;
}
