/* tpmrun: the command line.  It wires the layers together: the step
 * families (steps/) into the registry, scenario files through the loader
 * (load/) into jobs that run them (run/), and results into reports (report/). */
#include "base/confine.h"
#include "base/jsonx.h"
#include "base/status.h"
#include "load/catalogue.h"
#include "load/man_steps.h"
#include "load/registry.h"
#include "load/scenario.h"
#include "load/scenario_files.h"
#include "load/untrusted.h"
#include "load/schema.h"
#include "report/cmd_diff.h"
#include "report/cmd_report.h"
#include "report/console.h"
#include "report/emit.h"
#include "report/live.h"
#include "report/paint.h"
#include "report/results.h"
#include "report/termtext.h"
#include "report/timings.h"
#include "run/jobs.h"
#include "run/select.h"
#include "steps/steps.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TPMRUN_VERSION "0.1.0"
#define MAX_TIMEOUT_S  604800      /* a week: more is a typo */
#ifndef TPMRUN_TSS_VERSION      /* the Makefile passes pkg-config's */
#define TPMRUN_TSS_VERSION "unknown"
#endif

static const char usage_text[] =
    "usage: tpmrun [options] PATH...\n"
    "       tpmrun report [options] RESULTS...   reports from results directories\n"
    "       tpmrun diff [options] OLD NEW        what changed between two runs\n"
    "Runs TPM 2.0 scenario files (YAML or JSON); a directory means every\n"
    "*.yaml, *.yml and *.json below it.  'tpmrun report --help', 'tpmrun diff --help'.\n"
    "\n"
    "  --tcti CONF        run against this TPM (tpm2-tools syntax: swtpm:path=...,\n"
    "                     device:/dev/tpmrm0, mssim:host=...,port=...); default:\n"
    "                     $TPM2TOOLS_TCTI, else $TSS2_TCTI, else a private swtpm\n"
    "                     per scenario\n"
    "  --results DIR      write DIR/<scenario>.json (default: results)\n"
    "  --junit FILE       write a JUnit XML report\n"
    "  --tap FILE         write a TAP version 13 report\n"
    "  --html FILE        write a self-contained HTML report\n"
    "  -j, --jobs N       run N scenarios at once (private swtpms only; default:\n"
    "                     the number of CPUs)\n"
    "  --timeout SEC      give up on a scenario after SEC seconds (default 300; 0: never)\n"
    "  --check            load and type-check only; no TPM\n"
    "  --untrusted        for scenario files you did not write (a pull request's): no\n"
    "                     exec, no ${env.*}, files only in the scenario's directory\n"
    "                     (reads) and work directory (writes; 16 MiB at most), no\n"
    "                     absolute paths, no symbolic links out\n"
    "  --list             print the scenarios that would run (id, file, tags)\n"
    "  -k PATTERN         only scenarios whose id matches (glob, or substring)\n"
    "  --tag TAG, --exclude-tag TAG   only (not) scenarios with this tag\n"
    "  --last-failed      only those that failed in the results directory\n"
    "  -x, --exitfirst    stop after the first scenario that fails (those running\n"
    "                     finish; the rest are reported as not run)\n"
    "  --shard K/N        the K-th of N disjoint parts (for a CI matrix)\n"
    "  --durations DIR    results of an earlier run: balance --shard by time\n"
    "  --var NAME=VALUE   set a scenario var (over vars:, its env: and a matrix\n"
    "                     axis; repeatable)\n"
    "  --list-steps [STEP...]  print the step catalogue, or those steps (with -v:\n"
    "                     parameters, outputs, named templates; with --man: the\n"
    "                     tpmrun-steps(7) manual page, in roff; with --markdown:\n"
    "                     the step reference, docs/steps.md)\n"
    "  --schema           print the JSON Schema of scenario files\n"
    "  --show-secrets     do not redact secrets (auth values, key material, unsealed\n"
    "                     data, and what came from them) in results and messages\n"
    "  --wire             include every command's and response's bytes in results;\n"
    "                     without --show-secrets, auth values (password sessions),\n"
    "                     sensitive areas, new auth values, unsealed and decrypted\n"
    "                     data and shared secrets in them are overwritten with '*'\n"
    "                     (0x2a), sizes kept; encrypted parameters stay as sent\n"
    "  --fault SPEC       inject a fault for every client of every scenario's TPM,\n"
    "                     as a faults: entry: 'warning=yielded,every=2',\n"
    "                     'drop,commands=GetRandom,times=1' (repeatable)\n"
    "  --timings          after the run, a table of where the time went (TPM vs engine)\n"
    "  --repeat N         run every scenario N times; results keep every run, with\n"
    "                     each step's min, median, p95 and max time\n"
    "  -v, --verbose      one line per step (on a terminal: as each step ends)\n"
    "  --color=WHEN       auto (default: on a terminal, unless NO_COLOR is set),\n"
    "                     always or never\n"
    "  -h, --help         this text\n"
    "  --version          print the version\n"
    "\n"
    "Exit status: 0 all passed, 1 a scenario failed, 2 usage or scenario-file error,\n"
    "5 no scenario selected.\n";

