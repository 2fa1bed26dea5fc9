# Installing Switchyard and packaging it as a .deb: `cmake --build build --target package`
# (CPack's DEB generator) makes build/switchyard_<version>_<arch>.deb, which installs
#   /usr/bin/switchyard                            the kernel
#   /usr/lib/switchyard/plugins/<name>.so          the product plugins
#   /usr/share/switchyard/jarvis-dashboard/        the dashboard jarvis serves at /
#   /usr/include/switchyard/, /usr/lib/cmake/SwitchyardSDK/, /usr/share/pkgconfig/
#                                                  the SDK (sdk/CMakeLists.txt)
#   /etc/switchyard/switchyard.toml                the default config (a conffile)
#   /lib/systemd/system/switchyard.service         the unit (packaging/switchyard.service)
#   /usr/share/doc/switchyard/service.md           how to run it (docs/service.md)
# The kernel finds its plugins, and jarvis its dashboard, relative to the binary
# (<bin>/../lib/switchyard/plugins, <bin>/../share/switchyard/jarvis-dashboard), so the
# installed config names no path and the unpacked package (dpkg-deb -x) runs from
# wherever it is (tests/integration/package_test.cpp).
include(GNUInstallDirs)

# Below the binary's prefix whatever the prefix; not multiarch: the plugins are the
# package's private files, as /usr/lib/<package>/ is for Debian's.
set(SWITCHYARD_INSTALL_PLUGIN_DIR lib/switchyard/plugins)
set(SWITCHYARD_INSTALL_DATA_DIR ${CMAKE_INSTALL_DATADIR}/switchyard)
# The product plugins only; the test plugins (tests/plugins) are never installed.
set(SWITCHYARD_PRODUCT_PLUGINS groove jarvis clijaw jetstart claudecontrol)

install(TARGETS switchyard RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(TARGETS ${SWITCHYARD_PRODUCT_PLUGINS}
        LIBRARY DESTINATION ${SWITCHYARD_INSTALL_PLUGIN_DIR} COMPONENT runtime)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/plugins/jarvis/dashboard/
        DESTINATION ${SWITCHYARD_INSTALL_DATA_DIR}/jarvis-dashboard COMPONENT runtime)
install(FILES ${CMAKE_SOURCE_DIR}/docs/service.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)

# The installed config: config/switchyard.toml but for jarvis's dashboard_dir, which
# points into the source tree there; the installed jarvis serves its shipped dashboard.
set(SWITCHYARD_DEFAULT_CONFIG ${CMAKE_SOURCE_DIR}/config/switchyard.toml)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${SWITCHYARD_DEFAULT_CONFIG})
file(READ ${SWITCHYARD_DEFAULT_CONFIG} switchyard_config_text)
set(source_dashboard_line "dashboard_dir = \"../plugins/jarvis/dashboard\"\n")
string(FIND "${switchyard_config_text}" "${source_dashboard_line}" dashboard_line_at)
if(dashboard_line_at EQUAL -1)
  message(FATAL_ERROR "config/switchyard.toml: no line '${source_dashboard_line}' to leave "
                      "out of the installed config (cmake/packaging.cmake)")
endif()
string(REPLACE "${source_dashboard_line}"
  "# dashboard_dir = \"/srv/jarvis-dashboard\"   (installed: absent, the shipped one in\n# /usr/share/switchyard/jarvis-dashboard)\n"
  switchyard_config_text "${switchyard_config_text}")
file(WRITE ${CMAKE_BINARY_DIR}/packaging/switchyard.toml "${switchyard_config_text}")
install(FILES ${CMAKE_BINARY_DIR}/packaging/switchyard.toml
        DESTINATION /etc/switchyard COMPONENT service)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/switchyard.service
        DESTINATION /lib/systemd/system COMPONENT service)
# dpkg keeps an operator's edits of the config across upgrades.
file(WRITE ${CMAKE_BINARY_DIR}/packaging/conffiles "/etc/switchyard/switchyard.toml\n")

# -- the .deb ---------------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME switchyard)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Switchyard")
set(CPACK_PACKAGE_CONTACT "Switchyard maintainers <maintainers@switchyard.invalid>")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "plugin host for real-time developer-tool protocols")
# The extended description, below the summary (CPack indents each line).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Switchyard is a small kernel that owns the sockets, authentication and an event bus,
and serves the wire protocols of developer tools (JARVIS, GROOVE, CLI-JAW, JetStart,
ClaudeControl) as plugins loaded from shared libraries, replaceable while clients stay
connected. Includes the plugin SDK and a systemd unit.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Depends: from the libraries the binary and the plugins link (dpkg-shlibdeps).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
# The maintainer scripts (packaging/debian/): daemon-reload on install and removal, a
# running service restarted on upgrade and stopped on removal.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_BINARY_DIR}/packaging/conffiles
  ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
  ${CMAKE_SOURCE_DIR}/packaging/debian/prerm
  ${CMAKE_SOURCE_DIR}/packaging/debian/postrm)
# They keep their mode (executable), as dpkg requires.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
# One package with every component (runtime, service, sdk).
set(CPACK_DEB_COMPONENT_INSTALL OFF)
include(CPack)
