# re6st-tray under Xvfb with a real tray host (trayer), fed by a lab network: the tray
# icon and the window saved as PNG artifacts in <build>/artifacts (issue 5 §5). Needs
# root and xvfb, trayer, x11-apps, x11-utils, imagemagick; exit 77 (skip) otherwise.
add_test(NAME lab_screenshot
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/lab_screenshot.sh ${PROJECT_BINARY_DIR}/bin ${PROJECT_BINARY_DIR}/artifacts)
set_tests_properties(lab_screenshot PROPERTIES LABELS "lab;gui" RUN_SERIAL TRUE TIMEOUT 900
  SKIP_RETURN_CODE 77 ENVIRONMENT "RE6ST_VECTORS=${RE6ST_VECTORS_DIR}")
