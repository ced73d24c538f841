# ctest's consumer_project test: installs the built tlm4ml into WORK/prefix, configures and builds
# tests/consumer against it with find_package(tlm4ml), and runs the consumer.
#   cmake -DBUILD_DIR=<tlm4ml build> -DSOURCE_DIR=<tests/consumer> -DWORK=<scratch dir> [-DEXTRA_FLAGS=...]
#         [-DCOMPILER=<c++ compiler>] -P run_consumer.cmake
foreach(v BUILD_DIR SOURCE_DIR WORK)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run_consumer.cmake: -D${v}=... is required")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK})
function(step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc WORKING_DIRECTORY ${WORK})
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer project: `${ARGN}` failed (${rc})")
  endif()
endfunction()
file(MAKE_DIRECTORY ${WORK})
step(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK}/prefix)
set(configure ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK}/build -DCMAKE_PREFIX_PATH=${WORK}/prefix
    -DCMAKE_BUILD_TYPE=Release)
# The consumer is compiled by the library's compiler: sanitizer and coverage runtimes differ between GCC and Clang.
if(DEFINED COMPILER AND NOT COMPILER STREQUAL "")
  list(APPEND configure -DCMAKE_CXX_COMPILER=${COMPILER})
endif()
if(DEFINED LAUNCHER AND NOT LAUNCHER STREQUAL "")
  list(APPEND configure -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()
if(DEFINED EXTRA_FLAGS AND NOT EXTRA_FLAGS STREQUAL "")
  list(APPEND configure "-DCMAKE_CXX_FLAGS=${EXTRA_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${EXTRA_FLAGS}")
endif()
step(${configure})
step(${CMAKE_COMMAND} --build ${WORK}/build)
step(${WORK}/build/consumer)
