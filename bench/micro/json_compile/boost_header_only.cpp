// The same plugin TU with Boost.JSON header-only (its src.hpp compiled into the plugin,
// once per plugin, instead of linking libboost_json).
#include <boost/json/src.hpp>

#include "boost.cpp"
