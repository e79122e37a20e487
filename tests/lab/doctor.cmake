# `re6stctl doctor` on a lab node with a broken setup (issue 6 §2, §4): the daemon's
# checks over a private bus and re6stctl's local ones. Exit 77 = skip (not root...).
add_test(NAME lab_doctor COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/lab_doctor.sh ${PROJECT_BINARY_DIR}/bin)
set_tests_properties(lab_doctor PROPERTIES LABELS "lab;system" RUN_SERIAL TRUE TIMEOUT 900
  SKIP_RETURN_CODE 77 ENVIRONMENT "RE6ST_VECTORS=${RE6ST_VECTORS_DIR}")
