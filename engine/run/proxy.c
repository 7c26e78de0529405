/* proxy: every client's commands, one at a time, to the one TPM connection
 * -- recorded, faults injected, handles followed (see proxy.h).
 *
 * Handles are followed from the commands themselves: the responses of the
 * commands that load something (CreatePrimary, Load, LoadExternal,
 * CreateLoaded, StartAuthSession, ContextLoad, HashSequenceStart,
 * HMAC_Start, MAC_Start) say what a client created; FlushContext,
 * SequenceComplete and EventSequenceComplete what went; ContextSave moves a
 * session from loaded to saved; Startup (after a TPM reset) ends all.  A
 * handle the TPM hands out again was freed before, whoever held it: the
 * older entry goes.  A session that ended with its last use
 * (continueSession clear) is not seen here, so before flushing, the TPM is
 * asked what it still holds. */
#include "run/proxy.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tss2/tss2_tpm2_types.h>

/* Not in every tpm2-tss header version. */
#define CC_MAC_START 0x00000107u

enum held_kind { HELD_OBJ, HELD_SEQ, HELD_SES };
static const char *const held_names[] = { "object", "sequence", "session" };

typedef struct client {
    char name[PROXY_NAME_MAX];
    int pid;
    int locality;           /* asked on the control channel; -1: never asked */
    bool broken;            /* a fault broke its connection (proxy_take_broken) */
} px_client;

typedef struct held {
    uint32_t handle;
    int client;
    enum held_kind kind;
    bool loaded;            /* a session can also be saved */
} held;

struct proxy {
    pthread_mutex_t lock;
    TSS2_TCTI_CONTEXT *tpm;
    bool keep_bytes;
    px_client *clients;
    size_t n_clients;
    held *held;
    size_t n_held;
    proxy_left *left;       /* flushed for clients, not yet taken */
    size_t n_left;
    proxy_record *recs;
    size_t n_recs, cap_recs;
    const fault_rule *const *rules;
    size_t n_rules;
    unsigned *matched, *fired;  /* per rule */
    const char *step, *step_type;
    int step_locality;      /* -1: each client's own */
    int tpm_locality;       /* what the TCTI was last set to */
};

static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void put32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

proxy *proxy_new(TSS2_TCTI_CONTEXT *tpm, bool keep_bytes)
{
    proxy *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    p->tpm = tpm;
    p->keep_bytes = keep_bytes;
    p->step_locality = -1;
    if (proxy_client(p, "tpmrun", 0) != PROXY_TPMRUN) {
        proxy_free(p);
        return NULL;
    }
    return p;
}

