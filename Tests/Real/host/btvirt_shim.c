/*
 * LD_PRELOAD library for btvirt (BlueZ 5.66, package bluez-test-tools) that makes two of its HCI
 * event orderings look like what a real radio produces, and gives a peripheral with two centrals
 * the right connection handles. Without it, centrals in the test VM fail at random (see
 * /work/shared/docs/real-bluez.md, "btvirt's event order differs ... twice").
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
 *
 * Problem 3: what one end of a link sends reaches the other end under the sender's handle.
 *   btdev gives each end of a link its own handle, the lowest free one from 42 on that controller
 *   (conn_new), but what it passes across carries the SENDER's handle: the peripheral's
 *   Connection Complete (le_conn_complete, le_ext_conn_complete: conn->handle, not
 *   conn->link->handle), ACL data (send_acl forwards the header as it came), Connection Update
 *   Complete, Connection Parameter Request, Long Term Key Request (still so upstream in 2026).
 *   With one central both ends are 42 and nothing shows. With two (hci1 and hci2, each at its
 *   first link: 42), hci0's kernel is told 42 twice while btdev filed the second link as 43, and
 *   whatever hci0 sends to the second central goes to the first (seen: the second central's MTU
 *   exchange timed out, the first got "unexpected ATT response" and dropped its link).
 *   Fix: follow btdev's allocation and translate. Every link announced is remembered as its two
 *   ends (controller fd, handle): a peripheral-role Connection Complete gets the handle btdev
 *   gave that end, the lowest from 42 that no remembered link uses on that controller, and the
 *   central's Connection Complete that btdev writes right after completes the pair. A packet
 *   btdev writes to one controller while handling what it read from ANOTHER (read() is wrapped to
 *   know which) is ACL data or one of the events above carrying the sender's handle: it gets the
 *   receiver's end of that link instead. An end is forgotten on its Disconnection Complete (btdev
 *   sends each end its own); an HCI Reset forgets every link of that controller, both ends, as
 *   btdev drops them (silently for the other end).
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
	OFF_HANDLE = 5,
	OFF_ROLE = 7,
	EVT_DISCONNECT_COMPLETE = 0x05,	/* type, event, length, status, handle(2), reason */
	EVT_ENCRYPT_CHANGE = 0x08,	/* type, event, length, status, handle(2), ... */
	EVT_COMMAND_COMPLETE = 0x0e,	/* type, event, length, ncmd, opcode(2), status */
	EVT_ENCRYPT_KEY_REFRESH = 0x30,	/* type, event, length, status, handle(2) */
	LE_CONN_UPDATE_COMPLETE = 0x03,	/* ... subevent, status, handle(2), ... */
	LE_LTK_REQUEST = 0x05,		/* ... subevent, handle(2), ... */
	LE_CONN_PARAM_REQUEST = 0x06,	/* ... subevent, handle(2), ... */
	H4_ACL = 0x02,			/* type, handle(12 bits) + flags(4), length(2), data */
	OPCODE_RESET = 0x0c03,
	FIRST_HANDLE = 42,		/* btdev's ACL_HANDLE in 5.66 */
	MAX_LINKS = 64,
};

/* One link as btdev filed it: its two ends, each a controller's vhci fd and that end's handle. */
struct end {
	int fd;
	int handle;		/* -1: this end is gone */
};
static struct link {
	struct end peripheral, central;
	int used;
} links[MAX_LINKS];
/* A peripheral end announced, waiting for its central's Connection Complete (btdev writes the
 * peripheral's first, the central's right after). */
static int pending = -1;

typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
typedef ssize_t (*read_fn)(int, void *, size_t);

static writev_fn next_writev;
static read_fn next_read;
/* The fd btvirt last read something from: the controller whose packet it is handling. */
static int source_fd = -1;
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

