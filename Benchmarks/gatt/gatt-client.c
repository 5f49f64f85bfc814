/* The benchmarks' client, written straight on libdbus so that the client's own overhead is the
 * smallest there is. It plays bluetoothd's side of the GATT D-Bus API (doc/gatt-api.txt).
 *
 *   gatt-client call ADDRESS DEST PATH read|write HEX CALLS PID...
 *       CALLS sequential org.bluez.GattCharacteristic1.ReadValue(a{sv}) or WriteValue(ay, a{sv})
 *       to DEST at PATH, with the options bluetoothd 5.66 always passes (device o, link s,
 *       mtu q), after CALLS/10 warm-up calls. HEX may be two values, HEX,HEX: the writes then
 *       alternate between them (a value that changes on every write). Before the first and after the last measured call
 *       it reads the CPU time of every PID (utime+stime of /proc/PID/stat in clock ticks, and the
 *       sum of /proc/PID/task/ * /schedstat in ns). Prints one line of key=value pairs:
 *       calls, seconds, rate, and per PID (in argument order) ticks_N and ns_N; client_ns.
 *   gatt-client count ADDRESS SECONDS
 *       counts org.freedesktop.DBus.Properties.PropertiesChanged signals for SECONDS or until
 *       SIGINT/SIGTERM (match rule on the interface, as bluetoothd subscribes to its
 *       applications' characteristics) and prints "signals=N seconds=S".
 *   gatt-client emit ADDRESS COUNT
 *       emits COUNT PropertiesChanged(org.bluez.GattCharacteristic1, {Value: 20 bytes}, []) as fast
 *       as libdbus takes them, then a Ping round trip to the bus (answered after every signal
 *       before it is written); prints signals/s and CPU time per signal: the C baseline of
 *       DBusBenchmark's `emit`.
 * A call answered with an error stops the run (exit 1) with the error: a benchmark that
 * measured refusals would be meaningless. */
#define _GNU_SOURCE
#include <dbus/dbus.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MAX_PIDS 8

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* utime + stime of a whole process (all its threads, living and exited), in clock ticks. */
static long long process_ticks(int pid) {
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p) return -1;
    /* After ") " come fields 3...; utime and stime are fields 14 and 15. */
    unsigned long long utime = 0, stime = 0;
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) return -1;
    return (long long)(utime + stime);
}

/* Sum of the run time (ns, first field of schedstat) of the process' living threads. */
static long long process_ns(int pid) {
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *dir = opendir(path);
    if (!dir) return -1;
    long long total = 0;
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        if (entry->d_name[0] == '.') continue;
        char stat[320];
        snprintf(stat, sizeof stat, "/proc/%d/task/%s/schedstat", pid, entry->d_name);
        FILE *f = fopen(stat, "r");
        if (!f) continue;
        long long ns = 0;
        if (fscanf(f, "%lld", &ns) == 1) total += ns;
        fclose(f);
    }
    closedir(dir);
    return total;
}

static long long self_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static DBusConnection *connect_bus(const char *address) {
    DBusError err;
    dbus_error_init(&err);
    DBusConnection *conn = dbus_connection_open_private(address, &err);
    if (!conn || !dbus_bus_register(conn, &err)) {
        fprintf(stderr, "gatt-client: connect %s: %s\n", address, err.message ? err.message : "?");
        exit(1);
    }
    return conn;
}

static void append_variant(DBusMessageIter *dict, const char *key, int type, const char *sig, const void *value) {
    DBusMessageIter entry, variant;
    dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
    dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key);
    dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, sig, &variant);
    dbus_message_iter_append_basic(&variant, type, value);
    dbus_message_iter_close_container(&entry, &variant);
    dbus_message_iter_close_container(dict, &entry);
}

/* ReadValue(a{sv}) or WriteValue(ay, a{sv}) as bluetoothd 5.66 builds it (src/gatt-database.c:
 * append_options: device, link, mtu; offset only when non-zero). */
