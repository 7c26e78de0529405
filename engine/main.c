/* tpmrun: the command line.  It wires the layers together: the step
 * families (steps/) into the registry, scenario files through the loader
 * (load/) into jobs that run them (run/), and results into reports (report/). */
#include "base/status.h"
#include "load/catalogue.h"
#include "load/registry.h"
#include "load/scenario.h"
#include "load/schema.h"
#include "report/console.h"
#include "report/junit.h"
#include "report/results.h"
#include "report/timings.h"
#include "run/jobs.h"
#include "steps/steps.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define TPMRUN_VERSION "0.1.0"

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
    "  --timeout SEC      give up on a scenario after SEC seconds (default 300)\n"
    "  --check            load and type-check only; no TPM\n"
    "  --var NAME=VALUE   set a scenario var (over vars:, its env: and a matrix\n"
    "                     axis; repeatable)\n"
    "  --list-steps [STEP...]  print the step catalogue, or those steps (with -v:\n"
    "                     parameters, outputs)\n"
    "  --markdown         with --list-steps: the step reference as Markdown\n"
    "                     (docs/steps.md)\n"
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

typedef struct files {
    char **paths;
    size_t n;
} files;

static bool has_ext(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml") || !strcmp(dot, ".json"));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_file(files *f, const char *path)
{
    char **np = realloc(f->paths, (f->n + 1) * sizeof *np);
    if (!np)
        return;
    f->paths = np;
    f->paths[f->n] = strdup(path);
    if (f->paths[f->n])
        f->n++;
}

/* Directories are walked in name order so runs are reproducible. */
static void collect(files *f, const char *path, bool top)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        if (top || has_ext(path))
            add_file(f, path);  /* a missing file is reported by the loader */
        return;
    }
    DIR *d = opendir(path);
    if (!d)
        return;
    files sub = { 0 };
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *p = NULL;
        if (asprintf(&p, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", e->d_name) >= 0)
            add_file(&sub, p);
        free(p);
    }
    closedir(d);
    if (sub.n)
        qsort(sub.paths, sub.n, sizeof *sub.paths, cmp_str);
    for (size_t i = 0; i < sub.n; i++) {
        collect(f, sub.paths[i], false);
        free(sub.paths[i]);
    }
    free(sub.paths);
}

typedef struct run_report {
    const char *results_dir;
    bool verbose;
    size_t counts[STATUS_COUNT];     /* scenarios by status */
    json_t **results;
    size_t n_results;
    bool write_failed;
} run_report;