static int le16(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

static int handle_in_use(int fd, int handle)
{
	for (int i = 0; i < MAX_LINKS; i++) {
		const struct link *l = &links[i];

		if (l->used && ((l->peripheral.fd == fd && l->peripheral.handle == handle) ||
				(l->central.fd == fd && l->central.handle == handle)))
			return 1;
	}
	return 0;
}

static void forget_gone_links(void)
{
	for (int i = 0; i < MAX_LINKS; i++)
		if (links[i].used && links[i].peripheral.handle < 0 && links[i].central.handle < 0)
			links[i].used = 0;
}

/* Problem 3: keeps the link table and corrects a peripheral's handle in `packet` (the whole
 * event, `len` bytes). Returns 1 if the packet was changed. */
static int track_links(int fd, unsigned char *packet, size_t len)
{
	if (len < 7 || packet[0] != H4_EVENT)
		return 0;
	if (packet[1] == EVT_DISCONNECT_COMPLETE && packet[3] == 0) {
		int handle = le16(packet + 4);

		for (int i = 0; i < MAX_LINKS; i++) {
			struct link *l = &links[i];

			if (l->used && l->peripheral.fd == fd && l->peripheral.handle == handle)
				l->peripheral.handle = -1;
			if (l->used && l->central.fd == fd && l->central.handle == handle)
				l->central.handle = -1;
		}
		forget_gone_links();
		return 0;
	}
	if (packet[1] == EVT_COMMAND_COMPLETE && le16(packet + 4) == OPCODE_RESET) {
		for (int i = 0; i < MAX_LINKS; i++)
			if (links[i].peripheral.fd == fd || links[i].central.fd == fd)
				links[i].used = 0;
		return 0;
	}
	if (packet[1] != EVT_LE_META || len <= OFF_ROLE || packet[OFF_STATUS] != 0 ||
	    (packet[OFF_SUBEVENT] != LE_CONNECTION_COMPLETE &&
	     packet[OFF_SUBEVENT] != LE_ENHANCED_CONNECTION_COMPLETE))
		return 0;
	if (packet[OFF_ROLE] == ROLE_PERIPHERAL) {
		int handle = FIRST_HANDLE, slot = -1, changed;

		while (handle_in_use(fd, handle))
			handle++;
		for (int i = 0; i < MAX_LINKS && slot < 0; i++)
			if (!links[i].used)
				slot = i;
		if (slot < 0)
			return 0;	/* more links than any scenario makes: leave btdev's event as it is */
		links[slot] = (struct link){ .peripheral = { fd, handle }, .central = { -1, -1 }, .used = 1 };
		pending = slot;
		changed = le16(packet + OFF_HANDLE) != handle;
		packet[OFF_HANDLE] = handle & 0xff;
		packet[OFF_HANDLE + 1] = handle >> 8;
		return changed;
	}
	if (pending >= 0) {
		links[pending].central = (struct end){ fd, le16(packet + OFF_HANDLE) };
		pending = -1;
	}
	return 0;
}

/* The receiver's handle of the link whose end on `sender` is `handle`; -1 if none is known. */
static int receiver_handle(int sender, int handle, int receiver)
{
	for (int i = 0; i < MAX_LINKS; i++) {
		const struct link *l = &links[i];

		if (!l->used)
			continue;
		if (l->peripheral.fd == sender && l->peripheral.handle == handle && l->central.fd == receiver)
			return l->central.handle;
		if (l->central.fd == sender && l->central.handle == handle && l->peripheral.fd == receiver)
			return l->peripheral.handle;
	}
	return -1;
}

/* Problem 3, the rest: a packet for `fd` made from what another controller sent carries that
 * controller's handle; puts the receiver's in its place. Returns 1 if `packet` was changed. */
static int translate_handle(int fd, unsigned char *packet, size_t len)
{
	size_t at = 0;
	int handle, mine;

	if (source_fd < 0 || source_fd == fd || len < 3)
		return 0;
	if (packet[0] == H4_ACL)
		at = 1;
	else if (packet[0] == H4_EVENT && len >= 6 &&
		 (packet[1] == EVT_ENCRYPT_CHANGE || packet[1] == EVT_ENCRYPT_KEY_REFRESH))
		at = 4;
	else if (packet[0] == H4_EVENT && len >= 7 && packet[1] == EVT_LE_META &&
		 packet[OFF_SUBEVENT] == LE_CONN_UPDATE_COMPLETE)
		at = 5;
	else if (packet[0] == H4_EVENT && len >= 6 && packet[1] == EVT_LE_META &&
		 (packet[OFF_SUBEVENT] == LE_LTK_REQUEST || packet[OFF_SUBEVENT] == LE_CONN_PARAM_REQUEST))
		at = 4;
	if (at == 0)
		return 0;
	handle = le16(packet + at) & 0x0fff;
	mine = receiver_handle(source_fd, handle, fd);
	if (mine < 0 || mine == handle)
		return 0;
	packet[at] = mine & 0xff;
	packet[at + 1] = (packet[at + 1] & 0xf0) | (mine >> 8);	/* ACL: keep the flags */
	return 1;
}

/* The packet as btvirt gave it, its first `len` bytes replaced by `prefix`. */
static int with_prefix(const struct iovec *iov, int iovcnt, unsigned char *prefix, size_t len,
		       struct iovec *out, int cap)
{
	int n = 0;
	size_t skip = len;

	out[n++] = (struct iovec){ .iov_base = prefix, .iov_len = len };
	for (int i = 0; i < iovcnt && n < cap; i++) {
		if (iov[i].iov_len <= skip) {
			skip -= iov[i].iov_len;
			continue;
		}
		out[n++] = (struct iovec){ .iov_base = (unsigned char *)iov[i].iov_base + skip,
					   .iov_len = iov[i].iov_len - skip };
		skip = 0;
	}
	return n;
}

ssize_t read(int fd, void *buf, size_t count)
{
	ssize_t n;

	if (!next_read)
		next_read = (read_fn)dlsym(RTLD_NEXT, "read");
	n = next_read(fd, buf, count);
	if (n > 0)
		source_fd = fd;
	return n;
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
	struct iovec fixed[8];
	size_t total, seen;
	int subevent = -1;
	ssize_t written;

	if (!next_writev)
		next_writev = (writev_fn)dlsym(RTLD_NEXT, "writev");

	seen = flatten(iov, iovcnt, packet, sizeof(packet), &total);
	if (seen > OFF_SUBEVENT && packet[0] == H4_EVENT && packet[1] == EVT_LE_META)
		subevent = packet[OFF_SUBEVENT];
	/* Events are small (whole in `packet`); ACL data may not be, but its handle is at the start. */
	if (((seen == total && track_links(fd, packet, seen)) | translate_handle(fd, packet, seen)) &&
	    iovcnt < (int)(sizeof(fixed) / sizeof(fixed[0]))) {
		iovcnt = with_prefix(iov, iovcnt, packet, seen, fixed, sizeof(fixed) / sizeof(fixed[0]));
		iov = fixed;
	}

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
