/* proxy_tcti: an in-process TCTI in front of the proxy (see proxy_tcti.h).
 * Transmit keeps the command; the first receive exchanges it.  SAPI reads
 * a response in one call with a buffer, or asks its size first (response
 * NULL): both are served from the kept answer. */
#include "run/proxy_tcti.h"

#include <stdlib.h>
#include <string.h>

#define PROXY_TCTI_MAGIC 0x74706d7270727879ULL  /* "tpmrprxy" */

typedef struct proxy_tcti {
    TSS2_TCTI_CONTEXT_COMMON_V2 common;     /* must stay first */
    proxy *p;
    int client;
    enum { IDLE, SENT, ANSWERED } state;
    uint8_t cmd[PROXY_MAX_MESSAGE];
    size_t cmd_len;
    uint8_t resp[PROXY_MAX_MESSAGE];
    size_t resp_len;
    TSS2_RC failed;                         /* the exchange broke the connection */
} proxy_tcti;

static proxy_tcti *cast(TSS2_TCTI_CONTEXT *ctx)
{
    return ctx && TSS2_TCTI_MAGIC(ctx) == PROXY_TCTI_MAGIC ? (proxy_tcti *)ctx : NULL;
}

static TSS2_RC t_transmit(TSS2_TCTI_CONTEXT *ctx, size_t size, uint8_t const *command)
{
    proxy_tcti *t = cast(ctx);
    if (!t)
        return TSS2_TCTI_RC_BAD_CONTEXT;
    if (!command)
        return TSS2_TCTI_RC_BAD_REFERENCE;
    if (t->state == SENT)
        return TSS2_TCTI_RC_BAD_SEQUENCE;
    if (size < 10 || size > sizeof t->cmd)
        return TSS2_TCTI_RC_BAD_VALUE;
    memcpy(t->cmd, command, size);
    t->cmd_len = size;
    t->state = SENT;
    t->failed = TSS2_RC_SUCCESS;
    return TSS2_RC_SUCCESS;
}

/* What a socket client sees of the verdict: a cut-short answer never
 * completes, so it is an I/O error like a dropped one. */
static void exchange(proxy_tcti *t)
{
    proxy_verdict v = proxy_exchange(t->p, t->client, t->cmd, t->cmd_len, t->resp, &t->resp_len);
    const uint8_t *h = t->resp;
    uint32_t declared = t->resp_len >= 10 ? (uint32_t)h[2] << 24 | (uint32_t)h[3] << 16 | (uint32_t)h[4] << 8 | h[5] : 0;
    bool whole = t->resp_len >= 10 && declared == t->resp_len;
    if (v == PROXY_CLOSE || (v == PROXY_ANSWER_AND_CLOSE && !whole))
        t->failed = TSS2_TCTI_RC_IO_ERROR;
    t->state = ANSWERED;
}

static TSS2_RC t_receive(TSS2_TCTI_CONTEXT *ctx, size_t *size, uint8_t *response, int32_t timeout)
{
    (void)timeout;      /* the exchange is synchronous */
    proxy_tcti *t = cast(ctx);
    if (!t)
        return TSS2_TCTI_RC_BAD_CONTEXT;
    if (!size)
        return TSS2_TCTI_RC_BAD_REFERENCE;
    if (t->state == IDLE)
        return TSS2_TCTI_RC_BAD_SEQUENCE;
    if (t->state == SENT)
        exchange(t);
    if (t->failed) {
        t->state = IDLE;
        return t->failed;
    }
    if (!response) {
        *size = t->resp_len;
        return TSS2_RC_SUCCESS;
    }
    if (*size < t->resp_len) {
        *size = t->resp_len;
        return TSS2_TCTI_RC_INSUFFICIENT_BUFFER;
    }
    memcpy(response, t->resp, t->resp_len);
    *size = t->resp_len;
    t->state = IDLE;
    return TSS2_RC_SUCCESS;
}

static void t_finalize(TSS2_TCTI_CONTEXT *ctx)
{
    (void)ctx;      /* proxy_tcti_free frees it */
}

static TSS2_RC t_cancel(TSS2_TCTI_CONTEXT *ctx)
{
    (void)ctx;
    return TSS2_TCTI_RC_NOT_IMPLEMENTED;
}

static TSS2_RC t_get_poll_handles(TSS2_TCTI_CONTEXT *ctx, TSS2_TCTI_POLL_HANDLE *handles, size_t *num)
{
    (void)ctx;
    (void)handles;
    if (num)
        *num = 0;
    return TSS2_TCTI_RC_NOT_IMPLEMENTED;
}

/* The locality is the proxy's to set (a step's locality applies to every
 * client): conn sets it there. */
static TSS2_RC t_set_locality(TSS2_TCTI_CONTEXT *ctx, uint8_t locality)
{
    proxy_tcti *t = cast(ctx);
    if (!t)
        return TSS2_TCTI_RC_BAD_CONTEXT;
    proxy_client_locality(t->p, t->client, locality);
    return TSS2_RC_SUCCESS;
}

static TSS2_RC t_make_sticky(TSS2_TCTI_CONTEXT *ctx, TPM2_HANDLE *handle, uint8_t sticky)
{
    (void)ctx;
    (void)handle;
    (void)sticky;
    return TSS2_TCTI_RC_NOT_IMPLEMENTED;
}

TSS2_TCTI_CONTEXT *proxy_tcti_new(proxy *p, int client)
{
    proxy_tcti *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->common.v1.magic = PROXY_TCTI_MAGIC;
    t->common.v1.version = 2;
    t->common.v1.transmit = t_transmit;
    t->common.v1.receive = t_receive;
    t->common.v1.finalize = t_finalize;
    t->common.v1.cancel = t_cancel;
    t->common.v1.getPollHandles = t_get_poll_handles;
    t->common.v1.setLocality = t_set_locality;
    t->common.makeSticky = t_make_sticky;
    t->p = p;
    t->client = client;
    return (TSS2_TCTI_CONTEXT *)&t->common;
}

void proxy_tcti_free(TSS2_TCTI_CONTEXT *tcti)
{
    proxy_tcti *t = cast(tcti);
    if (t)
        t->common.v1.magic = 0;
    free(t);
}