/* What a run keeps: each result goes to its file as it comes, and the
 * reports at the end get a view of it without outputs and --wire's bytes
 * (a long or repeated run would otherwise hold every result in memory). */
typedef struct run_report {
    const char *results_dir;
    bool verbose, keep_views;   /* views: only when a report, --timings or --repeat reads them */
    long repeat, round;         /* --repeat N; the run under way (0-based) */
    live console;
    console_counts counts;
    bool exitfirst, stop;       /* -x; set by the first scenario that fails */
    const char *stopped_after;  /* its id */
    size_t n_ran;               /* results[] that ran: after them come those -x left out (no files) */
    bool left_out;              /* -x left some out */
    json_t **results;           /* results_view of each run, as they ended */
    size_t *order;              /* each one's place: round, then the order the scenarios were given */
    size_t n_results;
    scenario **scs;             /* the scenarios; which have reported this round, */
    bool *reported, *failed_once;   /* which have not passed in an earlier round */
    size_t n_scs;
    bool write_failed;
} run_report;

static void keep_view(run_report *rr, json_t *view, size_t at)
{
    json_t **nr = view ? realloc(rr->results, (rr->n_results + 1) * sizeof *nr) : NULL;
    size_t *no = nr ? realloc(rr->order, (rr->n_results + 1) * sizeof *no) : NULL;
    if (nr)
        rr->results = nr;
    if (!no) {
        json_decref(view);
        return;
    }
    rr->order = no;
    rr->order[rr->n_results] = (size_t)rr->round * (rr->n_scs + 1) + at;
    rr->results[rr->n_results++] = view;
}

static int by_order(const void *a, const void *b, void *rr)
{
    const size_t *order = ((const run_report *)rr)->order;
    size_t x = order[*(const size_t *)a], y = order[*(const size_t *)b];
    return x < y ? -1 : x > y;
}

/* The reports list the runs in the order the scenarios were given (with
 * -j they end in any order): the same files from the same run. */
static void sort_views(run_report *rr)
{
    size_t n = rr->n_results;
    if (n < 2)
        return;
    size_t *idx = malloc(n * sizeof *idx);
    json_t **sorted = malloc(n * sizeof *sorted);
    if (idx && sorted) {
        for (size_t i = 0; i < n; i++)
            idx[i] = i;
        qsort_r(idx, n, sizeof *idx, by_order, rr);
        for (size_t i = 0; i < n; i++)
            sorted[i] = rr->results[idx[i]];
        memcpy(rr->results, sorted, n * sizeof *sorted);
    }
    free(idx);
    free(sorted);
}

static size_t scenario_index(const run_report *rr, const scenario *sc)
{
    for (size_t i = 0; i < rr->n_scs; i++)
        if (rr->scs[i] == sc)
            return i;
    return rr->n_scs;
}

/* After an interrupt: the scenarios of the round that did not report
 * (running, or not started) are errors in the reports, not left out.
 * After -x stopped the run: those that did not start are skipped there,
 * "not run" on the console, and have no results file. */
