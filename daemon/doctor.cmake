# org.re6st.Doctor1 (issue 6 §2): adaptor generated from the contract, calling
# daemon/DoctorService. DoctorService gathers facts with platform/DoctorProbe, so the
# daemon library needs re6st-platform (linked once the target exists).
qt_add_dbus_adaptor(RE6ST_DBUS_ADAPTORS ${PROJECT_SOURCE_DIR}/dbus/org.re6st.Doctor1.xml
  daemon/DoctorService.h re6st::daemon::DoctorService doctor1adaptor Doctor1Adaptor)
cmake_language(DEFER CALL target_link_libraries re6st-daemon-lib PUBLIC re6st-platform)
# platform/DoctorProbe uses core/DoctorConfig (re6st-client-core): say so once every
# target exists, for static link order.
cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL target_link_libraries re6st-platform PUBLIC re6st-client-core)
