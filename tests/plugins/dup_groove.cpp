// A valid plugin that is also called "groove": refused when groove is already loaded.
#include "test_descriptor.hpp"

TEST_PLUGIN_ENTRY_POINT(test_plugin::valid_descriptor("groove"))
