# NetworkManager integration (issue 6 §1, §4), label "system": the real NetworkManager
# on a private bus, in its own network and mount namespaces (tests/system/
# NetworkManagerFixture.h says how and why), the real polkitd (tests/dbus/PolkitFixture.h),
# the real re6stnet and, for the enrolled node, the real re6st-registry (both then in
# NetworkManager's network namespace). Needs root and Debian packages network-manager,
# dbus-daemon, polkitd, util-linux, iproute2, babeld, openvpn; skips (QSKIP) otherwise.
add_executable(tst_networkmanager tst_networkmanager.cpp NetworkManagerFixture.h)
target_include_directories(tst_networkmanager PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}
  ${PROJECT_SOURCE_DIR}/tests/dbus ${PROJECT_BINARY_DIR}/daemon)
target_link_libraries(tst_networkmanager PRIVATE re6st-daemon-lib Qt6::DBus Qt6::Network Qt6::Sql Qt6::Test)
# Static libraries: re6st-platform (pulled by the daemon library) needs re6st-core after it.
if(TARGET re6st-platform)
  target_link_libraries(tst_networkmanager PRIVATE re6st-platform re6st-core)
endif()
target_compile_definitions(tst_networkmanager PRIVATE RE6ST_SOURCE_DIR_FALLBACK="${PROJECT_SOURCE_DIR}"
  RE6ST_BIN_DIR_FALLBACK="${PROJECT_BINARY_DIR}/bin")
add_dependencies(tst_networkmanager re6stnet re6st-registry)
add_test(NAME tst_networkmanager COMMAND tst_networkmanager)
set_tests_properties(tst_networkmanager PROPERTIES LABELS system TIMEOUT 300 RUN_SERIAL TRUE
  ENVIRONMENT "RE6ST_SOURCE_DIR=${PROJECT_SOURCE_DIR};RE6ST_BIN_DIR=${PROJECT_BINARY_DIR}/bin;RE6ST_VECTORS=${RE6ST_VECTORS_DIR}")
