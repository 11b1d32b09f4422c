# Every dependency is a Debian package found through pkg-config. A missing one
# stops the configure step with the name of the package to install.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
	message(FATAL_ERROR "pkg-config not found: install the Debian package pkg-config "
		"(or run scripts/install-deps.sh)")
endif()

function(dw_require_package prefix module debian_package)
	pkg_check_modules(${prefix} QUIET IMPORTED_TARGET ${module})
	if(NOT ${prefix}_FOUND)
		message(FATAL_ERROR "${module} not found: install the Debian package "
			"${debian_package} (or run scripts/install-deps.sh)")
	endif()
endfunction()

dw_require_package(CURL libcurl libcurl4-openssl-dev)
dw_require_package(CRYPTO "libcrypto>=3.0" libssl-dev)
dw_require_package(GIT2 libgit2 libgit2-dev)
dw_require_package(YAML yaml-0.1 libyaml-dev)
dw_require_package(INIH inih libinih-dev)
if(DW_TESTS)
	dw_require_package(CMOCKA cmocka libcmocka-dev)
endif()
