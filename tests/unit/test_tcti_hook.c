/* Unit test of the recording TCTI's hook mode (recorder_hook), on a fake
 * TCTI that answers every command with a fixed response: commands sent
 * through the owner's own context are recorded, and the context is given
 * back unchanged.  Prints "N passed, M failed" last; exit 1 on failure. */
#include "unit.h"
#include "run/recorder.h"

#include <stdio.h>
#include <string.h>


/* The fake: a response of 10 bytes with rc 0x922 (RETRY) for every command. */
typedef struct {
    TSS2_TCTI_CONTEXT_COMMON_V2 common;
    int sent;
} fake;

static const uint8_t response[10] = { 0x80, 0x01, 0, 0, 0, 10, 0, 0, 0x09, 0x22 };

static TSS2_RC fake_transmit(TSS2_TCTI_CONTEXT *ctx, size_t size, const uint8_t *cmd)
{
    (void)size; (void)cmd;
    ((fake *)ctx)->sent++;
    return TSS2_RC_SUCCESS;
}

static TSS2_RC fake_receive(TSS2_TCTI_CONTEXT *ctx, size_t *size, uint8_t *buf, int32_t timeout)
{
    (void)ctx; (void)timeout;
    if (!buf) {     /* size query */
        *size = sizeof response;
        return TSS2_RC_SUCCESS;
    }
    memcpy(buf, response, sizeof response);
    *size = sizeof response;
    return TSS2_RC_SUCCESS;
}

int main(void)
{
    fake f = { 0 };
    f.common.v1.magic = 0x1234;
    f.common.v1.version = 2;
    f.common.v1.transmit = fake_transmit;
    f.common.v1.receive = fake_receive;
    TSS2_TCTI_CONTEXT *t = (TSS2_TCTI_CONTEXT *)&f;

    recorder *r = NULL;
    CHECK(recorder_hook(t, &r) == TSS2_RC_SUCCESS && r, "hook");
    CHECK(recorder_tcti(r) == t, "recorder_tcti gives the owner's context back");
    recorder *again = NULL;
    CHECK(recorder_hook(t, &again) != TSS2_RC_SUCCESS && !again, "a context is hooked once");

    /* the owner calls its context as before: TPM2_GetRandom(8) */
    const uint8_t cmd[12] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x7b, 0, 8 };
    uint8_t buf[64];
    size_t size = sizeof buf;
    CHECK(Tss2_Tcti_Transmit(t, sizeof cmd, cmd) == TSS2_RC_SUCCESS, "transmit");
    CHECK(Tss2_Tcti_Receive(t, &size, buf, TSS2_TCTI_TIMEOUT_BLOCK) == TSS2_RC_SUCCESS && size == 10, "receive");
    /* the size-query form, as SAPI uses it */
    size_t need = 0;
    CHECK(Tss2_Tcti_Transmit(t, sizeof cmd, cmd) == TSS2_RC_SUCCESS, "transmit 2");
    CHECK(Tss2_Tcti_Receive(t, &need, NULL, TSS2_TCTI_TIMEOUT_BLOCK) == TSS2_RC_SUCCESS && need == 10, "size");
    CHECK(Tss2_Tcti_Receive(t, &need, buf, TSS2_TCTI_TIMEOUT_BLOCK) == TSS2_RC_SUCCESS, "receive 2");
    CHECK(f.sent == 2, "the owner's transmit ran: %d", f.sent);

    size_t n = 0;
    tpm_command_record *recs = recorder_take(r, &n);
    CHECK(n == 2, "two commands recorded, not %zu", n);
    for (size_t i = 0; i < n; i++) {
        CHECK(recs[i].command_code == 0x17b, "command code 0x%x", recs[i].command_code);
        CHECK(recs[i].response_code == 0x922, "response code 0x%x", recs[i].response_code);
        CHECK(recs[i].command_size == 12 && recs[i].response_size == 10, "sizes");
    }
    recorder_records_free(recs, n);

    recorder_free(r);
    CHECK(f.common.v1.transmit == fake_transmit && f.common.v1.receive == fake_receive,
          "recorder_free restores the owner's entry points");
    CHECK(recorder_hook(t, &r) == TSS2_RC_SUCCESS, "hookable again after recorder_free");
    recorder_free(r);

    return unit_report();
}