static void on_done(void *user, const scenario *sc, json_t *result)
{
    (void)sc;
    run_report *rr = user;
    diag d = { 0 };
    if (!results_write(rr->results_dir, result, &d)) {
        fprintf(stderr, "tpmrun: %s\n", diag_text(&d));
        rr->write_failed = true;
    }
    diag_clear(&d);
    console_result(stdout, result, rr->verbose);
    fflush(stdout);
    rr->counts[status_parse(json_string_value(json_object_get(result, "status")))]++;
    json_t **nr = realloc(rr->results, (rr->n_results + 1) * sizeof *nr);
    if (nr) {
        rr->results = nr;
        rr->results[rr->n_results++] = json_incref(result);
    }
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
    bool check, list, schema, verbose, secrets, wire, timings, markdown;
    long jobs, repeat;
    double timeout;
    fault_list faults;      /* --fault */
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
           O_TIMINGS, O_REPEAT, O_FAULT, O_VAR, O_MARKDOWN };
    static const struct option longopts[] = {
        { "tcti", required_argument, 0, O_TCTI },     { "results", required_argument, 0, O_RESULTS },
        { "junit", required_argument, 0, O_JUNIT },   { "jobs", required_argument, 0, 'j' },
        { "check", no_argument, 0, O_CHECK },         { "list-steps", no_argument, 0, O_LIST },
        { "schema", no_argument, 0, O_SCHEMA },       { "show-secrets", no_argument, 0, O_SECRETS },
        { "wire", no_argument, 0, O_WIRE },           { "verbose", no_argument, 0, 'v' },
        { "help", no_argument, 0, 'h' },              { "version", no_argument, 0, O_VERSION },
        { "timeout", required_argument, 0, O_TIMEOUT }, { "timings", no_argument, 0, O_TIMINGS },
        { "repeat", required_argument, 0, O_REPEAT },   { "fault", required_argument, 0, O_FAULT },
        { "var", required_argument, 0, O_VAR },       { "markdown", no_argument, 0, O_MARKDOWN },
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
            o->timeout = strtod(optarg, &end);
            if (*end || o->timeout < 0) {
                fprintf(stderr, "tpmrun: --timeout expects seconds, not '%s'\n", optarg);
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
        case O_MARKDOWN: o->markdown = true; break;
        case O_SCHEMA: o->schema = true; break;
        case O_SECRETS: o->secrets = true; break;
        case O_WIRE: o->wire = true; break;
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
        case O_VAR:
            if (!add_var(&o->vars, optarg))
                return 2;
            break;
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
    if (status >= 0) {
        faults_free(&o->faults);
        free_vars(&o->vars);
    }
    return status;
}

/* Loads every file (a matrix gives several scenarios); each error is one
 * line on stderr.  Returns how many failed to load (also a scenario id
 * used twice, and a --var no file declares). */
static int load_all(const files *f, const load_opts *vars, scenario ***out, size_t *n)
{
    scenario **scs = NULL;
    int bad = 0;
    *n = 0;
    for (size_t i = 0; i < f->n; i++) {
        diag d = { 0 };
        scenario **list;
        size_t count;
        if (!scenario_load_all(f->paths[i], vars, &list, &count, &d)) {
            fprintf(stderr, "%s\n", diag_failed(&d) ? diag_text(&d) : "tpmrun: out of memory");
            diag_clear(&d);
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
                    fprintf(stderr, "%s:1:1: error: scenario id '%s' is also used by %s (results would collide)\n",
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
            fprintf(stderr, "tpmrun: --var %s: no scenario has a var or matrix axis of that name\n",
                    vars->var_names[i]);
            bad++;
        }
    *out = scs;
    return bad;
}

/* Runs the scenarios and writes the reports; the exit status. */
static int run_all(const options *o, scenario **scs, size_t n)
{
    run_report rr = { .results_dir = o->results_dir, .verbose = o->verbose };
    jobs_opts jo = { .tcti = o->tcti, .jobs = (int)o->jobs, .show_secrets = o->secrets, .wire = o->wire,
                     .faults = &o->faults, .timeout_s = o->timeout, .done = on_done, .user = &rr };
    double t0 = now_s();
    bool complete = true;
    for (long k = 0; k < o->repeat && complete; k++)
        complete = jobs_run(scs, n, &jo);
    double secs = now_s() - t0;
    console_summary(stdout, rr.counts, secs);
    if (o->junit) {
        diag d = { 0 };
        if (!junit_write(o->junit, rr.results, rr.n_results, secs, &d)) {
            fprintf(stderr, "tpmrun: %s\n", diag_text(&d));
            rr.write_failed = true;
        }
        diag_clear(&d);
    }
    if (o->timings)
        timings_print(stdout, rr.results, rr.n_results);
    for (size_t i = 0; i < rr.n_results; i++)
        json_decref(rr.results[i]);
    free(rr.results);
    if (!complete)
        fputs("tpmrun: interrupted; TPMs stopped and work directories removed\n", stderr);
    return !complete ? 130 : (rr.counts[STATUS_FAILED] || rr.counts[STATUS_ERROR] || rr.write_failed) ? 1 : 0;
}

/* What the options ask for; the exit status. */
static int run_command(const options *op)
{
    const options o = *op;
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
    files f = { 0 };
    for (int i = 0; i < o.n_paths; i++)
        collect(&f, o.paths[i], true);
    scenario **scs;
    size_t n;
    int bad = load_all(&f, &o.vars, &scs, &n);
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
    for (size_t i = 0; i < f.n; i++)
        free(f.paths[i]);
    free(f.paths);
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
    free_vars(&o.vars);
    return status;
}
