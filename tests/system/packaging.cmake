# SPDX-License-Identifier: GPL-2.0-or-later
# Distribution files and the Debian package (issue 6 §3–§4), re6st-tray's desktop
# integration and flatpak manifest (issue 5 §4). Label "system" (the desktop ones also
# "gui"). Exit code 77 = skipped (a tool or root missing).
#   system_units_verify      systemd-analyze verify, tmpfiles, logrotate, D-Bus files (staged install)
#   system_desktop_files     desktop-file-validate, appstreamcli validate --no-net, release = version
#   system_flatpak_manifest  flatpak-builder --show-manifest + JSON schema + consistency
#   system_package           cpack -G DEB, install/start/purge in namespaces, the units
#                            under systemd-nspawn (about 1 min; < 3 min on a loaded machine)
set(RE6ST_SYSTEM_DIR ${CMAKE_CURRENT_SOURCE_DIR})
add_test(NAME system_units_verify COMMAND ${RE6ST_SYSTEM_DIR}/units-verify.sh ${PROJECT_BINARY_DIR})
add_test(NAME system_desktop_files COMMAND ${RE6ST_SYSTEM_DIR}/desktop-files.sh ${PROJECT_SOURCE_DIR} ${PROJECT_VERSION})
add_test(NAME system_flatpak_manifest COMMAND /usr/bin/python3 ${RE6ST_SYSTEM_DIR}/flatpak-manifest-check.py ${PROJECT_SOURCE_DIR})
add_test(NAME system_package COMMAND ${RE6ST_SYSTEM_DIR}/package.sh ${PROJECT_BINARY_DIR})
set_tests_properties(system_units_verify system_package PROPERTIES LABELS system SKIP_RETURN_CODE 77)
set_tests_properties(system_desktop_files system_flatpak_manifest PROPERTIES LABELS "system;gui" SKIP_RETURN_CODE 77 TIMEOUT 60)
set_tests_properties(system_units_verify PROPERTIES TIMEOUT 120)
# cpack (strips and runs dpkg-shlibdeps on every program) then dpkg in an overlay: about
# 1–2 minutes on a loaded 2-core machine.
set_tests_properties(system_package PROPERTIES TIMEOUT 400)
# The re6stnet-only configuration of scripts/build-static-node.sh (configure only, ~10 s).
add_test(NAME system_node_only COMMAND ${RE6ST_SYSTEM_DIR}/node-only.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(system_node_only PROPERTIES LABELS system SKIP_RETURN_CODE 77 TIMEOUT 120)
