/* SPDX-License-Identifier: MIT */
/*
 * nic_ring: how a user-space driver uses libdmabatch, on a simulated
 * non-coherent NIC.
 *
 * The driver keeps a ring of receive buffers mapped FROM_DEVICE for its
 * whole life and recycles them with syncs; it sends each packet as a
 * two-entry scatter-gather list (header + payload) mapped TO_DEVICE and
 * unmapped when the NIC reports it sent. Descriptor rings are DMA memory
 * from dmab_alloc_noncoherent() (on the NIC's NUMA node, under its mask,
 * known to the device, no mapping to keep): cacheable, so the driver hands a
 * ring to the NIC with sync_for_device and takes it back with sync_for_cpu.
 * Received buffers are synced in one batch, so one barrier serves them all.
 *
 * The NIC is played by the simulator: it reads and writes memory by DMA
 * only, through a DRAM the CPU's cache does not see until the driver's
 * maintenance says so. With chaos on, the cache also evicts and refetches
 * lines at random moments. A driver that keeps the DMA rules gets every
 * packet intact; run with --forget-sync to watch one that skips the RX
 * sync_for_cpu read stale packets.
 *
 *   nic_ring [--forget-sync] [chaos seed]
 */
#define _POSIX_C_SOURCE 200809L /* posix_memalign */

#include <dmabatch.h>
#include <dmabatch/sim.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RING	 8
#define BUF_SIZE 2048
#define ROUNDS	 16
#define ARENA	 (64 * 1024)

/* A descriptor, as the NIC reads and writes it. */
struct desc {
	uint64_t addr;	/* bus address of the buffer */
	uint32_t len;	/* bytes in it */
	uint32_t flags; /* DESC_* */
};
enum { DESC_READY = 1, DESC_DONE = 2, DESC_LAST = 4 };

/* ---- The NIC: what the hardware does, by DMA only --------------------- */

struct nic {
	struct dmab_sim *sim;
	dmab_addr_t rx_ring, tx_ring;
	unsigned rx_next, tx_next;
	uint8_t wire[ROUNDS * BUF_SIZE]; /* what went out, for the test to check */
	size_t wire_len;
};

/* A packet arrives: DMA it into the next ready buffer, mark it done. */
static int nic_receive(struct nic *n, const uint8_t *pkt, uint32_t len)
{
	dmab_addr_t at = n->rx_ring + n->rx_next * sizeof(struct desc);
	struct desc d;

	if (dmab_sim_dev_read(n->sim, at, &d, sizeof(d)) || !(d.flags & DESC_READY))
		return -1; /* no buffer: the packet is dropped */
	if (dmab_sim_dev_write(n->sim, d.addr, pkt, len))
		return -1;
	d.len = len;
	d.flags = DESC_DONE;
	n->rx_next = (n->rx_next + 1) % RING;
	return dmab_sim_dev_write(n->sim, at, &d, sizeof(d));
}

/* Send every ready descriptor: DMA the data out, mark it done. */
static int nic_transmit(struct nic *n)
{
	for (;;) {
		dmab_addr_t at = n->tx_ring + n->tx_next * sizeof(struct desc);
		struct desc d;

		if (dmab_sim_dev_read(n->sim, at, &d, sizeof(d)))
			return -1;
		if (!(d.flags & DESC_READY))
			return 0;
		if (d.len > sizeof(n->wire) - n->wire_len ||
		    dmab_sim_dev_read(n->sim, d.addr, n->wire + n->wire_len, d.len))
			return -1;
		n->wire_len += d.len;
		d.flags = DESC_DONE | (d.flags & DESC_LAST);
		if (dmab_sim_dev_write(n->sim, at, &d, sizeof(d)))
			return -1;
		n->tx_next = (n->tx_next + 1) % RING;
	}
}

/* ---- The driver ------------------------------------------------------- */

struct driver {
	struct dmab_device *dev;
	struct desc *rx_ring, *tx_ring;
	dmab_addr_t rx_ring_bus, tx_ring_bus;
	uint8_t *rx_buf[RING];
	dmab_addr_t rx_bus[RING];
	unsigned rx_head, tx_head, tx_tail;
	struct dmab_sg tx_sg[RING]; /* the lists in flight, two entries each */
	bool forget_sync;
};

#define RING_BYTES (RING * sizeof(struct desc))
#define TRY(call)                                                                                  \
	do {                                                                                       \
		int err_ = (call);                                                                 \
		if (err_ < 0) {                                                                    \
			fprintf(stderr, "%s: %s (%s)\n", #call, dmab_strerror(err_),               \
				dmab_last_error());                                                \
			exit(2);                                                                   \
		}                                                                                  \
	} while (0)

