# lab_upnp (issue 3, UPnP): a NATed node maps its servers on a real miniupnpd router,
# advertises the external address and ports, is reached through them, and deletes
# the mappings at exit. Exit 77 = skip (not root, miniupnpd/upnpc missing, ...).
add_test(NAME lab_upnp COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/lab_upnp.sh ${PROJECT_BINARY_DIR}/bin)
set_tests_properties(lab_upnp PROPERTIES LABELS lab RUN_SERIAL TRUE TIMEOUT 900
  SKIP_RETURN_CODE 77 ENVIRONMENT "RE6ST_VECTORS=${RE6ST_VECTORS_DIR}")
