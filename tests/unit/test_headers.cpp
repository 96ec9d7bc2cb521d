// SPDX-License-Identifier: MIT
// The header test again, compiled as C++: the public headers must be valid C++.
#include "test_headers.c"