static DBusMessage *gatt_call(const char *dest, const char *path, int write, const unsigned char *value, int length) {
    DBusMessage *msg = dbus_message_new_method_call(dest, path, "org.bluez.GattCharacteristic1",
                                                    write ? "WriteValue" : "ReadValue");
    DBusMessageIter args, array, dict;
    dbus_message_iter_init_append(msg, &args);
    if (write) {
        dbus_message_iter_open_container(&args, DBUS_TYPE_ARRAY, "y", &array);
        dbus_message_iter_append_fixed_array(&array, DBUS_TYPE_BYTE, &value, length);
        dbus_message_iter_close_container(&args, &array);
    }
    dbus_message_iter_open_container(&args, DBUS_TYPE_ARRAY, "{sv}", &dict);
    const char *device = "/org/bluez/hci0/dev_00_11_22_33_44_55", *link = "LE";
    dbus_uint16_t mtu = 517;
    append_variant(&dict, "device", DBUS_TYPE_OBJECT_PATH, "o", &device);
    append_variant(&dict, "link", DBUS_TYPE_STRING, "s", &link);
    append_variant(&dict, "mtu", DBUS_TYPE_UINT16, "q", &mtu);
    dbus_message_iter_close_container(&args, &dict);
    return msg;
}

static void one_call(DBusConnection *conn, const char *dest, const char *path, int write,
                     const unsigned char *value, int length) {
    DBusMessage *msg = gatt_call(dest, path, write, value, length);
    DBusError err;
    dbus_error_init(&err);
    DBusMessage *reply = dbus_connection_send_with_reply_and_block(conn, msg, 5000, &err);
    dbus_message_unref(msg);
    if (!reply) {
        fprintf(stderr, "gatt-client: %s %s: %s: %s\n", write ? "WriteValue" : "ReadValue", path, err.name, err.message);
        exit(1);
    }
    const char *expected = write ? "" : "ay";
    if (strcmp(dbus_message_get_signature(reply), expected) != 0) {
        fprintf(stderr, "gatt-client: reply of type \"%s\", expected \"%s\"\n", dbus_message_get_signature(reply), expected);
        exit(1);
    }
    dbus_message_unref(reply);
}

static int parse_hex(const char *hex, unsigned char *out, int max) {
    int n = 0;
    for (; hex[0] && hex[1] && n < max; hex += 2) {
        unsigned int byte;
        if (sscanf(hex, "%2x", &byte) != 1) return -1;
        out[n++] = (unsigned char)byte;
    }
    return n;
}

static int run_calls(int argc, char **argv) {
    if (argc < 9) return -1;
    const char *address = argv[2], *dest = argv[3], *path = argv[4];
    int write = strcmp(argv[5], "write") == 0;
    unsigned char value[2][512];
    int length[2];
    const char *comma = strchr(argv[6], ',');
    length[0] = parse_hex(argv[6], value[0], comma ? (int)(comma - argv[6]) / 2 : (int)sizeof value[0]);
    length[1] = comma ? parse_hex(comma + 1, value[1], (int)sizeof value[1]) : length[0];
    if (!comma) memcpy(value[1], value[0], sizeof value[0]);
    long calls = atol(argv[7]);
    int npids = argc - 8;
    if (length[0] < 0 || length[1] < 0 || calls <= 0 || npids > MAX_PIDS) return -1;
    int pids[MAX_PIDS];
    for (int i = 0; i < npids; i++) pids[i] = atoi(argv[8 + i]);

    DBusConnection *conn = connect_bus(address);
    for (long i = 0; i < calls / 10; i++) one_call(conn, dest, path, write, value[i & 1], length[i & 1]);

    long long ticks0[MAX_PIDS], ns0[MAX_PIDS];
    for (int i = 0; i < npids; i++) { ticks0[i] = process_ticks(pids[i]); ns0[i] = process_ns(pids[i]); }
    long long client0 = self_ns();
    double t0 = now_seconds();
    for (long i = 0; i < calls; i++) one_call(conn, dest, path, write, value[i & 1], length[i & 1]);
    double elapsed = now_seconds() - t0;
    long long client1 = self_ns();
    printf("calls=%ld seconds=%.6f rate=%.1f", calls, elapsed, calls / elapsed);
    for (int i = 0; i < npids; i++)
        printf(" ticks_%d=%lld ns_%d=%lld", i, process_ticks(pids[i]) - ticks0[i], i, process_ns(pids[i]) - ns0[i]);
    printf(" client_ns=%lld\n", client1 - client0);
    dbus_connection_close(conn);
    return 0;
}

