# SPDX-License-Identifier: MIT
# dmab-bench-bounce: bounce buffering's benchmark (bounce vs memcpy, slot
# allocation with 1 and 2 threads). Included from bench/CMakeLists.txt:
#   include(${CMAKE_CURRENT_SOURCE_DIR}/bounce.cmake)
add_executable(dmab-bench-bounce ${CMAKE_CURRENT_LIST_DIR}/bounce.c)
target_compile_definitions(dmab-bench-bounce PRIVATE _GNU_SOURCE)
target_link_libraries(dmab-bench-bounce PRIVATE dmabatch_static)
