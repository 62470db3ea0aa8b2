// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
int main(void)
{
	fprintf(stderr, "netsh: not built yet\n");
	return 1;
}
