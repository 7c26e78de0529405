/* cmd_diff: the diff subcommand's command line. */
#include "report/cmd_diff.h"
#include "report/diff.h"
#include "report/results_read.h"
#include "report/termtext.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_IGNORE 64

static const char usage_text[] =
    "usage: tpmrun diff [options] OLD NEW\n"
    "Compares two runs of the same scenarios: OLD and NEW are results directories\n"
    "or result files (tpmrun --results).  Per scenario: status changes, response code\n"
    "changes per step, output changes (leaving out outputs that differ on every run:\n"
    "random bytes, keys, names, nonces, signatures, tickets, times, program output);\n"
    "then the median TPM time per command code.\n"
    "\n"
    "  --slower PCT    a command code whose median TPM time is more than PCT percent\n"
    "                  up is a regression (default 20%)\n"
    "  --min-ms MS     ... if it is also at least MS milliseconds up (default 0.5)\n"
    "  --min-count N   ... and each side sent it at least N times (default 5; more\n"
    "                  samples: run with --repeat)\n"
    "  --ignore PAT    leave out outputs named PAT too (a shell glob; STEP:NAME for one\n"
    "                  step type, e.g. 'esapi.hmac:digest'); repeatable\n"
    "  -h, --help      this text\n"
    "\n"
    "Exit status: 0 nothing regressed, 1 something regressed (a status got worse, a\n"
    "response code changed, a command got slower), 2 usage error or unreadable results.\n";

static bool parse_number(const char *s, double *out, bool percent)
{
    char *end;
    double v = strtod(s, &end);
    if (percent && *end == '%')
        end++;
    if (end == s || *end || !isfinite(v) || v < 0)
        return false;
    *out = percent ? v / 100 : v;
    return true;
}

static int read_side(const char *path, results_list *l)
{
    diag d = { 0 };
    bool ok = results_read_path(path, l, &d);
    if (!ok)
        termtext_printf(stderr, "tpmrun diff: %s\n", diag_failed(&d) ? diag_text(&d) : "out of memory");
    diag_clear(&d);
    return ok;
}

int cmd_diff_main(int argc, char **argv)
{
    enum { O_SLOWER = 256, O_MIN_MS, O_MIN_COUNT, O_IGNORE };
    static const struct option longopts[] = {
        { "slower", required_argument, 0, O_SLOWER }, { "min-ms", required_argument, 0, O_MIN_MS },
        { "ignore", required_argument, 0, O_IGNORE }, { "min-count", required_argument, 0, O_MIN_COUNT },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    char *ignore[MAX_IGNORE];
    diff_opts o = { .slower = 0.2, .min_ms = 0.5, .min_count = 5, .ignore = ignore };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case O_SLOWER:
            if (!parse_number(optarg, &o.slower, true)) {
                termtext_printf(stderr, "tpmrun diff: --slower expects a percentage such as 20%%, not '%s'\n", optarg);
                return 2;
            }
            break;
        case O_MIN_MS:
            if (!parse_number(optarg, &o.min_ms, false)) {
                termtext_printf(stderr, "tpmrun diff: --min-ms expects milliseconds, not '%s'\n", optarg);
                return 2;
            }
            break;
        case O_MIN_COUNT: {
            double v;
            if (!parse_number(optarg, &v, false) || v != (double)(size_t)v || v > 1e9) {
                termtext_printf(stderr, "tpmrun diff: --min-count expects a whole number, not '%s'\n", optarg);
                return 2;
            }
            o.min_count = (size_t)v;
            break;
        }
        case O_IGNORE:
            if (o.n_ignore == MAX_IGNORE) {
                fprintf(stderr, "tpmrun diff: at most %d --ignore patterns\n", MAX_IGNORE);
                return 2;
            }
            ignore[o.n_ignore++] = optarg;
            break;
        case 'h': fputs(usage_text, stdout); return 0;
        default: fputs("Try 'tpmrun diff --help'.\n", stderr); return 2;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "tpmrun diff: expects two results directories or files (OLD NEW), not %d\n"
                        "Try 'tpmrun diff --help'.\n", argc - optind);
        return 2;
    }
    results_list old = { 0 }, new_ = { 0 };
    int status = 2;
    if (read_side(argv[optind], &old) && read_side(argv[optind + 1], &new_)) {
        diff_counts dc = diff_print(stdout, old.runs, old.n, new_.runs, new_.n, &o);
        status = dc.status + dc.rc + dc.slower ? 1 : 0;
    }
    results_read_free(&old);
    results_read_free(&new_);
    return status;
}
