# The systemd units as `cmake --install` writes them, judged by systemd-analyze;
# skipped (exit 77) where systemd-analyze or a running systemd is missing.
add_test(NAME systemd/units COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/t-units.sh)
set_tests_properties(systemd/units PROPERTIES ENVIRONMENT "${DW_TEST_ENV}" TIMEOUT 300
	SKIP_RETURN_CODE 77)
add_test(NAME systemd/syscalls COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/t-syscalls.sh)
set_tests_properties(systemd/syscalls PROPERTIES ENVIRONMENT "${DW_TEST_ENV}" TIMEOUT 300
	SKIP_RETURN_CODE 77)
# driftward.service's ExecStart= run by systemd with the unit's properties
# (systemd-run); skipped, saying why, where no systemd runs that it may use.
add_test(NAME systemd/run COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/t-systemd-run.sh)
set_tests_properties(systemd/run PROPERTIES ENVIRONMENT "${DW_TEST_ENV}" TIMEOUT 600
	SKIP_RETURN_CODE 77)
