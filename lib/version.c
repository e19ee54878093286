/*
 * version.c — the package version the library was built as.
 */
#include "config.h"

#include "internal.h"

const char *kvp_version(void)
{
	return PACKAGE_VERSION;
}
