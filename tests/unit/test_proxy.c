/* Unit test of the proxy's bookkeeping (engine/run/proxy.c, proxy_tcti.c)
 * on a fake TPM: a TCTI that hands out transient and session handles,
 * flushes and context-saves them and lists them (TPM2_CAP_HANDLES), so
 * that every path of the handle following, the fault rules and the
 * locality can be driven exactly.  The same features run against a real
 * swtpm, tpm2-tools and FAPI in tests/test_proxy.py.
 * Prints "N passed, M failed" last; exit 1 on failure. */
#include "unit.h"
#include "run/proxy.h"
#include "run/proxy_tcti.h"
#include "tpm/tpm_cc.h"
#include "tpm/tpm_rc.h"

#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_tpm2_types.h>

/* ---- the fake TPM ------------------------------------------------------ */

enum { SLOTS = 8 };
typedef struct fake_tpm {
    TSS2_TCTI_CONTEXT_COMMON_V2 common;
    uint8_t cmd[4096];
    size_t cmd_len;
    int sent;                       /* commands that reached it */
    int locality, locality_calls;
    bool object[SLOTS];             /* 0x80000000 + i loaded */
    int session[SLOTS];             /* 0x02000000 + i: 0 none, 1 loaded, 2 saved */
} fake_tpm;

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

static TSS2_RC fake_transmit(TSS2_TCTI_CONTEXT *ctx, size_t size, const uint8_t *cmd)
{
    fake_tpm *f = (fake_tpm *)ctx;
    memcpy(f->cmd, cmd, size);
    f->cmd_len = size;
    f->sent++;
    return TSS2_RC_SUCCESS;
}

static size_t answer(uint8_t *r, uint32_t rc, const uint32_t *extra, size_t n_extra)
{
    r[0] = 0x80;
    r[1] = 0x01;
    put32(r + 6, rc);
    for (size_t i = 0; i < n_extra; i++)
        put32(r + 10 + 4 * i, extra[i]);
    put32(r + 2, (uint32_t)(10 + 4 * n_extra));
    return 10 + 4 * n_extra;
}

static size_t fake_run(fake_tpm *f, uint8_t *r)
{
    uint32_t cc = be32(f->cmd + 6), h = f->cmd_len >= 14 ? be32(f->cmd + 10) : 0;
    switch (cc) {
    case TPM2_CC_CreatePrimary:
        for (uint32_t i = 0; i < SLOTS; i++)
            if (!f->object[i]) {
                f->object[i] = true;
                return answer(r, 0, &(uint32_t){ 0x80000000u + i }, 1);
            }
        return answer(r, TPM2_RC_OBJECT_MEMORY, NULL, 0);
    case TPM2_CC_StartAuthSession:
        for (uint32_t i = 0; i < SLOTS; i++)
            if (!f->session[i]) {
                f->session[i] = 1;
                return answer(r, 0, &(uint32_t){ 0x02000000u + i }, 1);
            }
        return answer(r, TPM2_RC_SESSION_MEMORY, NULL, 0);
    case TPM2_CC_FlushContext:
        if (h >> 24 == 0x80 && (h & 0xFFFFFF) < SLOTS && f->object[h & 0xFFFFFF]) {
            f->object[h & 0xFFFFFF] = false;
            return answer(r, 0, NULL, 0);
        }
        if (h >> 24 == 0x02 && (h & 0xFFFFFF) < SLOTS && f->session[h & 0xFFFFFF]) {
            f->session[h & 0xFFFFFF] = 0;
            return answer(r, 0, NULL, 0);
        }
        return answer(r, TPM2_RC_HANDLE | TPM2_RC_P | TPM2_RC_1, NULL, 0);
    case TPM2_CC_ContextSave:
        if (h >> 24 == 0x02 && (h & 0xFFFFFF) < SLOTS)
            f->session[h & 0xFFFFFF] = 2;
        return answer(r, 0, NULL, 0);
    case TPM2_CC_GetCapability: {
        /* moreData, capability, count, handles */
        uint32_t first = be32(f->cmd + 14), list[SLOTS];
        size_t n = 0;
        for (uint32_t i = 0; i < SLOTS; i++)
            if ((first >> 24 == 0x80 && f->object[i]) || (first >> 24 == 0x02 && f->session[i] == 1) ||
                (first >> 24 == 0x03 && f->session[i] == 2))
                list[n++] = (first >> 24 == 0x80 ? 0x80000000u : 0x02000000u) + i;
        r[10] = 0;
        put32(r + 11, TPM2_CAP_HANDLES);
        put32(r + 15, (uint32_t)n);
        for (size_t i = 0; i < n; i++)
            put32(r + 19 + 4 * i, list[i]);
        r[0] = 0x80;
        r[1] = 0x01;
        put32(r + 6, 0);
        put32(r + 2, (uint32_t)(19 + 4 * n));
        return 19 + 4 * n;
    }
    default:
        return answer(r, 0, NULL, 0);
    }
}

