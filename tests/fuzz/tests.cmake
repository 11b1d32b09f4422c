# Fuzz targets. Every tests/fuzz/fuzz_<name>.c defines LLVMFuzzerTestOneInput.
#
# Always: each target is linked with replay.c into fuzz-replay-<name>, and the
# ctest "fuzz/<name>" feeds it every file of tests/fuzz/corpus/<name>/, so the
# corpus is a regression test in every build (and under ASan+UBSan in the
# sanitizer build).
#
# With -DDW_FUZZ=ON (clang only): fuzz-<name> is a real libFuzzer binary, built
# with -fsanitize=fuzzer,address,undefined against a copy of the library that
# carries coverage instrumentation. See docs/canonical-json.md ("Fuzzing").
file(GLOB DW_FUZZ_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/fuzz_*.c)

if(DW_FUZZ)
	if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
		message(FATAL_ERROR "DW_FUZZ=ON needs clang (CC=clang): libFuzzer is part of clang")
	endif()
	set(DW_FUZZ_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
		-fno-omit-frame-pointer)
	# The library again, instrumented for coverage, so the fuzzer sees inside it:
	# same sources, definitions, include directories, options and libraries.
	foreach(prop SOURCES COMPILE_DEFINITIONS INCLUDE_DIRECTORIES COMPILE_OPTIONS
			LINK_LIBRARIES)
		get_target_property(dw_fuzz_${prop} driftward ${prop})
	endforeach()
	add_library(driftward-fuzz STATIC ${dw_fuzz_SOURCES})
	target_compile_definitions(driftward-fuzz PRIVATE ${dw_fuzz_COMPILE_DEFINITIONS})
	target_include_directories(driftward-fuzz PRIVATE ${dw_fuzz_INCLUDE_DIRECTORIES}
		PUBLIC ${PROJECT_SOURCE_DIR}/lib/include)
	target_compile_options(driftward-fuzz PRIVATE ${dw_fuzz_COMPILE_OPTIONS}
		-fsanitize=fuzzer-no-link ${DW_FUZZ_FLAGS})
	target_link_libraries(driftward-fuzz PUBLIC ${dw_fuzz_LINK_LIBRARIES})
endif()

foreach(src ${DW_FUZZ_SOURCES})
	get_filename_component(file ${src} NAME_WE)
	string(REGEX REPLACE "^fuzz_" "" name ${file})

	add_executable(fuzz-replay-${name} ${src} ${CMAKE_CURRENT_LIST_DIR}/replay.c)
	dw_target_defaults(fuzz-replay-${name})
	target_include_directories(fuzz-replay-${name} PRIVATE ${PROJECT_SOURCE_DIR}/lib/src)
	target_link_libraries(fuzz-replay-${name} PRIVATE driftward)
	add_test(NAME fuzz/${name}
		COMMAND fuzz-replay-${name} ${CMAKE_CURRENT_LIST_DIR}/corpus/${name})
	set_tests_properties(fuzz/${name} PROPERTIES ENVIRONMENT "${DW_TEST_ENV}" TIMEOUT 300)

	if(DW_FUZZ)
		add_executable(fuzz-${name} ${src})
		dw_target_defaults(fuzz-${name})
		target_include_directories(fuzz-${name} PRIVATE ${PROJECT_SOURCE_DIR}/lib/src)
		target_compile_options(fuzz-${name} PRIVATE -fsanitize=fuzzer ${DW_FUZZ_FLAGS})
		target_link_options(fuzz-${name} PRIVATE -fsanitize=fuzzer ${DW_FUZZ_FLAGS})
		target_link_libraries(fuzz-${name} PRIVATE driftward-fuzz)
	endif()
endforeach()
