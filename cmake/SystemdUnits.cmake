# Writes the systemd units (and the configuration, when there is none) at
# install time, so that the paths in them follow the prefix the install uses:
# `cmake --install build --prefix /tmp/x` gives units that start
# /tmp/x/bin/driftward. Run by install(CODE) with DW_SOURCE_DIR, DW_BINARY_DIR,
# DW_UNITDIR, DW_SYSUSERSDIR and the GNUInstallDirs relatives set.

# GNUInstallDirs' rule: /usr keeps its configuration in /etc, other prefixes in PREFIX/etc.
function(dw_full_dir out rel)
	if(IS_ABSOLUTE "${rel}")
		set(full "${rel}")
	elseif(rel STREQUAL "etc" AND CMAKE_INSTALL_PREFIX STREQUAL "/usr")
		set(full "/etc")
	else()
		set(full "${CMAKE_INSTALL_PREFIX}/${rel}")
	endif()
	set(${out} "${full}" PARENT_SCOPE)
endfunction()

dw_full_dir(DW_BINDIR "${DW_BINDIR_REL}")
dw_full_dir(DW_SYSCONFDIR "${DW_SYSCONFDIR_REL}")
dw_full_dir(DW_DOCDIR "${DW_DOCDIR_REL}")
dw_full_dir(unitdir "${DW_UNITDIR}")
dw_full_dir(sysusersdir "${DW_SYSUSERSDIR}")
set(DW_CONFIG "${DW_SYSCONFDIR}/driftward/driftward.ini")

file(READ "${DW_SOURCE_DIR}/systemd/service-common.in" common)
string(CONFIGURE "${common}" DW_SERVICE_COMMON @ONLY)
set(work "${DW_BINARY_DIR}/systemd-install")
file(MAKE_DIRECTORY "${work}")
foreach(unit driftward.service driftward@.service)
	configure_file("${DW_SOURCE_DIR}/systemd/${unit}.in" "${work}/${unit}" @ONLY)
endforeach()
file(INSTALL "${work}/driftward.service" "${work}/driftward@.service"
	"${DW_SOURCE_DIR}/systemd/driftward.timer" "${DW_SOURCE_DIR}/systemd/driftward@.timer"
	DESTINATION "${unitdir}" FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(INSTALL "${DW_SOURCE_DIR}/systemd/driftward.sysusers" DESTINATION "${sysusersdir}"
	RENAME driftward.conf FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# The commented example becomes the configuration only where there is none yet:
# an upgrade keeps the admin's file (the example is always in the docs' examples).
if(NOT EXISTS "$ENV{DESTDIR}${DW_SYSCONFDIR}/driftward/driftward.ini")
	file(INSTALL "${DW_SOURCE_DIR}/config/driftward.ini"
		DESTINATION "${DW_SYSCONFDIR}/driftward"
		FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endif()
