/* tpmrun: the command line.  It wires the layers together: the step
 * families (steps/) into the registry, scenario files through the loader
 * (load/) into jobs that run them (run/), and results into reports (report/). */
#include "base/confine.h"
#include "base/jsonx.h"
#include "base/status.h"
#include "load/registry.h"
#include "load/scenario.h"
#include "load/scenario_files.h"
#include "load/untrusted.h"
#include "load/schema.h"
#include "report/console.h"
#include "report/junit.h"
#include "report/results.h"
#include "report/timings.h"
#include "run/jobs.h"
#include "steps/steps.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TPMRUN_VERSION "0.1.0"
#define MAX_TIMEOUT_S  604800      /* a week: more is a typo */

static const char usage_text[] =
    "usage: tpmrun [options] PATH...\n"
    "Runs TPM 2.0 scenario files (YAML or JSON); a directory means every\n"
    "*.yaml, *.yml and *.json below it.\n"
    "\n"
    "  --tcti CONF        run against this TPM (tpm2-tools syntax: swtpm:path=...,\n"
    "                     device:/dev/tpmrm0, mssim:host=...,port=...); default:\n"
    "                     $TPM2TOOLS_TCTI, else $TSS2_TCTI, else a private swtpm\n"
    "                     per scenario\n"
    "  --results DIR      write DIR/<scenario>.json (default: results)\n"
    "  --junit FILE       write a JUnit XML report\n"
    "  -j, --jobs N       run N scenarios at once (private swtpms only)\n"
    "  --timeout SEC      give up on a scenario after SEC seconds (default 300; 0: never)\n"
    "  --check            load and type-check only; no TPM\n"
    "  --untrusted        for scenario files you did not write (a pull request's): no\n"
    "                     exec, no ${env.*}, files only in the scenario's directory\n"
    "                     (reads) and work directory (writes; 16 MiB at most), no\n"
    "                     absolute paths, no symbolic links out\n"
    "  --list-steps [STEP...]  print the step catalogue, or those steps (with -v:\n"
    "                     parameters, outputs)\n"
    "  --schema           print the JSON Schema of scenario files\n"
    "  --show-secrets     do not redact auth values and key material in results\n"
    "  --wire             include command and response bytes in results\n"
    "  --fault SPEC       inject a fault for every client of every scenario's TPM,\n"
    "                     as a faults: entry: 'warning=yielded,every=2',\n"
    "                     'drop,commands=GetRandom,times=1' (repeatable)\n"
    "  --timings          after the run, a table of where the time went (TPM vs engine)\n"
    "  --repeat N         run every scenario N times (for --timings)\n"
    "  -v, --verbose      one line per step\n"
    "  -h, --help         this text\n"
    "  --version          print the version\n"
    "\n"
    "Exit status: 0 all passed, 1 a scenario failed, 2 usage or scenario-file error.\n";

/* What a run keeps: each result goes to its file as it comes, and only
 * what the reports at the end need stays (a long or repeated run would
 * otherwise hold every result, all its steps' data, in memory). */
typedef struct run_report {
    const char *results_dir;
    bool verbose;
    size_t passed, failed, errors;
    json_t **summaries;     /* for JUnit: results_summary of each result */
    size_t n_summaries;
    timings *timings;       /* --timings: sums only */
    scenario **scs;         /* this round's scenarios, and which have reported */
    bool *reported;
    size_t n_scs;
    bool write_failed;
} run_report;

static void keep_summary(run_report *rr, json_t *summary)
{
    json_t **ns = summary ? realloc(rr->summaries, (rr->n_summaries + 1) * sizeof *ns) : NULL;
    if (!ns) {
        json_decref(summary);
        return;
    }
    rr->summaries = ns;
    rr->summaries[rr->n_summaries++] = summary;
}

static void mark_reported(run_report *rr, const scenario *sc)
{
    for (size_t i = 0; i < rr->n_scs; i++)
        if (rr->scs[i] == sc)
            rr->reported[i] = true;
}

/* After an interrupt: the scenarios of the round that did not report
 * (running, or not started) are errors in JUnit, not left out. */