static void add_not_run(run_report *rr, bool interrupted)
{
    char *why = NULL;
    if (!interrupted && asprintf(&why, "not run: --exitfirst stopped the run after %s", rr->stopped_after) < 0)
        why = NULL;     /* out of memory: said shorter */
    if (!interrupted && !rr->left_out) {
        rr->n_ran = rr->n_results;
        rr->left_out = true;
    }
    for (size_t i = 0; i < rr->n_scs; i++) {
        if (rr->reported[i])
            continue;
        json_t *s = json_pack("{s:o,s:o,s:s,s:o,s:f,s:[]}", "scenario", jsonx_text(rr->scs[i]->id), "file",
                              jsonx_text(rr->scs[i]->file), "status", interrupted ? "error" : "skipped", "message",
                              jsonx_text(interrupted ? "not run to its end: tpmrun was interrupted"
                                                     : why ? why : "not run: --exitfirst"),
                              "duration_ms", 0.0, "steps");
        if (s && rr->repeat > 1)
            json_object_set_new(s, "run", json_integer(rr->round + 1));
        if (interrupted)
            console_count(&rr->counts, s);
        else
            rr->counts.not_run++;
        keep_view(rr, s, i);
    }
    free(why);
}

/* A run's result to its file now: always without --repeat; with it, while
 * it is the run the file shows (the first that did not pass, else the
 * last), so the file holds that run whole at the end. */
static void write_result(run_report *rr, size_t at, json_t *result)
{
    if (rr->repeat > 1 && at < rr->n_scs) {
        if (rr->failed_once[at])
            return;
        rr->failed_once[at] = status_parse(json_string_value(json_object_get(result, "status"))) != STATUS_PASSED;
    }
    diag d = { 0 };
    if (!results_write(rr->results_dir, result, &d)) {
        termtext_printf(stderr, "tpmrun: %s\n", diag_text(&d));
        rr->write_failed = true;
    }
    diag_clear(&d);
}

static void on_done(void *user, const scenario *sc, json_t *result)
{
    run_report *rr = user;
    if (!result) {
        termtext_printf(stderr, "tpmrun: out of memory: the result of %s is lost\n", sc->file);
        rr->counts.errors++;
        return;
    }
    size_t at = scenario_index(rr, sc);
    if (at < rr->n_scs)
        rr->reported[at] = true;
    json_object_set_new(result, "versions",
                        json_pack("{s:s, s:s}", "tpmrun", TPMRUN_VERSION, "tpm2-tss", TPMRUN_TSS_VERSION));
    if (rr->repeat > 1)
        json_object_set_new(result, "run", json_integer(rr->round + 1));
    write_result(rr, at, result);
    live_result(&rr->console, result);
    size_t bad = rr->counts.failed + rr->counts.errors;
    console_count(&rr->counts, result);
    if (rr->exitfirst && !rr->stop && rr->counts.failed + rr->counts.errors > bad) {
        rr->stopped_after = sc->id;
        rr->stop = true;
    }
    if (rr->keep_views)
        keep_view(rr, results_view(result), at);
}

static void on_started(void *user, const scenario *sc)
{
    run_report *rr = user;
    live_started(&rr->console, sc->id);
}