static TSS2_RC fake_receive(TSS2_TCTI_CONTEXT *ctx, size_t *size, uint8_t *resp, int32_t timeout)
{
    (void)timeout;
    fake_tpm *f = (fake_tpm *)ctx;
    uint8_t r[4096];
    size_t n = fake_run(f, r);
    if (*size < n)
        return TSS2_TCTI_RC_INSUFFICIENT_BUFFER;
    memcpy(resp, r, n);
    *size = n;
    return TSS2_RC_SUCCESS;
}

static TSS2_RC fake_locality(TSS2_TCTI_CONTEXT *ctx, uint8_t locality)
{
    fake_tpm *f = (fake_tpm *)ctx;
    f->locality = locality;
    f->locality_calls++;
    return locality == 4 ? TSS2_TCTI_RC_NOT_IMPLEMENTED : TSS2_RC_SUCCESS;
}

static void fake_finalize(TSS2_TCTI_CONTEXT *ctx)
{
    (void)ctx;
}

static fake_tpm *fake_new(void)
{
    fake_tpm *f = calloc(1, sizeof *f);
    f->common.v1.magic = 0x66616b6574706d31ULL;
    f->common.v1.version = 2;
    f->common.v1.transmit = fake_transmit;
    f->common.v1.receive = fake_receive;
    f->common.v1.finalize = fake_finalize;
    f->common.v1.setLocality = fake_locality;
    return f;
}

/* ---- helpers ------------------------------------------------------------ */

static size_t command(uint8_t *c, uint32_t cc, const uint32_t *words, size_t n)
{
    c[0] = 0x80;
    c[1] = 0x01;
    put32(c + 6, cc);
    for (size_t i = 0; i < n; i++)
        put32(c + 10 + 4 * i, words[i]);
    put32(c + 2, (uint32_t)(10 + 4 * n));
    return 10 + 4 * n;
}

/* One command of `client`; the handle in the answer (0 if none). */
static uint32_t send_cc(proxy *p, int client, uint32_t cc, uint32_t arg, proxy_verdict *v)
{
    uint8_t c[64], r[PROXY_MAX_MESSAGE];
    size_t len = command(c, cc, &arg, arg ? 1 : 0), rlen = 0;
    proxy_verdict verdict = proxy_exchange(p, client, c, len, r, &rlen);
    if (v)
        *v = verdict;
    return rlen >= 14 && be32(r + 6) == 0 ? be32(r + 10) : 0;
}

static size_t take_and_free(proxy *p)
{
    size_t n = 0;
    proxy_record *recs = proxy_take(p, &n);     /* before n is read: argument order is unspecified */
    proxy_records_free(recs, n);
    return n;
}

/* ---- the tests ---------------------------------------------------------- */

static void test_records_and_own_tcti(proxy *p, fake_tpm *f)
{
    TSS2_TCTI_CONTEXT *own = proxy_tcti_new(p, PROXY_TPMRUN);
    uint8_t c[64], r[64];
    size_t len = command(c, TPM2_CC_GetRandom, NULL, 0), n = 0;
    CHECK(Tss2_Tcti_Transmit(own, len, c) == TSS2_RC_SUCCESS, "transmit");
    CHECK(Tss2_Tcti_Receive(own, &n, NULL, -1) == TSS2_RC_SUCCESS && n == 10, "size query %zu", n);
    n = 4;
    CHECK(Tss2_Tcti_Receive(own, &n, r, -1) == TSS2_TCTI_RC_INSUFFICIENT_BUFFER && n == 10, "short buffer");
    n = sizeof r;
    CHECK(Tss2_Tcti_Receive(own, &n, r, -1) == TSS2_RC_SUCCESS && n == 10 && be32(r + 6) == 0, "read");
    CHECK(Tss2_Tcti_Receive(own, &n, r, -1) == TSS2_TCTI_RC_BAD_SEQUENCE, "nothing sent");
    CHECK(f->sent == 1, "sent once (%d)", f->sent);
    size_t k = 0;
    proxy_record *recs = proxy_take(p, &k);
    CHECK(k == 1, "one record (%zu)", k);
    if (k == 1) {
        CHECK(!strcmp(recs[0].client, "tpmrun") && recs[0].pid == 0, "client %s", recs[0].client);
        CHECK(recs[0].command_code == TPM2_CC_GetRandom && recs[0].response_code == 0, "codes");
        CHECK(recs[0].command_size == 10 && recs[0].response_size == 10 && recs[0].answered && !recs[0].fault, "sizes");
        CHECK(recs[0].command && !memcmp(recs[0].command, c, 10), "bytes kept");
    }
    proxy_records_free(recs, k);
    proxy_tcti_free(own);
}

