# SPDX-License-Identifier: GPL-2.0-or-later
# CPack: the Debian package (issue 6 §3). One package, re6st-qt, holding the node
# (re6stnet, re6stctl, re6st-conf), the registry and re6st-tray: the install rules of
# the executables carry no components, so a clean split is not available.
#   cpack -G DEB            (in the build directory; tests/system/package.sh does it)
# Everything installs under /usr, the configuration files under /etc (dist/CMakeLists.txt).
# The package is built from whatever the build directory holds (dev.sh: RelWithDebInfo).

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME re6st-qt)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "The re6st-qt contributors")
set(CPACK_PACKAGE_CONTACT "The re6st-qt contributors <re6st-qt@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "resilient IPv6 mesh network over OpenVPN and Babel (C++/Qt)")
set(CPACK_PACKAGE_DESCRIPTION [=[re6st builds a resilient IPv6 mesh network from OpenVPN tunnels routed
with Babel. This package is re6st-qt, a C++/Qt implementation wire-compatible
with Nexedi's re6stnet:
 - re6stnet, the node daemon (systemd unit, D-Bus API with polkit),
 - re6stctl and re6st-conf, its command-line tools,
 - re6st-registry, the certificate authority and directory of a network,
 - re6st-tray, the desktop tray application and enrollment wizard.]=])
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # re6st-qt_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
# Libraries from dpkg-shlibdeps; the rest is what the programs run or load at run time:
# openvpn, babeld and ip(8) for the node, the system bus and polkitd for its API, Qt's
# SQLite driver (the node's cache and the registry's database are SQLite).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "openvpn, babeld, iproute2, dbus, polkitd, libqt6sql6-sqlite")
# Log rotation; the SVG plugin draws the tray icons from their SVG (without it
# re6st-tray draws them itself); Wayland sessions; a graphical polkit agent comes with
# every desktop.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "logrotate, libqt6svg6, qt6-wayland")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nftables, network-manager")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://lab.nexedi.com/nexedi/re6stnet")

# Maintainer scripts (dist/debian/) and the conffiles, i.e. what the package puts in
# /etc. /etc/re6stnet and /etc/re6st-registry hold what enrollment and the
# administrator write, never package files.
file(WRITE ${PROJECT_BINARY_DIR}/cpack-debian/conffiles
     "/etc/logrotate.d/re6stnet\n/etc/xdg/autostart/org.re6st.Tray.desktop\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/dist/debian/postinst
    ${PROJECT_SOURCE_DIR}/dist/debian/prerm
    ${PROJECT_SOURCE_DIR}/dist/debian/postrm
    ${PROJECT_BINARY_DIR}/cpack-debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
