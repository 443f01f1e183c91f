# expect_run.cmake: runs one command and checks both its exit status and its
# output, for tests of a program's error handling (ctest alone checks one or
# the other). Arguments, each a "|"-separated list (add_test would split ";"):
#   -DCOMMAND=prog|arg|...  -DEXPECT_RC=n  -DEXPECT_REGEX=re
cmake_minimum_required(VERSION 3.25)
string(REPLACE "|" ";" command "${COMMAND}")
execute_process(COMMAND ${command} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT "${rc}" STREQUAL "${EXPECT_RC}")
  message(FATAL_ERROR "exit status ${rc}, expected ${EXPECT_RC}: ${command}")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECT_REGEX}")
  message(FATAL_ERROR "output does not match '${EXPECT_REGEX}': ${command}")
endif()
