/* tcti_record: a TCTI that wraps another one and keeps a record of every
 * command/response pair that passes through it.
 *
 * A command is "pending" from transmit until the response has been read
 * completely.  ESAPI (through SAPI) reads a response either in one call
 * with a buffer, or first asks for the size (response == NULL) and then
 * reads; both are handled.  TRY_AGAIN / INSUFFICIENT_BUFFER leave the
 * command pending; any other error closes it without a response.
 *
 * A TCTI owned by someone else (FAPI's, from Fapi_GetTcti) cannot be
 * wrapped, since its owner keeps calling it directly: recorder_hook patches
 * its transmit/receive entries in place instead, so commands from every
 * user of that connection are recorded.
 *
 * For tests of everything above it, a wrapping recorder can also answer
 * every n-th command itself with a TPM warning (TPM2_RC_YIELDED, RETRY,
 * TESTING) instead of passing it on, as the proxy TCTI of tpm2-tss's
 * integration tests does: ESAPI must resend it, and the record shows both. */
#include "run/recorder.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tss2/tss2_tctildr.h>

#define RECORDER_MAGIC 0x74706d72756e5243ULL   /* "tpmrunRC" */

struct recorder {
    TSS2_TCTI_CONTEXT_COMMON_V2 common;     /* must stay first */
    TSS2_TCTI_CONTEXT *inner;

    tpm_command_record *recs;
    size_t count, cap;

    bool pending;
    uint8_t *cmd;
    size_t cmd_size;
    uint32_t cc;
    struct timespec t0;

    /* warning injection (recorder_inject_warning) */
    uint32_t inject_rc;
    unsigned inject_every, inject_count;
    bool injecting;             /* the pending command gets the warning */

    /* Hook mode (recorder_hook): the TCTI we patched in place and its own
     * transmit/receive, restored by recorder_free. */
    TSS2_TCTI_CONTEXT *hooked;
    TSS2_TCTI_TRANSMIT_FCN orig_transmit;
    TSS2_TCTI_RECEIVE_FCN orig_receive;
    recorder *next_hook;
};

/* Recorders in hook mode, found by the context they patched (a hooked
 * TCTI's entry points get that context, not the recorder). */
