# ctest's fixture "tus_node_modules" (tests/integration/CMakeLists.txt):
# installs the pinned tus-js-client into tests/integration/tus/node_modules
# with `npm ci` (git-ignored), once per package-lock.json: a stamp copy of the
# lock file skips the network on later runs.
#   cmake -DDIR=<tests/integration/tus> -P npm-ci.cmake
# Without npm it succeeds and tst_tusclients skips its cases, unless CI is set:
# there a missing tool is a failure, not a skip.
set(lock "${DIR}/package-lock.json")
set(stamp "${DIR}/node_modules/.sluice-package-lock.json")
if(EXISTS "${stamp}")
    file(READ "${lock}" wanted)
    file(READ "${stamp}" installed)
    if(wanted STREQUAL installed)
        message(STATUS "tus-js-client: node_modules matches package-lock.json")
        return()
    endif()
endif()
find_program(NPM npm)
if(NOT NPM)
    if("$ENV{CI}" STREQUAL "" OR "$ENV{CI}" STREQUAL "false")
        message(STATUS "tus-js-client: npm not found, tst_tusclients will skip the Node cases")
        return()
    endif()
    message(FATAL_ERROR "tus-js-client: npm not found and CI is set (packaging/install-deps.sh installs it)")
endif()
execute_process(COMMAND "${NPM}" ci --no-audit --no-fund --loglevel=error
    WORKING_DIRECTORY "${DIR}" RESULT_VARIABLE failed)
if(failed)
    message(FATAL_ERROR "tus-js-client: npm ci in ${DIR} failed (${failed})")
endif()
file(COPY_FILE "${lock}" "${stamp}")
