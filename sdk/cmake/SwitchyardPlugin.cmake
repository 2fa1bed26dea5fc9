# switchyard_add_plugin(<name> <sources>...)
#
# Builds <name>.so, a plugin library the kernel can load and unload again:
# - hidden visibility and a linker version script (switchyard_plugin.map), so the only
#   exported symbol is the ABI entry point, not even the standard library's templates;
# - -fno-gnu-unique, so no STB_GNU_UNIQUE symbol pins the image in memory after dlclose;
# - no "lib" prefix: the kernel looks for <plugin_dir>/<name>.so.
# Its options are appended to the directory's, so a tree configured with
# SWITCHYARD_SANITIZE builds the plugin with the kernel's sanitizers; with GCC the
# sanitizer runtimes are linked into the module too, which -z defs needs.
function(switchyard_add_plugin name)
  add_library(${name} MODULE ${ARGN})
  set(version_script ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/switchyard_plugin.map)
  target_link_libraries(${name} PRIVATE Switchyard::sdk)
  # -fvisibility-inlines-hidden and -fno-gnu-unique are C++ options: GCC warns about them
  # on a C source, which -Werror turns into an error, so C sources do without them (a C
  # plugin has no inline member functions or template statics to hide or keep unique).
  target_compile_options(${name} PRIVATE -fvisibility=hidden
    "$<$<COMPILE_LANGUAGE:CXX>:-fvisibility-inlines-hidden;-fno-gnu-unique>")
  target_link_options(${name} PRIVATE -Wl,--no-undefined -Wl,-z,defs
    -Wl,--version-script=${version_script})
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${version_script})
  if(DEFINED SWITCHYARD_PLUGIN_OUTPUT_DIR)
    set(out ${SWITCHYARD_PLUGIN_OUTPUT_DIR})
  else()
    set(out ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${name}
    LIBRARY_OUTPUT_DIRECTORY ${out}
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
endfunction()
