/* Unit test of engine/run/ (swtpm, proxy, tcti, tpm_info): private swtpm, the proxy in process, TPM facts.
 * Needs swtpm on PATH.  Prints "N passed, M failed" last; exit 1 on failure. */
#include "unit.h"
#include "run/proxy.h"
#include "run/proxy_tcti.h"
#include "run/swtpm.h"
#include "run/tcti.h"
#include "run/tpm_info.h"
#include "tpm/tpm_cc.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_sock(const char *dir, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, name) < 0)
        return false;
    struct stat st;
    bool ok = stat(p, &st) == 0 && S_ISSOCK(st.st_mode);
    free(p);
    return ok;
}

static bool gone(pid_t pid)
{
    return kill(pid, 0) == -1 && errno == ESRCH;
}

static int rm_cb(const char *p, const struct stat *s, int t, struct FTW *f)
{
    (void)s; (void)t; (void)f;
    remove(p);
    return 0;
}

/* No tpmrun-XXXXXX left in `dir`. */
static bool dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool empty = true;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, "tpmrun-", 7) == 0)
            empty = false;
    closedir(d);
    return empty;
}

static void check_counts(ESYS_CONTEXT *esys, unsigned et, unsigned el, unsigned es,
                         const char *when)
{
    unsigned t = 99, l = 99, s = 99;
    TSS2_RC rc = tpm_info_handle_counts(esys, &t, &l, &s);
    CHECK(rc == TSS2_RC_SUCCESS, "%s: tpm_info_handle_counts rc 0x%x", when, rc);
    CHECK(t == et && l == el && s == es,
          "%s: transient/loaded/saved = %u/%u/%u, want %u/%u/%u", when, t, l, s, et, el, es);
}

