/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* placeholder */
#include "test-util.h"
int main(void) { TEST_SKIP("not written yet"); }
