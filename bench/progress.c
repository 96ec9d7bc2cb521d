/* SPDX-License-Identifier: MIT */
/*
 * Progress on stderr, so stdout stays the results. Silent for the first two
 * seconds (short runs print nothing), then at most one line a second; on a
 * terminal the line is rewritten in place and cleared at the end.
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "bench.h"

void progress_begin(struct progress *p, bool quiet)
{
	p->start = now_s();
	p->last = p->start;
	p->tty = isatty(STDERR_FILENO);
	p->shown = false;
	p->quiet = quiet;
}

void progress_tick(struct progress *p, const char *fmt, ...)
{
	double t;
	va_list ap;

	if (p->quiet)
		return;
	t = now_s();
	if (t - p->start < 2.0 || t - p->last < 1.0)
		return;
	p->last = t;
	p->shown = true;
	fputs(p->tty ? "\r\033[Kdmab-bench: " : "dmab-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (!p->tty)
		fputc('\n', stderr);
	fflush(stderr);
}

void progress_end(struct progress *p)
{
	if (p->shown && p->tty)
		fputs("\r\033[K", stderr);
	p->shown = false;
}