static void driver_init(struct driver *drv, uint8_t *mem)
{
	void *rx, *tx;

	/* Rings come zeroed, page aligned: no line shared with other memory. */
	TRY(dmab_alloc_noncoherent(drv->dev, RING_BYTES, DMAB_BIDIRECTIONAL, &rx,
				   &drv->rx_ring_bus));
	TRY(dmab_alloc_noncoherent(drv->dev, RING_BYTES, DMAB_BIDIRECTIONAL, &tx,
				   &drv->tx_ring_bus));
	drv->rx_ring = rx;
	drv->tx_ring = tx;
	/* Buffers on lines of their own: nothing shares a line with memory the
	 * NIC writes. */
	for (int i = 0; i < RING; i++) {
		drv->rx_buf[i] = mem + 4096 + (size_t)i * BUF_SIZE;
		TRY(dmab_map_single(drv->dev, drv->rx_buf[i], BUF_SIZE, DMAB_FROM_DEVICE, 0,
				    &drv->rx_bus[i]));
		drv->rx_ring[i] = (struct desc){.addr = drv->rx_bus[i], .flags = DESC_READY};
	}
	/* The NIC sees the descriptors just written once they are synced. */
	TRY(dmab_sync_single_for_device(drv->dev, drv->rx_ring_bus, RING_BYTES,
					DMAB_BIDIRECTIONAL));
	TRY(dmab_sync_single_for_device(drv->dev, drv->tx_ring_bus, RING_BYTES,
					DMAB_BIDIRECTIONAL));
}

/*
 * Take received packets: give the ring back to the CPU, sync every filled
 * buffer for the CPU in one batch (one barrier), hand each packet up, then
 * recycle the buffers to the NIC in a second batch.
 */
static int driver_rx_poll(struct driver *drv, uint8_t pkts[][BUF_SIZE], uint32_t *lens)
{
	unsigned first = drv->rx_head, n = 0;
	struct dmab_batch b;

	TRY(dmab_sync_single_for_cpu(drv->dev, drv->rx_ring_bus, RING_BYTES, DMAB_BIDIRECTIONAL));
	dmab_batch_init(&b);
	while (n < RING && drv->rx_ring[(first + n) % RING].flags & DESC_DONE) {
		unsigned i = (first + n++) % RING;

		if (!drv->forget_sync)
			TRY(dmab_batch_sync_for_cpu(&b, drv->dev, drv->rx_bus[i],
						    drv->rx_ring[i].len, DMAB_FROM_DEVICE));
	}
	TRY(dmab_batch_commit(&b));
	for (unsigned k = 0; k < n; k++) {
		unsigned i = (first + k) % RING;

		lens[k] = drv->rx_ring[i].len;
		memcpy(pkts[k], drv->rx_buf[i], lens[k]);
		TRY(dmab_batch_sync_for_device(&b, drv->dev, drv->rx_bus[i], BUF_SIZE,
					       DMAB_FROM_DEVICE));
		drv->rx_ring[i] = (struct desc){.addr = drv->rx_bus[i], .flags = DESC_READY};
	}
	TRY(dmab_batch_commit(&b));
	drv->rx_head = (first + n) % RING;
	TRY(dmab_sync_single_for_device(drv->dev, drv->rx_ring_bus, RING_BYTES,
					DMAB_BIDIRECTIONAL));
	return (int)n;
}

/* Queue one packet, header and payload as a two-entry list: no copy. */
static void driver_xmit(struct driver *drv, uint8_t *hdr, size_t hlen, uint8_t *data, size_t dlen)
{
	struct dmab_sg *sg = &drv->tx_sg[drv->tx_head];
	unsigned i = drv->tx_head;

	sg[0] = (struct dmab_sg){.addr = hdr, .len = hlen};
	sg[1] = (struct dmab_sg){.addr = data, .len = dlen};
	TRY(dmab_sync_single_for_cpu(drv->dev, drv->tx_ring_bus, RING_BYTES, DMAB_BIDIRECTIONAL));
	TRY(dmab_map_sg(drv->dev, sg, 2, DMAB_TO_DEVICE, 0));
	for (int k = 0; k < 2; k++)
		drv->tx_ring[(i + k) % RING] = (struct desc){
		    .addr = sg[k].dma_addr,
		    .len = (uint32_t)sg[k].dma_len,
		    .flags = DESC_READY | (k ? DESC_LAST : 0),
		};
	drv->tx_head = (i + 2) % RING;
	TRY(dmab_sync_single_for_device(drv->dev, drv->tx_ring_bus, RING_BYTES,
					DMAB_BIDIRECTIONAL));
}

/* Unmap every packet the NIC has sent. */
static void driver_tx_complete(struct driver *drv)
{
	TRY(dmab_sync_single_for_cpu(drv->dev, drv->tx_ring_bus, RING_BYTES, DMAB_BIDIRECTIONAL));
	while (drv->tx_tail != drv->tx_head && drv->tx_ring[drv->tx_tail].flags & DESC_DONE) {
		TRY(dmab_unmap_sg(drv->dev, &drv->tx_sg[drv->tx_tail], 2, DMAB_TO_DEVICE, 0));
		drv->tx_ring[drv->tx_tail].flags = 0;
		drv->tx_ring[(drv->tx_tail + 1) % RING].flags = 0;
		drv->tx_tail = (drv->tx_tail + 2) % RING;
	}
	TRY(dmab_sync_single_for_device(drv->dev, drv->tx_ring_bus, RING_BYTES,
					DMAB_BIDIRECTIONAL));
}

