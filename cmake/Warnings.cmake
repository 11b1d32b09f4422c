# Flags for all of our own code (not third-party headers).
set(DW_C_FLAGS
	-Wall -Wextra -Wshadow -Wformat=2 -Wformat-security -Wstrict-prototypes
	-Wmissing-prototypes -Wold-style-definition -Wpointer-arith -Wvla
	-Wimplicit-fallthrough -Wundef -Wcast-qual -Wwrite-strings
	-Wno-sign-compare -Wno-missing-field-initializers
	-fstack-protector-strong -fno-common)
if(DW_WERROR)
	list(APPEND DW_C_FLAGS -Werror)
endif()
set(DW_C_DEFINES _GNU_SOURCE)
if(NOT CMAKE_BUILD_TYPE STREQUAL "Debug" AND NOT DW_SANITIZE)
	list(APPEND DW_C_DEFINES _FORTIFY_SOURCE=2)
endif()

if(DW_SANITIZE)
	set(DW_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
		-fno-omit-frame-pointer)
	add_compile_options(${DW_SANITIZE_FLAGS})
	add_link_options(${DW_SANITIZE_FLAGS})
endif()

# Applies our flags and the poisoned-function header to a target of ours.
function(dw_target_defaults target)
	target_compile_options(${target} PRIVATE ${DW_C_FLAGS}
		-include ${PROJECT_SOURCE_DIR}/lib/src/util/poison.h)
	target_compile_definitions(${target} PRIVATE ${DW_C_DEFINES})
endfunction()
