// The same plugin TU with Boost.JSON header-only (its src.hpp compiled into the plugin,
// once per plugin, instead of linking libboost_json).
#include "boost.cpp"

#include <boost/json/src.hpp>