static void test_clients(proxy *p)
{
    int a = proxy_client(p, "tpm2_getrandom", 42);
    CHECK(a > PROXY_TPMRUN, "a new client (%d)", a);
    CHECK(proxy_client(p, "tpm2_getrandom", 42) == a, "found again");
    CHECK(proxy_client(p, "tpm2_getrandom", 43) != a, "another pid, another client");
    send_cc(p, a, TPM2_CC_GetRandom, 0, NULL);
    size_t n = 0;
    proxy_record *recs = proxy_take(p, &n);
    CHECK(n == 1 && !strcmp(recs[0].client, "tpm2_getrandom") && recs[0].pid == 42, "named record");
    proxy_records_free(recs, n);
}

static void test_handles(proxy *p, fake_tpm *f)
{
    int tool = proxy_client(p, "tool", 100), other = proxy_client(p, "other", 101);
    uint32_t obj = send_cc(p, tool, TPM2_CC_CreatePrimary, 0, NULL);
    uint32_t ses = send_cc(p, tool, TPM2_CC_StartAuthSession, 0, NULL);
    uint32_t mine = send_cc(p, PROXY_TPMRUN, TPM2_CC_CreatePrimary, 0, NULL);
    uint32_t others = send_cc(p, other, TPM2_CC_CreatePrimary, 0, NULL);
    CHECK(obj == 0x80000000 && ses == 0x02000000 && mine == 0x80000001 && others == 0x80000002, "handles");
    take_and_free(p);
    proxy_client_gone(p, tool);
    CHECK(!f->object[0] && !f->session[0], "the tool's object and session flushed");
    CHECK(f->object[1] && f->object[2], "tpmrun's and the other client's kept");
    size_t n = take_and_free(p);
    CHECK(n == 4, "2 GetCapability + 2 FlushContext recorded (%zu)", n);
    proxy_left *left = NULL;
    n = proxy_take_left(p, false, &left);     /* also flushes `other`'s */
    CHECK(n == 3, "three flushed for clients (%zu)", n);
    if (n == 3) {
        CHECK(left[0].handle == 0x80000000 && !strcmp(left[0].kind, "object") && left[0].pid == 100, "left 0");
        CHECK(left[1].handle == 0x02000000 && !strcmp(left[1].kind, "session") && !strcmp(left[1].client, "tool"),
              "left 1");
        CHECK(left[2].handle == 0x80000002 && !strcmp(left[2].client, "other") && left[2].rc == 0, "left 2");
    }
    free(left);
    CHECK(f->object[1] && !f->object[2], "only tpmrun's object is left");
    n = proxy_take_left(p, true, &left);
    CHECK(n == 0 && !left, "nothing more");
    take_and_free(p);

    /* a handle the TPM hands out again belongs to its new owner */
    uint32_t h = send_cc(p, tool, TPM2_CC_CreatePrimary, 0, NULL);
    send_cc(p, tool, TPM2_CC_FlushContext, h, NULL);
    uint32_t again = send_cc(p, PROXY_TPMRUN, TPM2_CC_CreatePrimary, 0, NULL);
    CHECK(h == again, "the handle came back (0x%x 0x%x)", h, again);
    proxy_client_gone(p, tool);
    CHECK(f->object[h & 0xFF], "tpmrun's new object is not the tool's to flush");

    /* a saved session lives on after its program, until the end */
    uint32_t s = send_cc(p, tool, TPM2_CC_StartAuthSession, 0, NULL);
    send_cc(p, tool, TPM2_CC_ContextSave, s, NULL);
    proxy_client_gone(p, tool);
    CHECK(f->session[s & 0xFF] == 2, "saved session kept");
    n = proxy_take_left(p, false, &left);
    free(left);
    CHECK(n == 0 && f->session[s & 0xFF] == 2, "still kept without saved_too");
    n = proxy_take_left(p, true, &left);
    CHECK(n == 1 && left && left[0].handle == s && f->session[s & 0xFF] == 0, "flushed at the end");
    free(left);

    /* tpmrun's saved session too (ESAPI cannot flush it), not its loaded ones */
    s = send_cc(p, PROXY_TPMRUN, TPM2_CC_StartAuthSession, 0, NULL);
    uint32_t live = send_cc(p, PROXY_TPMRUN, TPM2_CC_StartAuthSession, 0, NULL);
    send_cc(p, PROXY_TPMRUN, TPM2_CC_ContextSave, s, NULL);
    n = proxy_take_left(p, true, &left);
    CHECK(n == 1 && left && left[0].handle == s && !strcmp(left[0].client, "tpmrun") && f->session[s & 0xFF] == 0 &&
          f->session[live & 0xFF] == 1, "tpmrun's saved session flushed, its loaded one kept");
    free(left);
    f->session[live & 0xFF] = 0;

    /* a session the TPM closed on its own (continueSession clear) is not flushed */
    s = send_cc(p, tool, TPM2_CC_StartAuthSession, 0, NULL);
    f->session[s & 0xFF] = 0;
    take_and_free(p);
    int before = f->sent;
    proxy_client_gone(p, tool);
    n = proxy_take_left(p, true, &left);
    free(left);
    CHECK(n == 0 && f->sent == before + 2, "asked, not flushed (%zu, %d)", n, f->sent - before);

    /* Startup (after a reset) forgets everything */
    send_cc(p, tool, TPM2_CC_CreatePrimary, 0, NULL);
    send_cc(p, tool, TPM2_CC_Startup, 0, NULL);
    before = f->sent;
    n = proxy_take_left(p, true, &left);
    free(left);
    CHECK(n == 0 && f->sent == before, "nothing followed after Startup");
    memset(f->object, 0, sizeof f->object);
    memset(f->session, 0, sizeof f->session);
    take_and_free(p);
}

