/*
 * LD_PRELOAD library for btvirt (BlueZ 5.66, package bluez-test-tools) that makes two of its HCI
 * event orderings look like what a real radio produces. Without it, centrals in the test VM fail
 * at random (see /work/shared/docs/real-bluez.md, "btvirt's event order differs ... twice").
 *
 * btvirt hands every HCI packet to /dev/vhci with a single writev(): the iovecs hold the packet
 * type, the event header and the parameters. This library wraps writev() and looks at LE Meta
 * events only; everything else passes through untouched.
 *
 * Problem 1: advertising reports arrive before anyone can hear them.
 *   btvirt emits one report per advertiser at the instant it completes "LE Set Scan Enable", and
 *   never again. The kernel only turns reports into Device Found once discovery has moved to its
 *   "finding" state, which happens after that Command Complete is processed, so the single report
 *   is dropped and a scan finds nothing. A real controller first hears an advertisement about one
 *   advertising interval after scanning starts. Fix: delay each advertising report by
 *   PRESSO_BTVIRT_ADV_DELAY_MS (default 100 ms).
 *
 * Problem 2: the peripheral hears of a new link before the central.
 *   btvirt writes LE Connection Complete to the peripheral's controller first. Both controllers
 *   belong to one bluetoothd, which reads one mgmt event per main-loop turn; the central's ATT
 *   channel can then be up before the central's Device Connected event is read, and bluetoothd
 *   5.66 marks the device connected without ever emitting Connected=true. Clients that check
 *   Device1.Connected (bleak) give up and disconnect. A phone as central never sees this: it is
 *   an artefact of two adapters in one daemon. Fix: keep back a successful peripheral-role
 *   (Enhanced) Connection Complete until the next packet btvirt writes (the central's Connection
 *   Complete, in practice) has gone out, then wait PRESSO_BTVIRT_CONN_DELAY_MS (default 20 ms)
 *   and deliver it. Packets of one controller are never reordered: any packet for the controller
 *   whose event is held first releases the held event.
 *
 * Set PRESSO_BTVIRT_CONN_DELAY_MS=-1 to switch the second fix off.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

enum {
	H4_EVENT = 0x04,
	EVT_LE_META = 0x3e,
	LE_CONNECTION_COMPLETE = 0x01,
	LE_ADVERTISING_REPORT = 0x02,
	LE_ENHANCED_CONNECTION_COMPLETE = 0x0a,
	LE_EXTENDED_ADVERTISING_REPORT = 0x0d,
	ROLE_PERIPHERAL = 0x01,
	/* offsets in the flattened packet: type, event, length, subevent, status, handle(2), role */
	OFF_SUBEVENT = 3,
	OFF_STATUS = 4,
	OFF_ROLE = 7,
};

typedef ssize_t (*writev_fn)(int, const struct iovec *, int);

static writev_fn next_writev;
static struct {
	int fd;			/* -1 when nothing is held */
	size_t len;
	unsigned char bytes[264];	/* an LE Meta event fits in 3 + 255 bytes */
} held = { .fd = -1 };

static long setting_ms(const char *name, long fallback)
{
	const char *text = getenv(name);

	return text && *text ? strtol(text, NULL, 10) : fallback;
}

static void sleep_ms(long ms)
{
	if (ms > 0)
		usleep((useconds_t)ms * 1000);
}

static size_t flatten(const struct iovec *iov, int iovcnt, unsigned char *out, size_t cap,
		      size_t *total)
{
	size_t copied = 0;

	*total = 0;
	for (int i = 0; i < iovcnt; i++) {
		size_t room = cap - copied;
		size_t take = iov[i].iov_len < room ? iov[i].iov_len : room;

		memcpy(out + copied, iov[i].iov_base, take);
		copied += take;
		*total += iov[i].iov_len;
	}
	return copied;
}

static void release_held(void)
{
	struct iovec iov = { .iov_base = held.bytes, .iov_len = held.len };

	if (held.fd < 0)
		return;
	next_writev(held.fd, &iov, 1);
	held.fd = -1;
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	unsigned char packet[sizeof(held.bytes)];
	size_t total, seen;
	int subevent = -1;
	ssize_t written;

	if (!next_writev)
		next_writev = (writev_fn)dlsym(RTLD_NEXT, "writev");

	seen = flatten(iov, iovcnt, packet, sizeof(packet), &total);
	if (seen > OFF_SUBEVENT && packet[0] == H4_EVENT && packet[1] == EVT_LE_META)
		subevent = packet[OFF_SUBEVENT];

	if (subevent == LE_ADVERTISING_REPORT || subevent == LE_EXTENDED_ADVERTISING_REPORT)
		sleep_ms(setting_ms("PRESSO_BTVIRT_ADV_DELAY_MS", 100));

	if ((subevent == LE_CONNECTION_COMPLETE || subevent == LE_ENHANCED_CONNECTION_COMPLETE) &&
	    seen == total && seen > OFF_ROLE && packet[OFF_STATUS] == 0 &&
	    packet[OFF_ROLE] == ROLE_PERIPHERAL && held.fd < 0 &&
	    setting_ms("PRESSO_BTVIRT_CONN_DELAY_MS", 20) >= 0) {
		memcpy(held.bytes, packet, seen);
		held.len = seen;
		held.fd = fd;
		return (ssize_t)total;	/* btvirt sees a complete write */
	}

	if (held.fd == fd)
		release_held();	/* same controller: keep its own packet order */
	written = next_writev(fd, iov, iovcnt);
	if (held.fd >= 0) {
		sleep_ms(setting_ms("PRESSO_BTVIRT_CONN_DELAY_MS", 20));
		release_held();
	}
	return written;
}
