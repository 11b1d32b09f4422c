# The systemd units as `cmake --install` writes them, judged by systemd-analyze;
# skipped (exit 77) where systemd-analyze or a running systemd is missing.
add_test(NAME systemd/units COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/t-units.sh)
set_tests_properties(systemd/units PROPERTIES ENVIRONMENT "${DW_TEST_ENV}" TIMEOUT 300
	SKIP_RETURN_CODE 77)
add_test(NAME systemd/syscalls COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/t-syscalls.sh)
set_tests_properties(systemd/syscalls PROPERTIES ENVIRONMENT "${DW_TEST_ENV}" TIMEOUT 300
	SKIP_RETURN_CODE 77)