static fault_rule rule(fault_kind kind, unsigned every, unsigned times)
{
    return (fault_rule){ .kind = kind, .every = every, .times = times, .what = (char *)"test fault" };
}

static void test_faults(proxy *p, fake_tpm *f)
{
    fault_rule warn = rule(FAULT_WARNING, 2, 2);
    warn.rc = TPM2_RC_YIELDED;
    const fault_rule *rules[] = { &warn };
    proxy_set_faults(p, rules, 1);
    uint8_t c[64], r[PROXY_MAX_MESSAGE];
    size_t len = command(c, TPM2_CC_GetRandom, NULL, 0), rlen;
    uint32_t rcs[6];
    int before = f->sent;
    for (int i = 0; i < 6; i++) {
        proxy_exchange(p, PROXY_TPMRUN, c, len, r, &rlen);
        rcs[i] = be32(r + 6);
    }
    CHECK(rcs[0] == 0 && rcs[1] == TPM2_RC_YIELDED && rcs[2] == 0 && rcs[3] == TPM2_RC_YIELDED && rcs[4] == 0 &&
          rcs[5] == 0, "every 2nd, twice");
    CHECK(f->sent - before == 4, "a warning is answered by the proxy (%d sent)", f->sent - before);
    size_t n = 0;
    proxy_record *recs = proxy_take(p, &n);
    CHECK(n == 6 && recs[1].fault && !recs[0].fault && recs[1].response_code == TPM2_RC_YIELDED, "recorded");
    proxy_records_free(recs, n);

    /* filters: command codes, clients, steps */
    fault_rule drop = rule(FAULT_DROP, 1, 0);
    uint32_t sign = TPM2_CC_Sign;
    char *names[] = { (char *)"tool" }, *steps[] = { (char *)"bad" };
    drop.commands = &sign;
    drop.n_commands = 1;
    drop.clients = names;
    drop.n_clients = 1;
    drop.steps = steps;
    drop.n_steps = 1;
    const fault_rule *rules2[] = { &drop };
    proxy_set_faults(p, rules2, 1);
    int tool = proxy_client(p, "tool", 100);
    proxy_verdict v;
    proxy_set_step(p, "bad", "esapi.sign");
    send_cc(p, tool, TPM2_CC_GetRandom, 0, &v);
    CHECK(v == PROXY_ANSWER, "another command");
    send_cc(p, PROXY_TPMRUN, TPM2_CC_Sign, 0, &v);
    CHECK(v == PROXY_ANSWER, "another client");
    send_cc(p, tool, TPM2_CC_Sign, 0, &v);
    CHECK(v == PROXY_CLOSE && proxy_take_broken(p, tool) && !proxy_take_broken(p, tool), "dropped, once broken");
    proxy_set_step(p, "good", "esapi.sign");
    send_cc(p, tool, TPM2_CC_Sign, 0, &v);
    CHECK(v == PROXY_ANSWER, "another step");
    proxy_set_step(p, NULL, "bad");     /* a step type matches too */
    send_cc(p, tool, TPM2_CC_Sign, 0, &v);
    CHECK(v == PROXY_CLOSE, "by type");
    take_and_free(p);

    /* what tpmrun's own TCTI makes of each */
    TSS2_TCTI_CONTEXT *own = proxy_tcti_new(p, PROXY_TPMRUN);
    fault_rule cut = rule(FAULT_TRUNCATE, 1, 1), junk = rule(FAULT_GARBAGE, 1, 1), gone = rule(FAULT_DROP, 1, 1);
    cut.keep = 6;
    const fault_rule *each[][1] = { { &cut }, { &junk }, { &gone } };
    const TSS2_RC want[] = { TSS2_TCTI_RC_IO_ERROR, TSS2_RC_SUCCESS, TSS2_TCTI_RC_IO_ERROR };
    for (int i = 0; i < 3; i++) {
        proxy_set_faults(p, each[i], 1);
        size_t k = sizeof r;
        Tss2_Tcti_Transmit(own, len, c);
        TSS2_RC rc = Tss2_Tcti_Receive(own, &k, r, -1);
        CHECK(rc == want[i], "fault %d: rc 0x%x", i, rc);
        CHECK(proxy_take_broken(p, PROXY_TPMRUN), "fault %d broke the connection", i);
        recs = proxy_take(p, &n);
        CHECK(n == 1 && !recs[0].answered && recs[0].fault, "fault %d recorded", i);
        proxy_records_free(recs, n);
    }
    CHECK(be32(r + 2) == 28 && r[0] == 0xDE, "garbage has a size that fits");
    proxy_tcti_free(own);
    proxy_set_faults(p, NULL, 0);
}

