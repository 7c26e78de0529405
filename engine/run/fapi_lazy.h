/* fapi_lazy: libtss2-fapi, loaded when a scenario first uses FAPI.
 *
 * Linking libtss2-fapi pulls in some forty shared libraries (curl, gnutls,
 * krb5, ldap ...) that every tpmrun process would load at start, FAPI or
 * not.  tpmrun does not link it: fapi_lazy.c defines each Fapi_* function
 * the engine and the steps call, and each loads the library (dlopen) and
 * forwards to its own.  The linker says when a call is missing from the
 * list (an undefined Fapi_* reference). */
#ifndef TPMRUN_RUN_FAPI_LAZY_H
#define TPMRUN_RUN_FAPI_LAZY_H

#include <stdbool.h>
#include "base/diag.h"

/* Loads the library now; false with d set ("cannot load libtss2-fapi.so.1:
 * ...").  A Fapi_* call without it answers TSS2_FAPI_RC_NOT_IMPLEMENTED. */
bool fapi_lazy_load(diag *d);

#endif
