# The files compiled into driftward (lib/src/builtin/): the collector catalog
# and the shipped baselines. config/ and baselines/ stay their source: the C
# file is generated in the build tree, again whenever one of them changes or a
# baseline is added or removed (CONFIGURE_DEPENDS re-globs at build time).
# Sets DW_BUILTIN_SOURCE to the generated file, for the library's sources.
file(GLOB_RECURSE dw_builtin_baselines CONFIGURE_DEPENDS RELATIVE ${PROJECT_SOURCE_DIR}
	${PROJECT_SOURCE_DIR}/baselines/*)
# what driftward init would leave out too: editor and VCS leftovers
list(FILTER dw_builtin_baselines EXCLUDE REGEX "(^|/)\\.")
set(dw_builtin_files ${dw_builtin_baselines} config/collectors.yaml)
list(SORT dw_builtin_files)
list(TRANSFORM dw_builtin_files PREPEND ${PROJECT_SOURCE_DIR}/ OUTPUT_VARIABLE dw_builtin_deps)
list(JOIN dw_builtin_files "|" dw_builtin_arg)
set(DW_BUILTIN_SOURCE ${CMAKE_CURRENT_BINARY_DIR}/builtin-files.c)
add_custom_command(OUTPUT ${DW_BUILTIN_SOURCE}
	COMMAND ${CMAKE_COMMAND} -DDW_EMBED_ROOT=${PROJECT_SOURCE_DIR}
		-DDW_EMBED_FILES=${dw_builtin_arg} -DDW_EMBED_OUT=${DW_BUILTIN_SOURCE}
		-P ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
	DEPENDS ${dw_builtin_deps} ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
	COMMENT "Embedding config/collectors.yaml and baselines/ (${CMAKE_CURRENT_BINARY_DIR})"
	VERBATIM)
