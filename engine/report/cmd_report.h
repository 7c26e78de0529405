/* cmd_report: `tpmrun report RESULTS... [--html F] [--junit F] [--tap F]`,
 * the reports of results written earlier -- several directories (shards
 * run on several machines) make one report. */
#ifndef TPMRUN_REPORT_CMD_REPORT_H
#define TPMRUN_REPORT_CMD_REPORT_H

/* argv[0] is "report".  The exit status: 0 written, 1 a report could not
 * be written, 2 a usage error or results that cannot be read. */
int cmd_report_main(int argc, char **argv);

#endif
