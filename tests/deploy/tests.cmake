# deploy/: the Kubernetes, Nomad and container files carry what matters, and
# kubectl accepts the manifests (skipped, saying why, without kubectl).
# The image's binary is built by gcc without sanitizers (deploy/Containerfile):
# a sanitizer build links other libraries (clang does not drop unused ones), so
# there the libraries are not compared, and the test says so.
find_program(DW_PYTHON3 python3 REQUIRED)
if(DW_SANITIZE)
	set(DW_DEPLOY_BINARY -)
else()
	set(DW_DEPLOY_BINARY $<TARGET_FILE:driftward-bin>)
endif()
add_test(NAME deploy/fields
	COMMAND ${DW_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/check_deploy.py fields ${PROJECT_SOURCE_DIR}
		${DW_DEPLOY_BINARY})
add_test(NAME deploy/kubectl
	COMMAND ${DW_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/check_deploy.py kubectl ${PROJECT_SOURCE_DIR})
set_tests_properties(deploy/fields deploy/kubectl PROPERTIES ENVIRONMENT "${DW_TEST_ENV}"
	TIMEOUT 180)
set_tests_properties(deploy/kubectl PROPERTIES SKIP_RETURN_CODE 77)