/* ---- a full run against a private swtpm ------------------------------- */
static void test_swtpm_session(void)
{
    diag err = { 0 };
    swtpm *t = swtpm_start(&err);
    CHECK(t != NULL, "swtpm_start: %s", diag_text(&err));
    diag_clear(&err);
    if (!t)
        return;
    printf("swtpm pid %d dir %s tcti %s start %.1f ms\n", (int)t->pid, t->dir, t->tcti,
           t->startup_ms);
    pid_t pid = t->pid;
    char *dir = strdup(t->dir);

    struct stat st;
    CHECK(stat(t->dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700,
          "private directory %s mode 0%o", t->dir, (unsigned)(st.st_mode & 0777));
    const char *base = strrchr(t->dir, '/');
    CHECK(base && strncmp(base + 1, "tpmrun-", 7) == 0 && strlen(base + 1) == 13,
          "directory name %s", t->dir);
    CHECK(is_sock(t->dir, "tpm.sock"), "data socket");
    CHECK(is_sock(t->dir, "tpm.sock.ctrl"), "ctrl socket");
    CHECK(pid > 0 && kill(pid, 0) == 0, "swtpm process alive");
    CHECK(t->startup_ms > 0 && t->startup_ms < 5000, "startup_ms %.2f", t->startup_ms);
    char *want_tcti = NULL;
    CHECK(asprintf(&want_tcti, "swtpm:path=%s/tpm.sock", t->dir) > 0 &&
          strcmp(t->tcti, want_tcti) == 0, "tcti %s", t->tcti);
    free(want_tcti);

    TSS2_TCTI_CONTEXT *inner = NULL;
    TSS2_RC rc = tcti_open(t->tcti, &inner);
    CHECK(rc == TSS2_RC_SUCCESS && inner, "tcti_open rc 0x%x", rc);
    proxy *rec = inner ? proxy_new(inner, true) : NULL;
    CHECK(!inner || rec, "proxy_new");
    TSS2_TCTI_CONTEXT *own = rec ? proxy_tcti_new(rec, PROXY_TPMRUN) : NULL;
    ESYS_CONTEXT *esys = NULL;
    if (own) {
        rc = Esys_Initialize(&esys, own, NULL);
        CHECK(rc == TSS2_RC_SUCCESS && esys, "Esys_Initialize rc 0x%x", rc);
    }
    if (esys) {
        size_t n = 0;
        proxy_record *recs = proxy_take(rec, &n);
        CHECK(n == 0, "Esys_Initialize sent %zu commands", n);
        proxy_records_free(recs, n);

        rc = Esys_Startup(esys, TPM2_SU_CLEAR);
        CHECK(rc == TSS2_RC_SUCCESS, "Startup rc 0x%x", rc);
        TPM2B_DIGEST *rnd = NULL;
        rc = Esys_GetRandom(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, 8, &rnd);
        CHECK(rc == TSS2_RC_SUCCESS && rnd && rnd->size == 8, "GetRandom rc 0x%x", rc);
        Esys_Free(rnd);

        recs = proxy_take(rec, &n);
        CHECK(n == 2, "recorded %zu commands, want 2", n);
        const uint32_t want[2] = { TPM2_CC_Startup, TPM2_CC_GetRandom };
        for (size_t i = 0; i < n && i < 2; i++) {
            proxy_record *c = &recs[i];
            CHECK(!strcmp(c->client, "tpmrun") && c->pid == 0 && c->answered && !c->fault, "record %zu client", i);
            printf("  %-10s cc 0x%03x rc 0x%x cmd %zu B rsp %zu B %.3f ms\n",
                   tpm_cc_name(c->command_code) ? tpm_cc_name(c->command_code) : "?",
                   c->command_code, c->response_code, c->command_size, c->response_size,
                   c->tpm_ms);
            CHECK(c->command_code == want[i], "record %zu cc 0x%x", i, c->command_code);
            CHECK(c->response_code == 0, "record %zu rc 0x%x", i, c->response_code);
            CHECK(c->command && c->command_size >= 10 &&
                  be32(c->command + 2) == c->command_size, "record %zu command size", i);
            CHECK(c->response && c->response_size >= 10 &&
                  be32(c->response + 2) == c->response_size, "record %zu response size", i);
            CHECK(c->command && be32(c->command + 6) == c->command_code, "record %zu bytes", i);
            CHECK(c->tpm_ms > 0, "record %zu tpm_ms %f", i, c->tpm_ms);
        }
        proxy_records_free(recs, n);
        recs = proxy_take(rec, &n);
        CHECK(n == 0 && recs == NULL, "take resets (n=%zu)", n);

        TSS2_RC irc = 1;
        json_t *id = tpm_info_identity(esys, &irc);
        CHECK(id != NULL && irc == TSS2_RC_SUCCESS, "tpm_info_identity rc 0x%x", irc);
        if (id) {
            char *s = json_dumps(id, JSON_COMPACT | JSON_SORT_KEYS);
            printf("identity %s\n", s ? s : "?");
            free(s);
            const char *m = json_string_value(json_object_get(id, "manufacturer"));
            CHECK(m && strcmp(m, "IBM") == 0, "manufacturer '%s'", m ? m : "(null)");
            json_t *spec = json_object_get(id, "spec");
            const char *fam = json_string_value(json_object_get(spec, "family"));
            CHECK(fam && strcmp(fam, "2.0") == 0, "family '%s'", fam ? fam : "(null)");
            const char *rev = json_string_value(json_object_get(spec, "revision"));
            CHECK(rev && strlen(rev) == 4 && rev[1] == '.', "revision '%s'", rev ? rev : "");
            CHECK(json_is_integer(json_object_get(spec, "level")), "level");
            const char *v = json_string_value(json_object_get(id, "vendor"));
            CHECK(v && *v && v[0] != ' ' && v[strlen(v) - 1] != ' ', "vendor '%s'", v ? v : "");
            const char *fw = json_string_value(json_object_get(id, "firmware"));
            CHECK(fw && strlen(fw) == 21 && strncmp(fw, "0x", 2) == 0, "firmware '%s'",
                  fw ? fw : "");
            json_decref(id);
        }

        check_counts(esys, 0, 0, 0, "fresh");

        /* ECC P-256 storage primary under the owner hierarchy */
        TPM2B_SENSITIVE_CREATE in_sens;
        memset(&in_sens, 0, sizeof in_sens);
        TPM2B_PUBLIC in_pub;
        memset(&in_pub, 0, sizeof in_pub);
        in_pub.publicArea.type = TPM2_ALG_ECC;
        in_pub.publicArea.nameAlg = TPM2_ALG_SHA256;
        in_pub.publicArea.objectAttributes =
            TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
            TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
        TPMS_ECC_PARMS *ep = &in_pub.publicArea.parameters.eccDetail;
        ep->symmetric.algorithm = TPM2_ALG_AES;
        ep->symmetric.keyBits.aes = 128;
        ep->symmetric.mode.aes = TPM2_ALG_CFB;
        ep->scheme.scheme = TPM2_ALG_NULL;
        ep->curveID = TPM2_ECC_NIST_P256;
        ep->kdf.scheme = TPM2_ALG_NULL;
        TPM2B_DATA outside;
        memset(&outside, 0, sizeof outside);
        TPML_PCR_SELECTION pcrs;
        memset(&pcrs, 0, sizeof pcrs);
        ESYS_TR primary = ESYS_TR_NONE;
        TPM2B_PUBLIC *out_pub = NULL;
        TPM2B_CREATION_DATA *cdata = NULL;
        TPM2B_DIGEST *chash = NULL;
        TPMT_TK_CREATION *ticket = NULL;
        double t0 = now_ms();
        rc = Esys_CreatePrimary(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                ESYS_TR_NONE, &in_sens, &in_pub, &outside, &pcrs, &primary,
                                &out_pub, &cdata, &chash, &ticket);
        CHECK(rc == TSS2_RC_SUCCESS, "CreatePrimary rc 0x%x", rc);
        printf("CreatePrimary ecc256: %.1f ms\n", now_ms() - t0);
        Esys_Free(out_pub);
        Esys_Free(cdata);
        Esys_Free(chash);
        Esys_Free(ticket);
        check_counts(esys, rc == TSS2_RC_SUCCESS ? 1 : 0, 0, 0, "after CreatePrimary");

        /* sessions: loaded (0x02 query, HMAC and policy) vs saved (0x03 query) */
        TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
        ESYS_TR hmac = ESYS_TR_NONE, policy = ESYS_TR_NONE;
        rc = Esys_StartAuthSession(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                   ESYS_TR_NONE, NULL, TPM2_SE_HMAC, &sym, TPM2_ALG_SHA256,
                                   &hmac);
        CHECK(rc == TSS2_RC_SUCCESS, "StartAuthSession(hmac) rc 0x%x", rc);
        rc = Esys_StartAuthSession(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                   ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &sym, TPM2_ALG_SHA256,
                                   &policy);
        CHECK(rc == TSS2_RC_SUCCESS, "StartAuthSession(policy) rc 0x%x", rc);
        check_counts(esys, 1, 2, 0, "two sessions");
        TPMS_CONTEXT *ctx = NULL;
        rc = Esys_ContextSave(esys, hmac, &ctx);
        CHECK(rc == TSS2_RC_SUCCESS, "ContextSave rc 0x%x", rc);
        check_counts(esys, 1, 1, 1, "one session saved");
        if (ctx) {
            rc = Esys_ContextLoad(esys, ctx, &hmac);
            CHECK(rc == TSS2_RC_SUCCESS, "ContextLoad rc 0x%x", rc);
            Esys_Free(ctx);
        }
        check_counts(esys, 1, 2, 0, "session loaded again");
        CHECK(Esys_FlushContext(esys, hmac) == TSS2_RC_SUCCESS, "flush hmac");
        CHECK(Esys_FlushContext(esys, policy) == TSS2_RC_SUCCESS, "flush policy");

        rc = Esys_FlushContext(esys, primary);
        CHECK(rc == TSS2_RC_SUCCESS, "FlushContext rc 0x%x", rc);
        check_counts(esys, 0, 0, 0, "after flush");

        recs = proxy_take(rec, &n);
        size_t unnamed = 0;
        for (size_t i = 0; i < n; i++)
            if (!tpm_cc_name(recs[i].command_code))
                unnamed++;
        CHECK(n > 10 && unnamed == 0, "%zu later commands, %zu without a name", n, unnamed);
        proxy_records_free(recs, n);

        Esys_Finalize(&esys);
    }
    proxy_tcti_free(own);
    proxy_free(rec);
    tcti_close(&inner);

    /* tcti_open/tcti_close on their own */
    TSS2_TCTI_CONTEXT *plain = NULL;
    rc = tcti_open(t->tcti, &plain);
    CHECK(rc == TSS2_RC_SUCCESS && plain, "second tcti_open rc 0x%x", rc);
    tcti_close(&plain);
    CHECK(plain == NULL, "tcti_close clears the pointer");
    tcti_close(&plain);     /* no-op */

    swtpm_stop(t);
    CHECK(!is_dir(dir), "directory %s removed", dir);
    CHECK(gone(pid), "swtpm pid %d gone", (int)pid);
    free(dir);
}

static void test_names(void)
{
    CHECK(tpm_cc_name(TPM2_CC_CreatePrimary) && !strcmp(tpm_cc_name(TPM2_CC_CreatePrimary),
                                                        "CreatePrimary"), "CreatePrimary");
    CHECK(tpm_cc_name(TPM2_CC_Sign) && !strcmp(tpm_cc_name(TPM2_CC_Sign), "Sign"), "Sign");
    CHECK(tpm_cc_name(TPM2_CC_NV_UndefineSpaceSpecial) &&
          !strcmp(tpm_cc_name(TPM2_CC_NV_UndefineSpaceSpecial), "NV_UndefineSpaceSpecial"), "first");
    CHECK(tpm_cc_name(TPM2_CC_ACT_SetTimeout) &&
          !strcmp(tpm_cc_name(TPM2_CC_ACT_SetTimeout), "ACT_SetTimeout"), "last");
    CHECK(tpm_cc_name(0x15a) == NULL && tpm_cc_name(0) == NULL, "unknown -> NULL");
    size_t named = 0;
    for (uint32_t cc = TPM2_CC_FIRST; cc <= TPM2_CC_LAST; cc++)
        named += tpm_cc_name(cc) != NULL;
    CHECK(named >= 110, "%zu named command codes in FIRST..LAST", named);
}

static void test_kill_now(void)
{
    diag err = { 0 };
    swtpm *t = swtpm_start(&err);
    CHECK(t != NULL, "swtpm_start: %s", diag_text(&err));
    diag_clear(&err);
    if (!t)
        return;
    pid_t pid = t->pid;
    char *dir = strdup(t->dir);
    swtpm_kill_now(t);
    double t0 = now_ms();
    swtpm_stop(t);
    CHECK(now_ms() - t0 < 1000, "stop after kill_now is quick (%.0f ms)", now_ms() - t0);
    CHECK(gone(pid) && !is_dir(dir), "killed swtpm reaped and cleaned");
    free(dir);
    swtpm_stop(NULL);
    swtpm_kill_now(NULL);
}

static void test_failures(void)
{
    char *old_tmp = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
    char *old_path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    char scratch[] = "/tmp/tpmrun-test-XXXXXX";
    CHECK(mkdtemp(scratch) != NULL, "scratch dir");
    diag err = { 0 };

    /* TMPDIR that does not exist */
    char *missing = NULL;
    CHECK(asprintf(&missing, "%s/missing", scratch) > 0, "asprintf");
    setenv("TMPDIR", missing, 1);
    diag_clear(&err);
    swtpm *t = swtpm_start(&err);
    CHECK(t == NULL && strstr(diag_text(&err), "mkdtemp"), "missing TMPDIR: '%s'", diag_text(&err));
    swtpm_stop(t);
    free(missing);

    /* swtpm not on PATH: error, and nothing left in TMPDIR */
    setenv("TMPDIR", scratch, 1);
    setenv("PATH", "/nonexistent", 1);
    diag_clear(&err);
    t = swtpm_start(&err);
    CHECK(t == NULL && strstr(diag_text(&err), "cannot run swtpm"), "no swtpm: '%s'", diag_text(&err));
    swtpm_stop(t);
    CHECK(dir_is_empty(scratch), "nothing left behind in %s", scratch);
    if (old_path)
        setenv("PATH", old_path, 1);

    /* socket path too long for sun_path */
    char *longdir = NULL;
    CHECK(asprintf(&longdir, "%s/%0100d", scratch, 0) > 0, "asprintf");
    CHECK(mkdir(longdir, 0700) == 0, "mkdir long");
    setenv("TMPDIR", longdir, 1);
    diag_clear(&err);
    t = swtpm_start(&err);
    CHECK(t == NULL && strstr(diag_text(&err), "too long"), "long path: '%s'", diag_text(&err));
    swtpm_stop(t);
    CHECK(dir_is_empty(longdir), "nothing left behind in the long dir");
    free(longdir);

    /* an swtpm that exits early: a state directory it cannot use.  Point the
     * "swtpm" on PATH at a script that fails after logging. */
    char *bindir = NULL, *fake = NULL;
    CHECK(asprintf(&bindir, "%s/bin", scratch) > 0 && asprintf(&fake, "%s/swtpm", bindir) > 0,
          "asprintf");
    CHECK(mkdir(bindir, 0700) == 0, "mkdir bin");
    FILE *fp = fopen(fake, "w");
    if (fp) {
        fputs("#!/bin/sh\n"
              "for a; do case $a in file=*) f=${a#file=}; f=${f%%,*};; esac; done\n"
              "echo 'first line' > \"$f\"; echo 'swtpm: boom' >> \"$f\"; exit 3\n", fp);
        fclose(fp);
        chmod(fake, 0755);
    }
    char *newpath = NULL;
    CHECK(asprintf(&newpath, "%s:%s", bindir, old_path ? old_path : "/usr/bin:/bin") > 0, "p");
    setenv("PATH", newpath, 1);
    setenv("TMPDIR", scratch, 1);
    diag_clear(&err);
    t = swtpm_start(&err);
    CHECK(t == NULL && strstr(diag_text(&err), "status 3") && strstr(diag_text(&err), "swtpm: boom"),
          "early exit: '%s'", diag_text(&err));
    printf("early exit reported as: %s\n", diag_text(&err));
    diag_clear(&err);
    swtpm_stop(t);
    if (old_path)
        setenv("PATH", old_path, 1);
    remove(fake);
    rmdir(bindir);
    CHECK(dir_is_empty(scratch), "nothing left behind after early exit");
    free(newpath);
    free(fake);
    free(bindir);

    if (old_tmp)
        setenv("TMPDIR", old_tmp, 1);
    else
        unsetenv("TMPDIR");
    nftw(scratch, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
    free(old_tmp);
    free(old_path);
}

static void bench_start(int rounds)
{
    double sum_start = 0, sum_total = 0, max_start = 0;
    int ok = 0;
    for (int i = 0; i < rounds; i++) {
        diag err = { 0 };
        double t0 = now_ms();
        swtpm *t = swtpm_start(&err);
        if (!t) {
            CHECK(t != NULL, "bench start %d: %s", i, diag_text(&err));
            diag_clear(&err);
            continue;
        }
        double s = t->startup_ms;
        swtpm_stop(t);
        sum_total += now_ms() - t0;
        sum_start += s;
        if (s > max_start)
            max_start = s;
        ok++;
    }
    if (ok)
        printf("swtpm startup over %d starts: avg %.1f ms (max %.1f ms); start+stop avg %.1f ms\n",
               ok, sum_start / ok, max_start, sum_total / ok);
}

int main(void)
{
    test_names();
    test_swtpm_session();
    test_kill_now();
    test_failures();
    bench_start(10);
    return unit_report();
}
