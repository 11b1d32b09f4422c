# The metrics file against a strict parser of the exposition format
# (promparse.py, standard library): the parser's own self-test, then the
# library's sample run as the writer formats it.
find_program(DW_PYTHON3 python3 REQUIRED)
add_test(NAME metrics/parser-selftest
	COMMAND ${DW_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/promparse.py selftest)
add_test(NAME metrics/exposition COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/t-exposition.sh
	$<TARGET_FILE:test_metrics> ${DW_PYTHON3})
set_tests_properties(metrics/parser-selftest metrics/exposition PROPERTIES
	ENVIRONMENT "${DW_TEST_ENV}" TIMEOUT 120)
# SIGKILL inside the metrics file's write window (gdb stops the real run at
# each of its system calls): the previous file or the new one, whole. Skipped
# (77) without gdb or ptrace.
add_test(NAME metrics/kill-window COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/t-kill-window.sh)
set_tests_properties(metrics/kill-window PROPERTIES ENVIRONMENT "${DW_TEST_ENV}" TIMEOUT 300
	SKIP_RETURN_CODE 77)
