/* cmd_report: the report subcommand's command line. */
#include "report/cmd_report.h"
#include "report/console.h"
#include "report/emit.h"
#include "report/results_read.h"
#include "report/termtext.h"

#include <getopt.h>
#include <stdio.h>

static const char usage_text[] =
    "usage: tpmrun report [options] RESULTS...\n"
    "Builds reports from results directories (their *.json) or result files that\n"
    "tpmrun --results wrote; several (shards run on several machines) make one report.\n"
    "\n"
    "  --html FILE     a self-contained HTML report\n"
    "  --junit FILE    a JUnit XML report\n"
    "  --tap FILE      a TAP version 13 report\n"
    "  -v, --verbose   with none of those: one line per step\n"
    "  -h, --help      this text\n"
    "\n"
    "Without --html, --junit or --tap it prints a line per scenario run and the summary.\n"
    "Exit status: 0 done, 1 a report could not be written, 2 usage error or unreadable results.\n";

int cmd_report_main(int argc, char **argv)
{
    enum { O_HTML = 256, O_JUNIT, O_TAP };
    static const struct option longopts[] = {
        { "html", required_argument, 0, O_HTML }, { "junit", required_argument, 0, O_JUNIT },
        { "tap", required_argument, 0, O_TAP },   { "verbose", no_argument, 0, 'v' },
        { "help", no_argument, 0, 'h' },          { 0, 0, 0, 0 },
    };
    emit_opts eo = { .seconds = -1 };
    bool verbose = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        switch (c) {
        case O_HTML: eo.html = optarg; break;
        case O_JUNIT: eo.junit = optarg; break;
        case O_TAP: eo.tap = optarg; break;
        case 'v': verbose = true; break;
        case 'h': fputs(usage_text, stdout); return 0;
        default: fputs("Try 'tpmrun report --help'.\n", stderr); return 2;
        }
    }
    if (optind == argc) {
        fputs("tpmrun report: no results directories or files given\nTry 'tpmrun report --help'.\n", stderr);
        return 2;
    }
    results_list l = { 0 };
    for (int i = optind; i < argc; i++) {
        diag d = { 0 };
        bool ok = results_read_path(argv[i], &l, &d);
        if (!ok)
            termtext_printf(stderr, "tpmrun report: %s\n", diag_failed(&d) ? diag_text(&d) : "out of memory");
        diag_clear(&d);
        if (!ok) {
            results_read_free(&l);
            return 2;
        }
    }
    console_counts counts = { 0 };
    double ms = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (!eo.html && !eo.junit && !eo.tap)
            console_result(stdout, l.runs[i], &(console_style){ .verbose = verbose });
        console_count(&counts, l.runs[i]);
        ms += json_number_value(json_object_get(l.runs[i], "duration_ms"));
    }
    console_summary(stdout, &counts, ms / 1e3, false);
    bool ok = emit_reports(&eo, l.runs, l.n);
    results_read_free(&l);
    return ok ? 0 : 1;
}