static void add_not_run(run_report *rr)
{
    for (size_t i = 0; i < rr->n_scs; i++) {
        if (rr->reported[i])
            continue;
        json_t *s = json_pack("{s:o,s:o,s:s,s:s,s:f}", "scenario", jsonx_text(rr->scs[i]->id), "file",
                              jsonx_text(rr->scs[i]->file), "status", "error", "message",
                              "not run to its end: tpmrun was interrupted", "duration_ms", 0.0);
        keep_summary(rr, s);
        rr->errors++;
    }
}

static void on_done(void *user, const scenario *sc, json_t *result)
{
    run_report *rr = user;
    if (!result) {
        fprintf(stderr, "tpmrun: out of memory: the result of %s is lost\n", sc->file);
        rr->errors++;
        return;
    }
    mark_reported(rr, sc);
    diag d = { 0 };
    if (!results_write(rr->results_dir, result, &d)) {
        fprintf(stderr, "tpmrun: %s\n", diag_text(&d));
        rr->write_failed = true;
    }
    diag_clear(&d);
    console_result(stdout, result, rr->verbose);
    fflush(stdout);
    switch (status_parse(json_string_value(json_object_get(result, "status")))) {
    case STATUS_PASSED: rr->passed++; break;
    case STATUS_FAILED: rr->failed++; break;
    case STATUS_ERROR: rr->errors++; break;
    }
    keep_summary(rr, results_summary(result));
    timings_add(rr->timings, result);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What the command line asks for. */
typedef struct options {
    const char *tcti, *results_dir, *junit;
    bool check, list, schema, verbose, secrets, wire, timings, untrusted;
    long jobs, repeat;
    double timeout;
    fault_list faults;      /* --fault */
    char **paths;           /* the files and directories given */
    int n_paths;
} options;

/* -1 to go on, else the exit status (--help, --version, a usage error). */
static int read_options(int argc, char **argv, options *o)
{
    enum { O_TCTI = 256, O_RESULTS, O_JUNIT, O_CHECK, O_LIST, O_SCHEMA, O_SECRETS, O_WIRE, O_VERSION, O_TIMEOUT,
           O_TIMINGS, O_REPEAT, O_FAULT, O_UNTRUSTED };
    static const struct option longopts[] = {
        { "tcti", required_argument, 0, O_TCTI },     { "results", required_argument, 0, O_RESULTS },
        { "junit", required_argument, 0, O_JUNIT },   { "jobs", required_argument, 0, 'j' },
        { "check", no_argument, 0, O_CHECK },         { "list-steps", no_argument, 0, O_LIST },
        { "schema", no_argument, 0, O_SCHEMA },       { "show-secrets", no_argument, 0, O_SECRETS },
        { "wire", no_argument, 0, O_WIRE },           { "verbose", no_argument, 0, 'v' },
        { "help", no_argument, 0, 'h' },              { "version", no_argument, 0, O_VERSION },
        { "timeout", required_argument, 0, O_TIMEOUT }, { "timings", no_argument, 0, O_TIMINGS },
        { "repeat", required_argument, 0, O_REPEAT },   { "fault", required_argument, 0, O_FAULT },
        { "untrusted", no_argument, 0, O_UNTRUSTED },
        { 0, 0, 0, 0 },
    };
    *o = (options){ .results_dir = "results", .jobs = 1, .repeat = 1, .timeout = 300 };
    int c;
    while ((c = getopt_long(argc, argv, "j:vh", longopts, NULL)) != -1) {
        char *end;
        switch (c) {
        case O_TCTI: o->tcti = optarg; break;
        case O_RESULTS: o->results_dir = optarg; break;
        case O_JUNIT: o->junit = optarg; break;
        case 'j':
            errno = 0;
            o->jobs = strtol(optarg, &end, 10);
            if (*end || errno || o->jobs < 1 || o->jobs > 256) {
                fprintf(stderr, "tpmrun: -j expects a number from 1 to 256, not '%s'\n", optarg);
                return 2;
            }
            break;
        case O_TIMEOUT:
            /* nan compares false with everything, inf is "never": both refused */
            o->timeout = strtod(optarg, &end);
            if (end == optarg || *end || !isfinite(o->timeout) || o->timeout < 0 || o->timeout > MAX_TIMEOUT_S) {
                fprintf(stderr, "tpmrun: --timeout expects seconds from 0 (none) to %d, not '%s'\n", MAX_TIMEOUT_S,
                        optarg);
                return 2;
            }
            break;
        case O_TIMINGS: o->timings = true; break;
        case O_REPEAT:
            errno = 0;
            o->repeat = strtol(optarg, &end, 10);
            if (*end || errno || o->repeat < 1 || o->repeat > 1000) {
                fprintf(stderr, "tpmrun: --repeat expects a number from 1 to 1000, not '%s'\n", optarg);
                return 2;
            }
            break;
        case O_CHECK: o->check = true; break;
        case O_LIST: o->list = true; break;
        case O_SCHEMA: o->schema = true; break;
        case O_SECRETS: o->secrets = true; break;
        case O_WIRE: o->wire = true; break;
        case O_UNTRUSTED: o->untrusted = true; break;
        case O_FAULT: {
            diag d = { 0 };
            bool ok = faults_parse_option(optarg, "--fault", &o->faults, &d);
            if (!ok)
                fprintf(stderr, "tpmrun: --fault '%s': %s\n", optarg, diag_failed(&d) ? d.msg : "out of memory");
            diag_clear(&d);
            if (!ok)
                return 2;
            break;
        }
        case 'v': o->verbose = true; break;
        case 'h': fputs(usage_text, stdout); return 0;
        case O_VERSION: printf("tpmrun %s\n", TPMRUN_VERSION); return 0;
        default:
            fputs("Try 'tpmrun --help'.\n", stderr);
            return 2;
        }
    }
    o->paths = argv + optind;
    o->n_paths = argc - optind;
    if (!o->tcti) {
        const char *e = getenv("TPM2TOOLS_TCTI");
        if (!e || !*e)
            e = getenv("TSS2_TCTI");
        if (e && *e)
            o->tcti = e;
    }
    return -1;
}

static int parse_options(int argc, char **argv, options *o)
{
    int status = read_options(argc, argv, o);
    if (status >= 0)
        faults_free(&o->faults);
    return status;
}

/* Loads every file; each error is one line on stderr.  Returns how many
 * failed to load (also a scenario id used twice). */
static int load_all(const scenario_files *f, bool untrusted, scenario ***out, size_t *n)
{
    scenario **scs = calloc(f->n + 1, sizeof *scs);
    int bad = 0;
    *n = 0;
    for (size_t i = 0; scs && i < f->n; i++) {
        diag d = { 0 };
        scenario *sc = NULL;
        if (!scenario_load(f->paths[i], &sc, &d) || (untrusted && !untrusted_check(sc, &d))) {
            fprintf(stderr, "%s\n", diag_failed(&d) ? diag_text(&d) : "tpmrun: out of memory");
            diag_clear(&d);
            scenario_free(sc);
            bad++;
            continue;
        }
        for (size_t k = 0; k < *n; k++) {
            if (!strcmp(scs[k]->id, sc->id)) {
                fprintf(stderr, "%s:1:1: error: scenario id '%s' is also used by %s (results would collide)\n",
                        sc->file, sc->id, scs[k]->file);
                bad++;
                break;
            }
        }
        scs[(*n)++] = sc;
    }
    *out = scs;
    return scs ? bad : bad + 1;
}

/* Where the reports go can be written: said before anything runs. */
static bool outputs_writable(const options *o)
{
    diag d = { 0 };
    bool ok = results_check_dir(o->results_dir, true, &d);
    if (ok && o->junit) {
        char *copy = strdup(o->junit);
        ok = copy && results_check_dir(dirname(copy), false, &d);
        free(copy);
    }
    if (!ok)
        fprintf(stderr, "tpmrun: %s\n", diag_failed(&d) ? d.msg : "out of memory");
    diag_clear(&d);
    return ok;
}

/* Runs the scenarios and writes the reports; the exit status. */
static int run_all(const options *o, scenario **scs, size_t n)
{
    if (!outputs_writable(o))
        return 2;
    run_report rr = { .results_dir = o->results_dir, .verbose = o->verbose, .scs = scs, .n_scs = n,
                      .reported = calloc(n ? n : 1, sizeof(bool)), .timings = o->timings ? timings_new() : NULL };
    jobs_opts jo = { .tcti = o->tcti, .jobs = (int)o->jobs, .show_secrets = o->secrets, .wire = o->wire,
                     .untrusted = o->untrusted,
                     .faults = &o->faults, .timeout_s = o->timeout, .done = on_done, .user = &rr };
    if (!rr.reported) {
        fputs("tpmrun: out of memory\n", stderr);
        return 1;
    }
    double t0 = now_s();
    bool complete = true;
    for (long k = 0; k < o->repeat && complete; k++) {
        memset(rr.reported, 0, n * sizeof *rr.reported);
        complete = jobs_run(scs, n, &jo);
        if (!complete)
            add_not_run(&rr);
    }
    double secs = now_s() - t0;
    console_summary(stdout, rr.passed, rr.failed, rr.errors, secs);
    if (o->junit) {
        diag d = { 0 };
        if (!junit_write(o->junit, rr.summaries, rr.n_summaries, secs, &d)) {
            fprintf(stderr, "tpmrun: %s\n", diag_text(&d));
            rr.write_failed = true;
        }
        diag_clear(&d);
    }
    if (o->timings)
        timings_print(stdout, rr.timings);
    for (size_t i = 0; i < rr.n_summaries; i++)
        json_decref(rr.summaries[i]);
    free(rr.summaries);
    free(rr.reported);
    timings_free(rr.timings);
    if (!complete)
        fputs("tpmrun: interrupted; TPMs stopped and work directories removed\n", stderr);
    return !complete ? 130 : (rr.failed || rr.errors || rr.write_failed) ? 1 : 0;
}

/* What the options ask for; the exit status. */
static int run_command(const options *op)
{
    const options o = *op;
    if (o.list)     /* with names: those steps */
        return registry_print_catalogue(stdout, o.verbose, o.paths, (size_t)o.n_paths) ? 0 : 2;
    if (o.schema) {
        char *s = schema_json();
        if (!s)
            return 1;
        fputs(s, stdout);
        free(s);
        return 0;
    }
    if (!o.n_paths) {
        fputs("tpmrun: no scenario files given\n", stderr);
        fputs("Try 'tpmrun --help'.\n", stderr);
        return 2;
    }
    int status;
    scenario_files f = { .no_links = o.untrusted };
    for (int i = 0; i < o.n_paths; i++)
        scenario_files_collect(&f, o.paths[i], o.results_dir);
    for (size_t i = 0; o.verbose && i < f.n_skipped; i++)
        fprintf(stderr, "tpmrun: %s: skipped, not a scenario (JSON without steps, or a results file)\n", f.skipped[i]);
    scenario **scs;
    size_t n;
    confine_reads(o.untrusted);     /* {file:} and the like: in the scenario's directory */
    int bad = load_all(&f, o.untrusted, &scs, &n);
    if (!f.n) {
        fputs("tpmrun: no scenario files found\n", stderr);
        status = 2;
    } else if (bad) {
        status = 2;
    } else if (o.check) {
        printf("%zu scenario%s checked, no errors\n", n, n == 1 ? "" : "s");
        status = 0;
    } else {
        status = run_all(&o, scs, n);
    }
    for (size_t i = 0; i < n; i++)
        scenario_free(scs[i]);
    free(scs);
    scenario_files_free(&f);
    return status;
}

int main(int argc, char **argv)
{
    /* tpm2-tss logs every TPM error to stderr; the results carry them already. */
    setenv("TSS2_LOG", "all+NONE", 0);
    static const step_def *const families[] = {
#define FAMILY(name) steps_##name,
        STEP_FAMILIES(FAMILY)
#undef FAMILY
    };
    registry_set_families(families, sizeof families / sizeof *families);
    options o;
    int status = parse_options(argc, argv, &o);
    if (status >= 0)
        return status;
    status = run_command(&o);
    faults_free(&o.faults);
    return status;
}