static void driver_fini(struct driver *drv)
{
	for (int i = 0; i < RING; i++)
		TRY(dmab_unmap_single(drv->dev, drv->rx_bus[i], BUF_SIZE, DMAB_FROM_DEVICE, 0));
	TRY(dmab_free_noncoherent(drv->dev, RING_BYTES, drv->rx_ring, drv->rx_ring_bus,
				  DMAB_BIDIRECTIONAL));
	TRY(dmab_free_noncoherent(drv->dev, RING_BYTES, drv->tx_ring, drv->tx_ring_bus,
				  DMAB_BIDIRECTIONAL));
}

/* ---- The test bench: packets in, packets out, compare ----------------- */

int main(int argc, char **argv)
{
	static uint8_t got[RING][BUF_SIZE], sent[ROUNDS * BUF_SIZE];
	struct dmab_sim_config scfg = {.line_size = 64, .chaos_seed = 1, .chaos_rate = 0.05};
	struct driver drv = {0};
	struct nic nic = {0};
	unsigned bad = 0, rx = 0, tx = 0;
	uint32_t lens[RING];
	size_t sent_len = 0;
	void *mem;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--forget-sync") == 0)
			drv.forget_sync = true;
		else
			scfg.chaos_seed = strtoull(argv[i], NULL, 0);
	}
	TRY(dmab_sim_create(&scfg, &nic.sim));
	struct dmab_device_config dcfg = {.name = "nic", .numa_node = -1, .sim = nic.sim};

	TRY(dmab_device_create(&dcfg, &drv.dev));
	if (posix_memalign(&mem, 4096, ARENA))
		return 2;
	memset(mem, 0, ARENA);
	TRY(dmab_sim_register(nic.sim, mem, ARENA));
	driver_init(&drv, mem);
	nic.rx_ring = drv.rx_ring_bus;
	nic.tx_ring = drv.tx_ring_bus;

	uint8_t *tx_area = (uint8_t *)mem + 4096 + RING * BUF_SIZE;

	for (unsigned round = 0; round < ROUNDS; round++) {
		uint8_t pkt[RING][BUF_SIZE];
		unsigned npkts = 1 + round % (RING - 1);

		for (unsigned p = 0; p < npkts; p++) {
			uint32_t len = 60 + (round * 131 + p * 977) % (BUF_SIZE - 60);

			for (uint32_t i = 0; i < len; i++)
				pkt[p][i] = (uint8_t)(round * 31 + p * 7 + i);
			TRY(nic_receive(&nic, pkt[p], len));
		}
		int n = driver_rx_poll(&drv, got, lens);

		bad += (unsigned)n != npkts;
		for (int p = 0; p < n; p++, rx++)
			bad += lens[p] != 60 + (round * 131 + p * 977) % (BUF_SIZE - 60) ||
			       memcmp(got[p], pkt[p], lens[p]) != 0;
		if (n == 0)
			continue;

		/* Echo the first packet back: a 14-byte header, then its payload,
		 * both at odd addresses in memory the CPU keeps using. */
		uint8_t *hdr = tx_area + 3 + round * 64, *data = tx_area + 2048 + 5 + round * 8;
		size_t dlen = lens[0] - 14;

		memcpy(hdr, got[0], 14);
		memcpy(data, got[0] + 14, dlen);
		memcpy(sent + sent_len, got[0], lens[0]);
		sent_len += lens[0];
		driver_xmit(&drv, hdr, 14, data, dlen);
		TRY(nic_transmit(&nic));
		driver_tx_complete(&drv);
		tx++;
	}
	bad += nic.wire_len != sent_len || memcmp(nic.wire, sent, sent_len) != 0;

	struct dmab_sim_stats st;
	struct dmab_stats ds;

	TRY(dmab_sim_get_stats(nic.sim, &st));
	TRY(dmab_device_stats(drv.dev, &ds));
	driver_fini(&drv);
	TRY(dmab_sim_unregister(nic.sim, mem, ARENA));
	TRY(dmab_device_destroy(drv.dev));
	dmab_sim_destroy(nic.sim);
	free(mem);
	printf("nic_ring: %u packets received, %u sent, %u wrong; %llu completions "
	       "(%llu saved by batching); cache chaos: %llu evictions, %llu refetches; "
	       "rings: %llu allocations local, %llu fell back\n",
	       rx, tx, bad, (unsigned long long)ds.completions,
	       (unsigned long long)ds.completions_saved, (unsigned long long)st.chaos_evictions,
	       (unsigned long long)st.chaos_refetches, (unsigned long long)ds.alloc_local,
	       (unsigned long long)ds.alloc_fallback);
	return bad ? 1 : 0;
}