static void test_locality(proxy *p, fake_tpm *f)
{
    int tool = proxy_client(p, "tool", 100);
    TSS2_RC rc = 0;
    CHECK(proxy_set_locality(p, 3, &rc) && f->locality == 3, "the step's locality, at once");
    proxy_client_locality(p, tool, 1);
    send_cc(p, tool, TPM2_CC_GetRandom, 0, NULL);
    CHECK(f->locality == 3, "the step's locality wins");
    CHECK(!proxy_set_locality(p, 4, &rc) && rc == TSS2_TCTI_RC_NOT_IMPLEMENTED, "a TCTI that cannot");
    proxy_set_locality(p, -1, NULL);
    send_cc(p, tool, TPM2_CC_GetRandom, 0, NULL);
    CHECK(f->locality == 1, "the client's own (%d)", f->locality);
    int calls = f->locality_calls;
    send_cc(p, PROXY_TPMRUN, TPM2_CC_GetRandom, 0, NULL);
    send_cc(p, PROXY_TPMRUN, TPM2_CC_GetRandom, 0, NULL);
    CHECK(f->locality == 0 && f->locality_calls == calls + 1, "back to 0, set once");
    take_and_free(p);
}

int main(void)
{
    fake_tpm *f = fake_new();
    proxy *p = proxy_new((TSS2_TCTI_CONTEXT *)f, true);
    CHECK(p != NULL, "proxy_new");
    if (!p)
        return unit_report();
    test_records_and_own_tcti(p, f);
    test_clients(p);
    test_handles(p, f);
    test_faults(p, f);
    test_locality(p, f);
    proxy_free(p);
    free(f);
    return unit_report();
}
