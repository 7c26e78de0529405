/* cmd_diff: `tpmrun diff OLD NEW`, what changed between two runs of the
 * same scenarios (two swtpm versions, a hardware TPM against swtpm, two
 * tpm2-tss versions). */
#ifndef TPMRUN_REPORT_CMD_DIFF_H
#define TPMRUN_REPORT_CMD_DIFF_H

/* argv[0] is "diff".  The exit status: 0 nothing regressed, 1 something
 * did, 2 a usage error or results that cannot be read. */
int cmd_diff_main(int argc, char **argv);

#endif