static recorder *hooks;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static double elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1000.0 +
           (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static recorder *rec_cast(TSS2_TCTI_CONTEXT *ctx)
{
    if (!ctx || TSS2_TCTI_MAGIC(ctx) != RECORDER_MAGIC)
        return NULL;
    return (recorder *)ctx;
}

/* Room for one more record, so that closing a command never fails. */
static bool reserve(recorder *r)
{
    if (r->count < r->cap)
        return true;
    size_t ncap = r->cap ? r->cap * 2 : 16;
    tpm_command_record *n = realloc(r->recs, ncap * sizeof *n);
    if (!n)
        return false;
    r->recs = n;
    r->cap = ncap;
    return true;
}

/* Close the pending command; `response` may be NULL (no response). */
static void close_pending(recorder *r, const uint8_t *response, size_t size)
{
    if (!r->pending)
        return;
    r->pending = false;
    /* Normally reserved in transmit, but a recorder_take in between hands
     * the array over. */
    if (!reserve(r)) {
        free(r->cmd);
        r->cmd = NULL;
        r->cmd_size = 0;
        return;
    }
    tpm_command_record *rec = &r->recs[r->count++];
    memset(rec, 0, sizeof *rec);
    rec->command_code = r->cc;
    rec->command = r->cmd;
    rec->command_size = r->cmd_size;
    rec->tpm_ms = elapsed_ms(&r->t0);
    if (response) {
        rec->response_code = size >= 10 ? be32(response + 6) : 0;
        rec->response = malloc(size ? size : 1);
        if (rec->response) {
            memcpy(rec->response, response, size);
            rec->response_size = size;
        }
    }
    r->cmd = NULL;
    r->cmd_size = 0;
}

static TSS2_RC inner_transmit(recorder *r, size_t size, uint8_t const *command)
{
    if (r->hooked)
        return r->orig_transmit(r->hooked, size, command);
    return Tss2_Tcti_Transmit(r->inner, size, command);
}

static TSS2_RC inner_receive(recorder *r, size_t *size, uint8_t *response, int32_t timeout)
{
    if (r->hooked)
        return r->orig_receive(r->hooked, size, response, timeout);
    return Tss2_Tcti_Receive(r->inner, size, response, timeout);
}

static TSS2_RC record_transmit(recorder *r, size_t size, uint8_t const *command)
{
    if (!command)
        return TSS2_TCTI_RC_BAD_REFERENCE;

    /* A command whose response was never read. */
    close_pending(r, NULL, 0);

    if (!reserve(r))
        return TSS2_TCTI_RC_MEMORY;
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return TSS2_TCTI_RC_MEMORY;
    memcpy(copy, command, size);

    r->cmd = copy;
    r->cmd_size = size;
    r->cc = size >= 10 ? be32(command + 6) : 0;
    r->pending = true;
    clock_gettime(CLOCK_MONOTONIC, &r->t0);

    r->injecting = r->inject_every && ++r->inject_count % r->inject_every == 0;
    if (r->injecting)
        return TSS2_RC_SUCCESS;     /* answered by receive, never sent */
    TSS2_RC rc = inner_transmit(r, size, command);
    if (rc != TSS2_RC_SUCCESS)
        close_pending(r, NULL, 0);
    return rc;
}

/* The 10-byte response header a TPM sends with a warning. */
static TSS2_RC injected_receive(recorder *r, size_t *size, uint8_t *response)
{
    const uint8_t warning[10] = { 0x80, 0x01, 0, 0, 0, 10, (uint8_t)(r->inject_rc >> 24),
                                  (uint8_t)(r->inject_rc >> 16), (uint8_t)(r->inject_rc >> 8),
                                  (uint8_t)r->inject_rc };
    if (!response) {
        *size = sizeof warning;
        return TSS2_RC_SUCCESS;
    }
    if (*size < sizeof warning)
        return TSS2_TCTI_RC_INSUFFICIENT_BUFFER;
    memcpy(response, warning, sizeof warning);
    *size = sizeof warning;
    r->injecting = false;
    close_pending(r, response, sizeof warning);
    return TSS2_RC_SUCCESS;
}

static TSS2_RC record_receive(recorder *r, size_t *size, uint8_t *response, int32_t timeout)
{
    if (!size)
        return TSS2_TCTI_RC_BAD_REFERENCE;
    if (r->injecting)
        return injected_receive(r, size, response);

    TSS2_RC rc = inner_receive(r, size, response, timeout);
    if (rc == TSS2_TCTI_RC_TRY_AGAIN || rc == TSS2_TCTI_RC_INSUFFICIENT_BUFFER)
        return rc;              /* the caller will come back */
    if (rc != TSS2_RC_SUCCESS) {
        close_pending(r, NULL, 0);
        return rc;
    }
    if (response)               /* not the size query */
        close_pending(r, response, *size);
    return rc;
}

static TSS2_RC rec_transmit(TSS2_TCTI_CONTEXT *ctx, size_t size, uint8_t const *command)
{
    recorder *r = rec_cast(ctx);
    if (!r || !r->inner)
        return TSS2_TCTI_RC_BAD_CONTEXT;
    return record_transmit(r, size, command);
}

static TSS2_RC rec_receive(TSS2_TCTI_CONTEXT *ctx, size_t *size, uint8_t *response, int32_t timeout)
{
    recorder *r = rec_cast(ctx);
    if (!r || !r->inner)
        return TSS2_TCTI_RC_BAD_CONTEXT;
    return record_receive(r, size, response, timeout);
}

static recorder *hook_find(TSS2_TCTI_CONTEXT *ctx)
{
    for (recorder *r = hooks; r; r = r->next_hook)
        if (r->hooked == ctx)
            return r;
    return NULL;
}

static TSS2_RC hook_transmit(TSS2_TCTI_CONTEXT *ctx, size_t size, uint8_t const *command)
{
    recorder *r = hook_find(ctx);
    return r ? record_transmit(r, size, command) : TSS2_TCTI_RC_BAD_CONTEXT;
}

static TSS2_RC hook_receive(TSS2_TCTI_CONTEXT *ctx, size_t *size, uint8_t *response, int32_t timeout)
{
    recorder *r = hook_find(ctx);
    return r ? record_receive(r, size, response, timeout) : TSS2_TCTI_RC_BAD_CONTEXT;
}

static void rec_finalize(TSS2_TCTI_CONTEXT *ctx)
{
    recorder *r = rec_cast(ctx);
    if (r && r->inner)
        Tss2_TctiLdr_Finalize(&r->inner);
    if (r)
        r->inner = NULL;
}

static TSS2_RC rec_cancel(TSS2_TCTI_CONTEXT *ctx)
{
    recorder *r = rec_cast(ctx);
    if (!r || !r->inner)
        return TSS2_TCTI_RC_BAD_CONTEXT;
    return Tss2_Tcti_Cancel(r->inner);
}

static TSS2_RC rec_get_poll_handles(TSS2_TCTI_CONTEXT *ctx, TSS2_TCTI_POLL_HANDLE *handles,
                                    size_t *num_handles)
{
    recorder *r = rec_cast(ctx);
    if (!r || !r->inner)
        return TSS2_TCTI_RC_BAD_CONTEXT;
    return Tss2_Tcti_GetPollHandles(r->inner, handles, num_handles);
}

static TSS2_RC rec_set_locality(TSS2_TCTI_CONTEXT *ctx, uint8_t locality)
{
    recorder *r = rec_cast(ctx);
    if (!r || !r->inner)
        return TSS2_TCTI_RC_BAD_CONTEXT;
    return Tss2_Tcti_SetLocality(r->inner, locality);
}

static TSS2_RC rec_make_sticky(TSS2_TCTI_CONTEXT *ctx, TPM2_HANDLE *handle, uint8_t sticky)
{
    recorder *r = rec_cast(ctx);
    if (!r || !r->inner)
        return TSS2_TCTI_RC_BAD_CONTEXT;
    return Tss2_Tcti_MakeSticky(r->inner, handle, sticky);
}

/* ---- public API ------------------------------------------------------- */

TSS2_RC recorder_wrap(TSS2_TCTI_CONTEXT *inner, recorder **out)
{
    if (!inner || !out)
        return TSS2_TCTI_RC_BAD_REFERENCE;
    *out = NULL;
    recorder *r = calloc(1, sizeof *r);
    if (!r)
        return TSS2_TCTI_RC_MEMORY;
    r->common.v1.magic = RECORDER_MAGIC;
    r->common.v1.version = 2;
    r->common.v1.transmit = rec_transmit;
    r->common.v1.receive = rec_receive;
    r->common.v1.finalize = rec_finalize;
    r->common.v1.cancel = rec_cancel;
    r->common.v1.getPollHandles = rec_get_poll_handles;
    r->common.v1.setLocality = rec_set_locality;
    r->common.makeSticky = rec_make_sticky;
    r->inner = inner;
    *out = r;
    return TSS2_RC_SUCCESS;
}

TSS2_RC recorder_hook(TSS2_TCTI_CONTEXT *tcti, recorder **out)
{
    if (!tcti || !out)
        return TSS2_TCTI_RC_BAD_REFERENCE;
    *out = NULL;
    if (TSS2_TCTI_VERSION(tcti) < 1 || !TSS2_TCTI_TRANSMIT(tcti) || !TSS2_TCTI_RECEIVE(tcti) || hook_find(tcti))
        return TSS2_TCTI_RC_BAD_CONTEXT;
    recorder *r = calloc(1, sizeof *r);
    if (!r)
        return TSS2_TCTI_RC_MEMORY;
    r->hooked = tcti;
    r->orig_transmit = TSS2_TCTI_TRANSMIT(tcti);
    r->orig_receive = TSS2_TCTI_RECEIVE(tcti);
    TSS2_TCTI_TRANSMIT(tcti) = hook_transmit;
    TSS2_TCTI_RECEIVE(tcti) = hook_receive;
    r->next_hook = hooks;
    hooks = r;
    *out = r;
    return TSS2_RC_SUCCESS;
}

TSS2_TCTI_CONTEXT *recorder_tcti(recorder *r)
{
    if (r && r->hooked)
        return r->hooked;
    return r ? (TSS2_TCTI_CONTEXT *)&r->common : NULL;
}

tpm_command_record *recorder_take(recorder *r, size_t *count)
{
    if (!r) {
        if (count)
            *count = 0;
        return NULL;
    }
    tpm_command_record *recs = r->recs;
    size_t n = r->count;
    r->recs = NULL;
    r->count = r->cap = 0;
    if (n == 0) {
        free(recs);
        recs = NULL;
    }
    if (count)
        *count = n;
    return recs;
}

void recorder_records_free(tpm_command_record *recs, size_t count)
{
    if (!recs)
        return;
    for (size_t i = 0; i < count; i++) {
        free(recs[i].command);
        free(recs[i].response);
    }
    free(recs);
}

void recorder_free(recorder *r)
{
    if (!r)
        return;
    if (r->hooked) {    /* give the owner its TCTI back as it was */
        TSS2_TCTI_TRANSMIT(r->hooked) = r->orig_transmit;
        TSS2_TCTI_RECEIVE(r->hooked) = r->orig_receive;
        for (recorder **p = &hooks; *p; p = &(*p)->next_hook)
            if (*p == r) {
                *p = r->next_hook;
                break;
            }
    }
    if (r->inner)
        Tss2_TctiLdr_Finalize(&r->inner);
    free(r->cmd);
    recorder_records_free(r->recs, r->count);
    r->common.v1.magic = 0;
    free(r);
}

void recorder_inject_warning(recorder *r, uint32_t rc, unsigned every)
{
    r->inject_rc = rc;
    r->inject_every = every;
    r->inject_count = 0;
}