void proxy_free(proxy *p)
{
    if (!p)
        return;
    proxy_records_free(p->recs, p->n_recs);
    free(p->clients);
    free(p->held);
    free(p->left);
    free(p->matched);
    free(p->fired);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

int proxy_client(proxy *p, const char *name, int pid)
{
    pthread_mutex_lock(&p->lock);
    int id = -1;
    for (size_t i = 0; i < p->n_clients && id < 0; i++)
        if (p->clients[i].pid == pid && !strncmp(p->clients[i].name, name, PROXY_NAME_MAX - 1))
            id = (int)i;
    px_client *c = id < 0 ? realloc(p->clients, (p->n_clients + 1) * sizeof *c) : NULL;
    if (c) {
        p->clients = c;
        c = &c[p->n_clients];
        memset(c, 0, sizeof *c);
        snprintf(c->name, sizeof c->name, "%s", name);
        c->pid = pid;
        c->locality = -1;
        id = (int)p->n_clients++;
    }
    pthread_mutex_unlock(&p->lock);
    return id < 0 ? PROXY_TPMRUN : id;
}

void proxy_client_locality(proxy *p, int client, uint8_t locality)
{
    pthread_mutex_lock(&p->lock);
    if (client >= 0 && (size_t)client < p->n_clients)
        p->clients[client].locality = locality;
    pthread_mutex_unlock(&p->lock);
}

bool proxy_take_broken(proxy *p, int client)
{
    pthread_mutex_lock(&p->lock);
    bool b = client >= 0 && (size_t)client < p->n_clients && p->clients[client].broken;
    if (b)
        p->clients[client].broken = false;
    pthread_mutex_unlock(&p->lock);
    return b;
}

void proxy_set_faults(proxy *p, const fault_rule *const *rules, size_t n)
{
    pthread_mutex_lock(&p->lock);
    free(p->matched);
    free(p->fired);
    p->matched = n ? calloc(n, sizeof *p->matched) : NULL;
    p->fired = n ? calloc(n, sizeof *p->fired) : NULL;
    p->rules = rules;
    p->n_rules = p->matched && p->fired ? n : 0;
    pthread_mutex_unlock(&p->lock);
}

void proxy_set_step(proxy *p, const char *name, const char *type)
{
    pthread_mutex_lock(&p->lock);
    p->step = name;
    p->step_type = type;
    pthread_mutex_unlock(&p->lock);
}

static TSS2_RC set_tpm_locality(proxy *p, int locality)
{
    if (locality == p->tpm_locality)
        return TSS2_RC_SUCCESS;
    TSS2_RC rc = Tss2_Tcti_SetLocality(p->tpm, (uint8_t)locality);
    if (rc == TSS2_RC_SUCCESS)
        p->tpm_locality = locality;
    return rc;
}

bool proxy_set_locality(proxy *p, int locality, TSS2_RC *rc)
{
    pthread_mutex_lock(&p->lock);
    TSS2_RC r = locality >= 0 ? set_tpm_locality(p, locality) : TSS2_RC_SUCCESS;
    p->step_locality = r == TSS2_RC_SUCCESS ? locality : -1;
    pthread_mutex_unlock(&p->lock);
    if (rc)
        *rc = r;
    return r == TSS2_RC_SUCCESS;
}

/* ---- faults ------------------------------------------------------------ */

static bool in_names(char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (s && !strcmp(names[i], s))
            return true;
    return false;
}

static bool rule_applies(const proxy *p, const fault_rule *r, const px_client *c, uint32_t cc)
{
    bool cc_ok = !r->commands;
    for (size_t i = 0; !cc_ok && i < r->n_commands; i++)
        cc_ok = r->commands[i] == cc;
    return cc_ok && (!r->clients || in_names(r->clients, r->n_clients, c->name)) &&
           (!r->steps || in_names(r->steps, r->n_steps, p->step) || in_names(r->steps, r->n_steps, p->step_type));
}

/* The rule that fires on this command, if any: each rule counts the
 * commands it applies to; the first that fires wins. */
static const fault_rule *pick_fault(proxy *p, const px_client *c, uint32_t cc)
{
    const fault_rule *hit = NULL;
    for (size_t i = 0; i < p->n_rules; i++) {
        const fault_rule *r = p->rules[i];
        if (!rule_applies(p, r, c, cc))
            continue;
        p->matched[i]++;
        if (!hit && p->matched[i] % r->every == 0 && (!r->times || p->fired[i] < r->times)) {
            p->fired[i]++;
            hit = r;
        }
    }
    return hit;
}

/* A response header alone: a warning or error the TPM could have sent. */
static size_t answer_rc(uint8_t *resp, uint32_t rc)
{
    resp[0] = 0x80;
    resp[1] = 0x01;
    put32(resp + 2, 10);
    put32(resp + 6, rc);
    return 10;
}

/* Bytes that are no TPM response (their size field is right, so a client
 * reads them all and then finds the tag wrong). */
static size_t answer_garbage(uint8_t *resp)
{
    static const char text[] = "not a TPM response";
    resp[0] = 0xDE;
    resp[1] = 0xAD;
    put32(resp + 2, 10 + sizeof text - 1);
    put32(resp + 6, 0xDEADBEEF);
    memcpy(resp + 10, text, sizeof text - 1);
    return 10 + sizeof text - 1;
}

/* ---- handles ----------------------------------------------------------- */

static void held_drop(proxy *p, uint32_t handle)
{
    size_t o = 0;
    for (size_t i = 0; i < p->n_held; i++)
        if (p->held[i].handle != handle)
            p->held[o++] = p->held[i];
    p->n_held = o;
}

static void held_add(proxy *p, uint32_t handle, int client, enum held_kind kind)
{
    held_drop(p, handle);
    held *h = realloc(p->held, (p->n_held + 1) * sizeof *h);
    if (!h)
        return;
    p->held = h;
    p->held[p->n_held++] = (held){ .handle = handle, .client = client, .kind = kind, .loaded = true };
}

static bool is_session(uint32_t handle)
{
    return handle >> 24 == TPM2_HT_HMAC_SESSION || handle >> 24 == TPM2_HT_POLICY_SESSION;
}

static void follow_handles(proxy *p, int client, const uint8_t *cmd, size_t clen, const uint8_t *resp, size_t rlen)
{
    if (clen < 10 || rlen < 10 || be32(resp + 6) != TPM2_RC_SUCCESS)
        return;
    uint32_t cc = be32(cmd + 6), out = rlen >= 14 ? be32(resp + 10) : 0, in = clen >= 14 ? be32(cmd + 10) : 0;
    switch (cc) {
    case TPM2_CC_CreatePrimary:
    case TPM2_CC_Load:
    case TPM2_CC_LoadExternal:
    case TPM2_CC_CreateLoaded:
        held_add(p, out, client, HELD_OBJ);
        break;
    case TPM2_CC_StartAuthSession:
        held_add(p, out, client, HELD_SES);
        break;
    case TPM2_CC_HashSequenceStart:
    case TPM2_CC_HMAC_Start:
    case CC_MAC_START:
        held_add(p, out, client, HELD_SEQ);
        break;
    case TPM2_CC_ContextLoad:
        held_add(p, out, client, is_session(out) ? HELD_SES : HELD_OBJ);
        break;
    case TPM2_CC_FlushContext:
    case TPM2_CC_SequenceComplete:
        held_drop(p, in);
        break;
    case TPM2_CC_EventSequenceComplete:     /* (pcrHandle, sequenceHandle) */
        if (clen >= 18)
            held_drop(p, be32(cmd + 14));
        break;
    case TPM2_CC_ContextSave:
        for (size_t i = 0; i < p->n_held; i++)
            if (p->held[i].handle == in && p->held[i].kind == HELD_SES)
                p->held[i].loaded = false;
        break;
    case TPM2_CC_Startup:   /* only after a reset: nothing volatile is left */
        p->n_held = 0;
        break;
    default:
        break;
    }
}

void proxy_forget_handles(proxy *p)
{
    pthread_mutex_lock(&p->lock);
    p->n_held = 0;
    pthread_mutex_unlock(&p->lock);
}

/* ---- the exchange ------------------------------------------------------ */

static proxy_record *new_record(proxy *p, int client, const uint8_t *cmd, size_t len)
{
    if (p->n_recs == p->cap_recs) {
        size_t cap = p->cap_recs ? 2 * p->cap_recs : 64;
        proxy_record *r = realloc(p->recs, cap * sizeof *r);
        if (!r)
            return NULL;
        p->recs = r;
        p->cap_recs = cap;
    }
    proxy_record *r = &p->recs[p->n_recs++];
    memset(r, 0, sizeof *r);
    const px_client *c = &p->clients[client];
    memcpy(r->client, c->name, sizeof r->client);
    r->pid = c->pid;
    r->command_code = len >= 10 ? be32(cmd + 6) : 0;
    r->command_size = len;
    if (p->keep_bytes && (r->command = malloc(len ? len : 1)))
        memcpy(r->command, cmd, len);
    return r;
}

static void record_answer(proxy *p, proxy_record *r, const uint8_t *resp, size_t len)
{
    r->response_size = len;
    r->response_code = len >= 10 ? be32(resp + 6) : 0;
    if (p->keep_bytes && (r->response = malloc(len ? len : 1)))
        memcpy(r->response, resp, len);
}

/* To the TPM and back; the TCTI's error, if any. */
static TSS2_RC forward(proxy *p, const uint8_t *cmd, size_t len, uint8_t *resp, size_t *resp_len, double *ms)
{
    double t0 = now_ms();
    TSS2_RC rc = Tss2_Tcti_Transmit(p->tpm, len, cmd);
    *resp_len = PROXY_MAX_MESSAGE;
    if (rc == TSS2_RC_SUCCESS)
        rc = Tss2_Tcti_Receive(p->tpm, resp_len, resp, TSS2_TCTI_TIMEOUT_BLOCK);
    *ms = now_ms() - t0;
    if (rc != TSS2_RC_SUCCESS)
        *resp_len = 0;
    return rc;
}

proxy_verdict proxy_exchange(proxy *p, int client, const uint8_t *cmd, size_t len, uint8_t *resp, size_t *resp_len)
{
    pthread_mutex_lock(&p->lock);
    if (client < 0 || (size_t)client >= p->n_clients)
        client = PROXY_TPMRUN;
    const px_client *c = &p->clients[client];
    proxy_record *r = new_record(p, client, cmd, len);
    proxy_record scratch = { 0 };
    if (!r)
        r = &scratch;
    uint32_t cc = len >= 10 ? be32(cmd + 6) : 0;
    const fault_rule *f = pick_fault(p, c, cc);
    r->fault = f ? f->what : NULL;
    proxy_verdict v = PROXY_ANSWER;
    *resp_len = 0;
    if (f && f->kind == FAULT_WARNING) {
        *resp_len = answer_rc(resp, f->rc);
    } else if (f && f->kind == FAULT_DROP) {
        v = PROXY_CLOSE;
    } else if (f && f->kind == FAULT_GARBAGE) {
        *resp_len = answer_garbage(resp);
        v = PROXY_ANSWER_AND_CLOSE;
    } else {
        double slept = 0;
        if (f && f->kind == FAULT_DELAY) {     /* a slow TPM: the wait counts as the TPM's time */
            double t0 = now_ms();
            struct timespec ts = { .tv_sec = f->ms / 1000, .tv_nsec = (long)(f->ms % 1000) * 1000000L };
            while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
                ;
            slept = now_ms() - t0;
        }
        int want = p->step_locality >= 0 ? p->step_locality : c->locality >= 0 ? c->locality : 0;
        if (set_tpm_locality(p, want) != TSS2_RC_SUCCESS) {
            *resp_len = answer_rc(resp, TPM2_RC_LOCALITY);   /* what a TPM says to the wrong locality */
        } else {
            TSS2_RC rc = forward(p, cmd, len, resp, resp_len, &r->tpm_ms);
            r->tpm_ms += slept;
            if (rc != TSS2_RC_SUCCESS) {
                v = PROXY_CLOSE;
            } else {
                follow_handles(p, client, cmd, len, resp, *resp_len);
                if (f && f->kind == FAULT_TRUNCATE && f->keep < *resp_len) {
                    *resp_len = f->keep;
                    v = PROXY_ANSWER_AND_CLOSE;
                }
            }
        }
    }
    if (v != PROXY_CLOSE)
        record_answer(p, r, resp, *resp_len);
    r->answered = v == PROXY_ANSWER;
    if (v != PROXY_ANSWER)
        p->clients[client].broken = true;
    pthread_mutex_unlock(&p->lock);
    free(scratch.command);      /* (only when the record could not be kept) */
    free(scratch.response);
    return v;
}

/* ---- what clients left ------------------------------------------------- */

/* A command of the proxy's own (lock held), recorded as tpmrun's. */
static size_t own_command(proxy *p, const uint8_t *cmd, size_t len, uint8_t *resp)
{
    proxy_record *r = new_record(p, PROXY_TPMRUN, cmd, len);
    if (r)
        r->own = true;
    size_t n = 0;
    if (set_tpm_locality(p, p->step_locality >= 0 ? p->step_locality : 0) != TSS2_RC_SUCCESS ||
        forward(p, cmd, len, resp, &n, r ? &r->tpm_ms : &(double){ 0 }) != TSS2_RC_SUCCESS)
        n = 0;
    if (r) {
        record_answer(p, r, resp, n);
        r->answered = n > 0;
    }
    return n;
}

/* The handles of one range the TPM holds (TPM2_CAP_HANDLES); false if it
 * would not say. */
static bool tpm_handles(proxy *p, uint32_t first, uint32_t *out, size_t *n, size_t max)
{
    uint8_t cmd[22] = { 0x80, 0x01 }, resp[PROXY_MAX_MESSAGE];
    put32(cmd + 2, sizeof cmd);
    put32(cmd + 6, TPM2_CC_GetCapability);
    put32(cmd + 10, TPM2_CAP_HANDLES);
    put32(cmd + 14, first);
    put32(cmd + 18, (uint32_t)max);
    size_t len = own_command(p, cmd, sizeof cmd, resp);
    if (len < 19 || be32(resp + 6) != TPM2_RC_SUCCESS)
        return false;
    uint32_t count = be32(resp + 15);
    for (uint32_t i = 0; i < count && 19 + 4 * (size_t)i + 4 <= len && *n < max; i++)
        out[(*n)++] = be32(resp + 19 + 4 * i);
    return true;
}

static bool present(const uint32_t *hs, size_t n, uint32_t h)
{
    for (size_t i = 0; i < n; i++)
        /* sessions share one index space; lists may show either type */
        if (hs[i] == h || (is_session(h) && is_session(hs[i]) && (hs[i] & 0xFFFFFF) == (h & 0xFFFFFF)))
            return true;
    return false;
}

static uint32_t flush(proxy *p, uint32_t handle)
{
    uint8_t cmd[14] = { 0x80, 0x01 }, resp[PROXY_MAX_MESSAGE];
    put32(cmd + 2, sizeof cmd);
    put32(cmd + 6, TPM2_CC_FlushContext);
    put32(cmd + 10, handle);
    size_t len = own_command(p, cmd, sizeof cmd, resp);
    return len >= 10 ? be32(resp + 6) : TSS2_TCTI_RC_IO_ERROR;
}

/* Is h something flush_left takes?  What clients other than tpmrun left
 * loaded -- only `who`'s (-1: every client's) -- and with saved_too every
 * saved session, tpmrun's too: ESAPI 3.2 has no handle for a session it
 * context-saved, so only the proxy can flush one that was never loaded
 * again. */
static bool left_behind(const held *h, int who, bool saved_too)
{
    if (saved_too && !h->loaded)
        return who < 0 || h->client == who;
    return h->client != PROXY_TPMRUN && (who < 0 || h->client == who) && h->loaded;
}

/* Flushes what left_behind takes and notes each in p->left (lock held). */
static void flush_left(proxy *p, int who, bool saved_too)
{
    bool any = false, any_saved = false;
    for (size_t i = 0; i < p->n_held; i++) {
        const held *h = &p->held[i];
        if (left_behind(h, who, saved_too)) {
            any = true;
            any_saved = any_saved || !h->loaded;
        }
    }
    if (!any)
        return;
    enum { MAX_LISTED = 256 };
    uint32_t *there = calloc(3 * MAX_LISTED, sizeof *there);
    size_t n_there = 0;
    if (!there)
        return;
    tpm_handles(p, (uint32_t)TPM2_HT_TRANSIENT << 24, there, &n_there, MAX_LISTED);
    tpm_handles(p, TPM2_LOADED_SESSION_FIRST, there, &n_there, 2 * MAX_LISTED);
    if (any_saved)
        tpm_handles(p, TPM2_ACTIVE_SESSION_FIRST, there, &n_there, 3 * MAX_LISTED);
    size_t o = 0;
    for (size_t i = 0; i < p->n_held; i++) {
        held h = p->held[i];
        if (!left_behind(&h, who, saved_too)) {
            p->held[o++] = h;
            continue;
        }
        if (!present(there, n_there, h.handle))
            continue;   /* the TPM let it go (a session's last use) */
        proxy_left *grown = realloc(p->left, (p->n_left + 1) * sizeof *grown);
        if (!grown) {
            p->held[o++] = h;
            continue;
        }
        p->left = grown;
        proxy_left *l = &p->left[p->n_left++];
        l->handle = h.handle;
        l->kind = held_names[h.kind];
        memcpy(l->client, p->clients[h.client].name, sizeof l->client);
        l->pid = p->clients[h.client].pid;
        l->rc = flush(p, h.handle);
    }
    p->n_held = o;
    free(there);
}

void proxy_client_gone(proxy *p, int client)
{
    pthread_mutex_lock(&p->lock);
    if (client != PROXY_TPMRUN)
        flush_left(p, client, false);
    pthread_mutex_unlock(&p->lock);
}

size_t proxy_take_left(proxy *p, bool saved_too, proxy_left **out)
{
    pthread_mutex_lock(&p->lock);
    flush_left(p, -1, saved_too);
    *out = p->left;
    size_t n = p->n_left;
    p->left = NULL;
    p->n_left = 0;
    pthread_mutex_unlock(&p->lock);
    return n;
}

/* ---- records ----------------------------------------------------------- */

proxy_record *proxy_take(proxy *p, size_t *n)
{
    pthread_mutex_lock(&p->lock);
    proxy_record *r = p->recs;
    *n = p->n_recs;
    p->recs = NULL;
    p->n_recs = p->cap_recs = 0;
    pthread_mutex_unlock(&p->lock);
    return r;
}

void proxy_records_free(proxy_record *recs, size_t n)
{
    for (size_t i = 0; recs && i < n; i++) {
        free(recs[i].command);
        free(recs[i].response);
    }
    free(recs);
}
