/* bench_proxy: what the TPM proxy costs per command.  One private swtpm;
 * 1,000 TPM2_GetRandom(8) each way, in rounds that take turns so that
 * drift in the machine's load hits every way alike:
 *   direct    the swtpm TCTI straight to swtpm (a program without tpmrun)
 *   socket    the swtpm TCTI to the proxy's socket (tpm2-tools, FAPI)
 *   in-proc   tpmrun's own TCTI, in process (every ESAPI step)
 * Prints the median and 90th percentile of each, and the median overhead
 * over direct.  A figure, not a test: `make bench` runs it. */
#include "run/proxy.h"
#include "run/proxy_server.h"
#include "run/proxy_tcti.h"
#include "run/swtpm.h"
#include "run/tcti.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COMMANDS 1000
#define ROUNDS 10

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One GetRandom(8); its round trip in µs, or -1. */
static double get_random(TSS2_TCTI_CONTEXT *t)
{
    static const uint8_t cmd[12] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x7b, 0, 8 };
    uint8_t resp[64];
    size_t n = sizeof resp;
    double t0 = now_us();
    if (Tss2_Tcti_Transmit(t, sizeof cmd, cmd) != TSS2_RC_SUCCESS ||
        Tss2_Tcti_Receive(t, &n, resp, TSS2_TCTI_TIMEOUT_BLOCK) != TSS2_RC_SUCCESS || n != 20)
        return -1;
    return now_us() - t0;
}

static void report(const char *name, double *us, size_t n, double base)
{
    qsort(us, n, sizeof *us, cmp_double);
    double median = us[n / 2], p90 = us[n * 9 / 10];
    printf("  %-8s median %7.1f us   p90 %7.1f us", name, median, p90);
    if (base > 0)
        printf("   overhead %+7.1f us", median - base);
    printf("\n");
}

int main(void)
{
    diag d = { 0 };
    swtpm *tpm = swtpm_start(&d);
    if (!tpm) {
        fprintf(stderr, "bench_proxy: %s\n", diag_text(&d));
        return 1;
    }
    TSS2_TCTI_CONTEXT *direct = NULL, *real = NULL, *via_socket = NULL, *own = NULL;
    proxy *p = NULL;
    proxy_server *srv = NULL;
    char *sock = NULL;
    int status = 1;
    if (tcti_open(tpm->tcti, &direct) != TSS2_RC_SUCCESS || tcti_open(tpm->tcti, &real) != TSS2_RC_SUCCESS ||
        !(p = proxy_new(real, false)) || asprintf(&sock, "%s/proxy.sock", tpm->dir) < 0 ||
        !(srv = proxy_server_start(p, sock, &d)) || tcti_open(proxy_server_tcti(srv), &via_socket) != TSS2_RC_SUCCESS ||
        !(own = proxy_tcti_new(p, PROXY_TPMRUN))) {
        fprintf(stderr, "bench_proxy: cannot set up: %s\n", diag_failed(&d) ? diag_text(&d) : "TCTI");
        goto out;
    }
    /* TPM2_Startup, through the direct TCTI */
    static const uint8_t startup[12] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x44, 0, 0 };
    uint8_t resp[64];
    size_t n = sizeof resp;
    if (Tss2_Tcti_Transmit(direct, sizeof startup, startup) != TSS2_RC_SUCCESS ||
        Tss2_Tcti_Receive(direct, &n, resp, TSS2_TCTI_TIMEOUT_BLOCK) != TSS2_RC_SUCCESS)
        goto out;

    TSS2_TCTI_CONTEXT *ways[3] = { direct, via_socket, own };
    static double us[3][COMMANDS];
    for (int w = 0; w < 3; w++)     /* warm up each way */
        for (int i = 0; i < 20; i++)
            get_random(ways[w]);
    for (int r = 0; r < ROUNDS; r++)
        for (int w = 0; w < 3; w++)
            for (int i = 0; i < COMMANDS / ROUNDS; i++)
                if ((us[w][r * (COMMANDS / ROUNDS) + i] = get_random(ways[w])) < 0) {
                    fprintf(stderr, "bench_proxy: GetRandom failed\n");
                    goto out;
                }
    size_t kept = 0;
    proxy_record *recs = proxy_take(p, &kept);
    proxy_records_free(recs, kept);
    printf("TPM proxy: %d x TPM2_GetRandom(8) each way, one swtpm\n", COMMANDS);
    double base;
    qsort(us[0], COMMANDS, sizeof us[0][0], cmp_double);
    base = us[0][COMMANDS / 2];
    report("direct", us[0], COMMANDS, 0);
    report("socket", us[1], COMMANDS, base);
    report("in-proc", us[2], COMMANDS, base);
    printf("  (%zu commands recorded by the proxy)\n", kept);
    status = 0;
out:
    proxy_tcti_free(own);
    tcti_close(&via_socket);
    proxy_server_stop(srv);
    proxy_free(p);
    tcti_close(&real);
    tcti_close(&direct);
    free(sock);
    swtpm_stop(tpm);
    diag_clear(&d);
    return status;
}
