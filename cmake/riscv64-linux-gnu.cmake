# SPDX-License-Identifier: MIT
# Cross build for riscv64: clang-14 compiles, gcc-riscv64-linux-gnu's
# binutils link, against the sysroot scripts/deps.sh (dmab_need_riscv64)
# unpacks from Debian's riscv64 packages; tests run under qemu-riscv64.
# Not gcc 12 as the compiler: its RISC-V atomics are not sequentially
# consistent (GCC bug 104831, fixed in 13.3), and liburcu's headers refuse
# it.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
if(NOT DMAB_RISCV64_SYSROOT)
  if(DEFINED ENV{DMAB_RISCV64_SYSROOT})
    set(DMAB_RISCV64_SYSROOT $ENV{DMAB_RISCV64_SYSROOT})
  else()
    get_filename_component(DMAB_RISCV64_SYSROOT ${CMAKE_CURRENT_LIST_DIR}/../build/sysroot-riscv64 ABSOLUTE)
  endif()
endif()
set(CMAKE_SYSROOT ${DMAB_RISCV64_SYSROOT})
set(CMAKE_C_COMPILER clang-14)
set(CMAKE_C_COMPILER_TARGET riscv64-linux-gnu)
set(CMAKE_CXX_COMPILER clang++-14)
set(CMAKE_CXX_COMPILER_TARGET riscv64-linux-gnu)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-fuse-ld=/usr/bin/riscv64-linux-gnu-ld")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-fuse-ld=/usr/bin/riscv64-linux-gnu-ld")
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-riscv64-static -L ${DMAB_RISCV64_SYSROOT})
set(ENV{PKG_CONFIG_LIBDIR} ${DMAB_RISCV64_SYSROOT}/usr/lib/riscv64-linux-gnu/pkgconfig:${DMAB_RISCV64_SYSROOT}/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_SYSROOT_DIR} ${DMAB_RISCV64_SYSROOT})
set(CMAKE_FIND_ROOT_PATH ${DMAB_RISCV64_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
