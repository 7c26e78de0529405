/* tcti: opening a TCTI by its tpm2-tools conf string (libtss2-tctildr). */
#include "run/tcti.h"

#include <stddef.h>
#include <tss2/tss2_tctildr.h>

TSS2_RC tcti_open(const char *conf, TSS2_TCTI_CONTEXT **out)
{
    if (!out)
        return TSS2_TCTI_RC_BAD_REFERENCE;
    *out = NULL;
    return Tss2_TctiLdr_Initialize(conf, out);
}

void tcti_close(TSS2_TCTI_CONTEXT **tcti)
{
    if (tcti && *tcti)
        Tss2_TctiLdr_Finalize(tcti);
    if (tcti)
        *tcti = NULL;
}

