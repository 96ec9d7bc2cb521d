/* SPDX-License-Identifier: MIT */
/* Room for entry facts; see entry.h. */
#include "entry.h"
#include "internal.h"

void dmab__facts_get(struct dmab__facts *f, struct dmab_device *dev, int n)
{
	f->v = f->local;
	f->cap = DMAB__FACTS_LOCAL;
	f->spare = false;
	f->plain = !dev->bounce_pools && dev->xlate == &dmab__xlate_identity;
	if (f->plain || n <= DMAB__FACTS_LOCAL)
		return;
	struct dmab__entry *v = dmab__spare_take(&dev->facts_spare, (size_t)n * sizeof(*v));

	f->cap = v ? n : 0;
	if (v) {
		f->v = v;
		f->spare = true;
	}
}

void dmab__facts_put(struct dmab__facts *f, struct dmab_device *dev)
{
	if (f->spare)
		dmab__spare_put(&dev->facts_spare, f->v);
	f->spare = false;
}
