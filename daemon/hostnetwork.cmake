# Issue 6 §1: the node and the host's NetworkManager. Included by daemon/CMakeLists.txt
# before add_library(re6st-daemon-lib): appends generated sources to RE6ST_DBUS_ADAPTORS.
#
# Proxies for NetworkManager, generated from its introspection XML vendored (trimmed to
# what we call, Qt type annotations added) in dbus/nm/. Classes NmManagerProxy,
# NmDeviceProxy, NmSettingsProxy, NmSettingsConnectionProxy (headers nm*proxy.h in this
# build directory). Connection.Active is vendored too but only two of its properties are
# read (asynchronously, by name): its proxy would be all blocking getters. a{sa{sv}} is NMVariantMapMap
# (daemon/NetworkManagerTypes.h).
set(_re6st_nm_dir ${PROJECT_SOURCE_DIR}/dbus/nm)
foreach(pair
    "org.freedesktop.NetworkManager:NmManagerProxy:nmmanagerproxy"
    "org.freedesktop.NetworkManager.Device:NmDeviceProxy:nmdeviceproxy"
    "org.freedesktop.NetworkManager.Settings:NmSettingsProxy:nmsettingsproxy"
    "org.freedesktop.NetworkManager.Settings.Connection:NmSettingsConnectionProxy:nmsettingsconnectionproxy")
  string(REPLACE ":" ";" parts "${pair}")
  list(GET parts 0 _iface)
  list(GET parts 1 _class)
  list(GET parts 2 _base)
  set_source_files_properties(${_re6st_nm_dir}/${_iface}.xml PROPERTIES
    CLASSNAME ${_class} NO_NAMESPACE ON INCLUDE daemon/NetworkManagerTypes.h)
  qt_add_dbus_interface(RE6ST_DBUS_ADAPTORS ${_re6st_nm_dir}/${_iface}.xml ${_base})
endforeach()

# org.re6st.HostNetwork1 at /org/re6st/HostNetwork (contract dbus/org.re6st.HostNetwork1.xml).
qt_add_dbus_adaptor(RE6ST_DBUS_ADAPTORS ${PROJECT_SOURCE_DIR}/dbus/org.re6st.HostNetwork1.xml
  daemon/HostNetworkService.h re6st::daemon::HostNetworkService hostnetwork1adaptor HostNetwork1Adaptor)