static DBusHandlerResult count_signal(DBusConnection *conn, DBusMessage *msg, void *data) {
    (void)conn;
    if (dbus_message_is_signal(msg, "org.freedesktop.DBus.Properties", "PropertiesChanged")) ++*(long *)data;
    return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

static volatile sig_atomic_t stop_counting = 0;
static void on_stop(int sig) { (void)sig; stop_counting = 1; }

static int run_count(int argc, char **argv) {
    if (argc != 4) return -1;
    DBusConnection *conn = connect_bus(argv[2]);
    double seconds = atof(argv[3]);
    long count = 0;
    DBusError err;
    dbus_error_init(&err);
    dbus_bus_add_match(conn, "type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'", &err);
    if (dbus_error_is_set(&err)) { fprintf(stderr, "gatt-client: match: %s\n", err.message); return 1; }
    dbus_connection_add_filter(conn, count_signal, &count, NULL);
    printf("listening\n");
    fflush(stdout);
    signal(SIGINT, on_stop);
    signal(SIGTERM, on_stop);
    double start = now_seconds(), end = start + seconds;
    while (!stop_counting && now_seconds() < end) {
        if (!dbus_connection_read_write_dispatch(conn, 100)) break;
    }
    printf("signals=%ld seconds=%.3f\n", count, now_seconds() - start);
    return 0;
}

static void emit_value(DBusConnection *conn, unsigned char first) {
    DBusMessage *msg = dbus_message_new_signal("/org/presso/peripheral/app/service0/char3",
                                               "org.freedesktop.DBus.Properties", "PropertiesChanged");
    DBusMessageIter args, dict, entry, variant, array, invalidated;
    const char *iface = "org.bluez.GattCharacteristic1", *key = "Value";
    unsigned char value[20] = {first};
    const unsigned char *bytes = value;
    dbus_message_iter_init_append(msg, &args);
    dbus_message_iter_append_basic(&args, DBUS_TYPE_STRING, &iface);
    dbus_message_iter_open_container(&args, DBUS_TYPE_ARRAY, "{sv}", &dict);
    dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
    dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key);
    dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "ay", &variant);
    dbus_message_iter_open_container(&variant, DBUS_TYPE_ARRAY, "y", &array);
    dbus_message_iter_append_fixed_array(&array, DBUS_TYPE_BYTE, &bytes, (int)sizeof value);
    dbus_message_iter_close_container(&variant, &array);
    dbus_message_iter_close_container(&entry, &variant);
    dbus_message_iter_close_container(&dict, &entry);
    dbus_message_iter_close_container(&args, &dict);
    dbus_message_iter_open_container(&args, DBUS_TYPE_ARRAY, "s", &invalidated);
    dbus_message_iter_close_container(&args, &invalidated);
    dbus_connection_send(conn, msg, NULL);
    dbus_message_unref(msg);
}

static void ping(DBusConnection *conn) {
    DBusMessage *msg = dbus_message_new_method_call("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                    "org.freedesktop.DBus.Peer", "Ping");
    DBusMessage *reply = dbus_connection_send_with_reply_and_block(conn, msg, 60000, NULL);
    dbus_message_unref(msg);
    if (reply) dbus_message_unref(reply);
}

static int run_emit(int argc, char **argv) {
    if (argc != 4) return -1;
    DBusConnection *conn = connect_bus(argv[2]);
    long count = atol(argv[3]);
    for (long i = 0; i < count / 10; i++) emit_value(conn, (unsigned char)i);
    ping(conn);
    long long cpu0 = self_ns();
    double t0 = now_seconds();
    for (long i = 0; i < count; i++) emit_value(conn, (unsigned char)i);
    ping(conn);
    double elapsed = now_seconds() - t0;
    printf("signals=%ld seconds=%.6f rate=%.1f cpu_us_per_signal=%.3f\n", count, elapsed, count / elapsed,
           (self_ns() - cpu0) / 1e3 / count);
    return 0;
}

int main(int argc, char **argv) {
    int rc = -1;
    if (argc > 1 && strcmp(argv[1], "call") == 0) rc = run_calls(argc, argv);
    else if (argc > 1 && strcmp(argv[1], "count") == 0) rc = run_count(argc, argv);
    else if (argc > 1 && strcmp(argv[1], "emit") == 0) rc = run_emit(argc, argv);
    if (rc < 0) {
        fprintf(stderr, "usage: gatt-client call ADDRESS DEST PATH read|write HEX CALLS PID...\n"
                        "       gatt-client count ADDRESS SECONDS\n"
                        "       gatt-client emit ADDRESS COUNT\n");
        return 2;
    }
    return rc;
}
