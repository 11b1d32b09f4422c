# The Graph emulator's own tests (Python standard library).
find_program(DW_PYTHON3 python3 REQUIRED)
add_test(NAME emulator/unittest
	COMMAND ${DW_PYTHON3} -m unittest discover -s ${CMAKE_CURRENT_LIST_DIR} -p "test_*.py")
set_tests_properties(emulator/unittest PROPERTIES ENVIRONMENT "${DW_TEST_ENV}" TIMEOUT 300)