static void on_step(void *user, const scenario *sc, const json_t *step)
{
    run_report *rr = user;
    live_step(&rr->console, sc->id, step);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Repeatable options' values (pointers into argv). */
typedef struct strlist {
    const char **v;
    size_t n;
} strlist;

static bool strlist_add(strlist *l, const char *s)
{
    const char **v = realloc(l->v, (l->n + 1) * sizeof *v);
    if (!v)
        return false;
    l->v = v;
    l->v[l->n++] = s;
    return true;
}

/* What the command line asks for. */
typedef struct options {
    const char *tcti, *results_dir, *junit, *tap, *html;
    bool check, list, man, markdown, schema, verbose, secrets, wire, timings, untrusted, exitfirst;
    paint_mode color;       /* --color */
    long jobs, repeat;
    double timeout;
    fault_list faults;      /* --fault */
    strlist k, tags, exclude_tags;      /* -k, --tag, --exclude-tag */
    bool last_failed, list_scenarios;
    unsigned shard_k, shard_n;
    const char *durations;
    load_opts vars;         /* --var NAME=VALUE */
    char **paths;           /* the files and directories given */
    int n_paths;
} options;

/* --var NAME=VALUE; false (after saying why) when it is not one. */
static bool add_var(load_opts *v, char *arg)
{
    char *eq = strchr(arg, '=');
    const char *name = arg;
    bool ident = eq && eq != arg && !(*arg >= '0' && *arg <= '9');
    for (const char *c = arg; ident && c < eq; c++)
        ident = *c == '_' || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9');
    if (!ident) {
        fprintf(stderr, "tpmrun: --var expects NAME=VALUE, not '%s'\n", arg);
        return false;
    }
    const char **names = realloc((void *)v->var_names, (v->n_vars + 1) * sizeof *names);
    if (names)
        v->var_names = names;
    const char **values = realloc((void *)v->var_values, (v->n_vars + 1) * sizeof *values);
    if (values)
        v->var_values = values;
    bool *used = realloc(v->var_used, (v->n_vars + 1) * sizeof *used);
    if (used)
        v->var_used = used;
    if (!names || !values || !used)
        return false;
    *eq = 0;    /* argv is ours to cut */
    names[v->n_vars] = name;
    values[v->n_vars] = eq + 1;
    used[v->n_vars++] = false;
    return true;
}

static void free_vars(load_opts *v)
{
    free((void *)v->var_names);
    free((void *)v->var_values);
    free(v->var_used);
}



/* -1 to go on, else the exit status (--help, --version, a usage error). */
static int read_options(int argc, char **argv, options *o)
{
    enum { O_TCTI = 256, O_RESULTS, O_JUNIT, O_CHECK, O_LIST, O_SCHEMA, O_SECRETS, O_WIRE, O_VERSION, O_TIMEOUT,
           O_TIMINGS, O_REPEAT, O_FAULT, O_TAG, O_EXCLUDE_TAG, O_LAST_FAILED, O_SHARD, O_DURATIONS,
           O_LIST_SCENARIOS, O_TAP, O_HTML, O_MAN, O_UNTRUSTED, O_COLOR, O_VAR,
           O_MARKDOWN };
    static const struct option longopts[] = {
        { "tcti", required_argument, 0, O_TCTI },     { "results", required_argument, 0, O_RESULTS },
        { "junit", required_argument, 0, O_JUNIT },   { "jobs", required_argument, 0, 'j' },
        { "check", no_argument, 0, O_CHECK },         { "list-steps", no_argument, 0, O_LIST },
        { "schema", no_argument, 0, O_SCHEMA },       { "show-secrets", no_argument, 0, O_SECRETS },
        { "wire", no_argument, 0, O_WIRE },           { "verbose", no_argument, 0, 'v' },
        { "help", no_argument, 0, 'h' },              { "version", no_argument, 0, O_VERSION },
        { "timeout", required_argument, 0, O_TIMEOUT }, { "timings", no_argument, 0, O_TIMINGS },
        { "repeat", required_argument, 0, O_REPEAT },   { "fault", required_argument, 0, O_FAULT },
        { "tag", required_argument, 0, O_TAG },         { "exclude-tag", required_argument, 0, O_EXCLUDE_TAG },
        { "last-failed", no_argument, 0, O_LAST_FAILED }, { "shard", required_argument, 0, O_SHARD },
        { "durations", required_argument, 0, O_DURATIONS }, { "list", no_argument, 0, O_LIST_SCENARIOS },
        { "tap", required_argument, 0, O_TAP },         { "html", required_argument, 0, O_HTML },
        { "man", no_argument, 0, O_MAN },               { "untrusted", no_argument, 0, O_UNTRUSTED },
        { "exitfirst", no_argument, 0, 'x' },           { "color", required_argument, 0, O_COLOR },
        { "var", required_argument, 0, O_VAR },         { "markdown", no_argument, 0, O_MARKDOWN },
        { 0, 0, 0, 0 },
    };
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    *o = (options){ .results_dir = "results", .jobs = cpus < 1 ? 1 : cpus > 256 ? 256 : cpus, .repeat = 1,
                    .timeout = 300 };
    int c;
    while ((c = getopt_long(argc, argv, "j:k:vhx", longopts, NULL)) != -1) {
        char *end;
        switch (c) {
        case O_TCTI: o->tcti = optarg; break;
        case O_RESULTS: o->results_dir = optarg; break;
        case O_JUNIT: o->junit = optarg; break;
        case O_TAP: o->tap = optarg; break;
        case O_HTML: o->html = optarg; break;
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
        case O_MAN: o->man = true; break;
        case O_MARKDOWN: o->markdown = true; break;
        case O_VAR:
            if (!add_var(&o->vars, optarg))
                return 2;
            break;
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
        case 'k': if (!strlist_add(&o->k, optarg)) return 2; break;
        case O_TAG: if (!strlist_add(&o->tags, optarg)) return 2; break;
        case O_EXCLUDE_TAG: if (!strlist_add(&o->exclude_tags, optarg)) return 2; break;
        case O_LAST_FAILED: o->last_failed = true; break;
        case O_LIST_SCENARIOS: o->list_scenarios = true; break;
        case O_DURATIONS: o->durations = optarg; break;
        case O_SHARD: {
            diag d = { 0 };
            bool ok = select_parse_shard(optarg, &o->shard_k, &o->shard_n, &d);
            if (!ok)
                fprintf(stderr, "tpmrun: %s\n", d.msg ? d.msg : "out of memory");
            diag_clear(&d);
            if (!ok)
                return 2;
            break;
        }
        case 'v': o->verbose = true; break;
        case 'x': o->exitfirst = true; break;
        case O_COLOR:
            if (!paint_parse_mode(optarg, &o->color)) {
                fprintf(stderr, "tpmrun: --color expects auto, always or never, not '%s'\n", optarg);
                return 2;
            }
            break;
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

static void options_free(options *o)
{
    faults_free(&o->faults);
    free(o->k.v);
    free(o->tags.v);
    free(o->exclude_tags.v);
    free_vars(&o->vars);
}

static int parse_options(int argc, char **argv, options *o)
{
    int status = read_options(argc, argv, o);
    if (status >= 0)
        options_free(o);
    return status;
}

/* -k, --tag, --exclude-tag, --last-failed, --shard: the scenarios to run
 * move to the front of scs; how many. */
static size_t select_runs(const options *o, scenario **scs, size_t n)
{
    select_opts so = { .patterns = o->k.v, .n_patterns = o->k.n, .tags = o->tags.v, .n_tags = o->tags.n,
                       .exclude_tags = o->exclude_tags.v, .n_exclude_tags = o->exclude_tags.n,
                       .last_failed = o->last_failed, .results_dir = o->results_dir, .shard_k = o->shard_k,
                       .shard_n = o->shard_n, .durations_dir = o->durations };
    const char *note = NULL;
    size_t k = select_scenarios(scs, n, &so, &note);
    if (note)
        fprintf(stderr, "tpmrun: %s\n", note);
    return k;
}

/* --list: one line per scenario that would run. */
static void list_scenarios(scenario **scs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        printf("%s\t%s\t", scs[i]->id, scs[i]->file);
        for (size_t t = 0; t < scs[i]->n_tags; t++)
            printf("%s%s", t ? "," : "", scs[i]->tags[t]);
        printf("\n");
    }
}


/* A file's load errors, one line each (each line's text escaped). */
static void print_errors(const char *text)
{
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        termtext_printf(stderr, "%.*s\n", (int)n, p);
        p += n + (p[n] == '\n');
    }
}

/* Loads every file; each error is one line on stderr.  Returns how many
 * failed to load (also a scenario id used twice). */
static int load_all(const scenario_files *f, const load_opts *vars, bool untrusted, scenario ***out, size_t *n)
{
    scenario **scs = NULL;
    int bad = 0;
    *n = 0;
    for (size_t i = 0; i < f->n; i++) {
        diag d = { 0 };
        scenario **list = NULL;
        size_t count = 0;
        if (!scenario_load_all(f->paths[i], vars, &list, &count, &d) ||
            (untrusted && count && !untrusted_check(list[0], &d))) {    /* a matrix's scenarios share the file */
            print_errors(diag_failed(&d) ? diag_text(&d) : "tpmrun: out of memory");
            diag_clear(&d);
            for (size_t k = 0; k < count; k++)
                scenario_free(list[k]);
            free(list);
            bad++;
            continue;
        }
        scenario **grown = realloc(scs, (*n + count + 1) * sizeof *scs);
        if (!grown) {
            for (size_t k = 0; k < count; k++)
                scenario_free(list[k]);
            free(list);
            bad++;
            continue;
        }
        scs = grown;
        for (size_t j = 0; j < count; j++) {
            scenario *sc = list[j];
            for (size_t k = 0; k < *n; k++) {
                if (!strcmp(scs[k]->id, sc->id)) {
                    termtext_printf(stderr,
                                    "%s:1:1: error: scenario id '%s' is also used by %s (results would collide)\n",
                                    sc->file, sc->id, scs[k]->file);
                    bad++;
                    break;
                }
            }
            scs[(*n)++] = sc;
        }
        free(list);
    }
    for (size_t i = 0; !bad && i < vars->n_vars; i++)
        if (!vars->var_used[i]) {
            termtext_printf(stderr, "tpmrun: --var %s: no scenario has a var or matrix axis of that name\n",
                            vars->var_names[i]);
            bad++;
        }
    *out = scs;
    return bad;
}

/* Where the results and reports go can be written: said before anything runs. */
static bool outputs_writable(const options *o)
{
    diag d = { 0 };
    bool ok = results_check_dir(o->results_dir, true, &d);
    const char *reports[] = { o->junit, o->tap, o->html };
    for (size_t i = 0; ok && i < sizeof reports / sizeof *reports; i++) {
        struct stat st;
        if (!reports[i] || (stat(reports[i], &st) == 0 && !S_ISREG(st.st_mode)))
            continue;       /* /dev/stdout, a FIFO: written in place */
        char *copy = strdup(reports[i]);
        ok = copy && results_check_dir(dirname(copy), false, &d);
        free(copy);
    }
    if (!ok)
        termtext_printf(stderr, "tpmrun: %s\n", diag_failed(&d) ? diag_text(&d) : "out of memory");
    diag_clear(&d);
    return ok;
}

/* Runs the scenarios and writes the reports; the exit status. */
static int run_all(const options *o, scenario **scs, size_t n)
{
    if (!outputs_writable(o))
        return 2;
    run_report rr = { .results_dir = o->results_dir, .verbose = o->verbose, .repeat = o->repeat,
                      .keep_views = o->junit || o->tap || o->html || o->timings || o->repeat > 1,
                      .scs = scs, .n_scs = n, .reported = calloc(n ? n : 1, sizeof(bool)),
                      .failed_once = calloc(n ? n : 1, sizeof(bool)), .exitfirst = o->exitfirst };
    jobs_opts jo = { .tcti = o->tcti, .jobs = (int)o->jobs, .show_secrets = o->secrets, .wire = o->wire,
                     .untrusted = o->untrusted, .faults = &o->faults, .timeout_s = o->timeout, .done = on_done,
                     .started = on_started, .step_done = on_step, .user = &rr, .stop = &rr.stop };
    console_style style = { .verbose = o->verbose, .color = paint_wanted(o->color, STDOUT_FILENO) };
    live_init(&rr.console, stdout, isatty(STDOUT_FILENO) == 1, &style, n * (size_t)o->repeat);
    if (!rr.reported || !rr.failed_once) {
        free(rr.reported);
        free(rr.failed_once);
        fputs("tpmrun: out of memory\n", stderr);
        return 1;
    }
    double t0 = now_s();
    bool complete = true;
    for (rr.round = 0; rr.round < o->repeat && complete; rr.round++) {
        memset(rr.reported, 0, n * sizeof *rr.reported);
        if (!rr.stop)       /* -x: the rounds after the one that stopped run nothing */
            complete = jobs_run(scs, n, &jo);
        if (!complete || rr.stop)
            add_not_run(&rr, !complete);
    }
    double secs = now_s() - t0;
    if (rr.counts.not_run)
        termtext_printf(stdout, "--exitfirst stopped the run after %s\n", rr.stopped_after);
    console_summary(stdout, &rr.counts, secs, style.color);
    diag d = { 0 };
    size_t with_files = rr.left_out ? rr.n_ran : rr.n_results;
    if (o->repeat > 1 && !results_write_runs(o->results_dir, rr.results, with_files, &d)) {
        termtext_printf(stderr, "tpmrun: %s\n", diag_text(&d));
        rr.write_failed = true;
    }
    diag_clear(&d);
    sort_views(&rr);    /* after the --repeat files: -x's runs that ran come first until then */
    emit_opts eo = { .junit = o->junit, .tap = o->tap, .html = o->html, .seconds = secs };
    if (!emit_reports(&eo, rr.results, rr.n_results))
        rr.write_failed = true;
    if (o->timings)
        timings_print(stdout, rr.results, rr.n_results);
    for (size_t i = 0; i < rr.n_results; i++)
        json_decref(rr.results[i]);
    free(rr.results);
    free(rr.order);
    free(rr.reported);
    free(rr.failed_once);
    if (!complete)
        fputs("tpmrun: interrupted; TPMs stopped and work directories removed\n", stderr);
    return !complete ? 130 : (rr.counts.failed || rr.counts.errors || rr.write_failed) ? 1 : 0;
}

/* What the options ask for; the exit status. */
static int run_command(const options *op)
{
    const options o = *op;
    if (o.man && (!o.list || o.n_paths)) {
        fputs("tpmrun: --man goes with --list-steps alone (the page lists every step)\n", stderr);
        return 2;
    }
    if (o.man) {
        man_steps_write(stdout, TPMRUN_VERSION);
        return 0;
    }
    if (o.list && o.markdown) {
        catalogue_markdown(stdout);
        return 0;
    }
    if (o.list) {   /* with names: those steps; -v: their parameters, and the named templates */
        bool ok = registry_print_catalogue(stdout, o.verbose, o.paths, (size_t)o.n_paths);
        if (ok && o.verbose && !o.n_paths)
            catalogue_templates(stdout);
        return ok ? 0 : 2;
    }
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
        termtext_printf(stderr, "tpmrun: %s: skipped, not a scenario (JSON without steps, or a results file)\n",
                        f.skipped[i]);
    scenario **scs;
    size_t n;
    confine_reads(o.untrusted);     /* {file:} and the like: in the scenario's directory */
    int bad = load_all(&f, &o.vars, o.untrusted, &scs, &n);
    if (!f.n) {
        fputs("tpmrun: no scenario files found\n", stderr);
        status = 2;
    } else if (bad) {
        status = 2;
    } else if (o.check) {
        printf("%zu scenario%s checked, no errors\n", n, n == 1 ? "" : "s");
        status = 0;
    } else {
        size_t chosen = select_runs(&o, scs, n);
        if (o.list_scenarios) {
            list_scenarios(scs, chosen);
            status = 0;
        } else if (!chosen) {
            fprintf(stderr, "tpmrun: no scenario selected (%zu loaded)\n", n);
            status = 5;
        } else {
            status = run_all(&o, scs, chosen);
        }
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
    if (argc > 1 && !strcmp(argv[1], "report"))     /* subcommands, git-style */
        return cmd_report_main(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "diff"))
        return cmd_diff_main(argc - 1, argv + 1);
    options o;
    int status = parse_options(argc, argv, &o);
    if (status >= 0)
        return status;
    status = run_command(&o);
    options_free(&o);
    return status;
}
