/* A minimal echo service written straight on libdbus: the baseline that
 * scripts/bench-dbus.sh compares the Swift DBus module against, and the bus's limit in
 * scripts/bench-gatt.sh (a GATT characteristic that does nothing but answer).
 * Usage: echo ADDRESS NAME  — answers at /presso/bench:
 *   presso.bench.Echo1.Echo(s) -> s
 *   org.bluez.GattCharacteristic1.ReadValue(a{sv}) -> ay   (the last value written; options unread)
 *   org.bluez.GattCharacteristic1.WriteValue(ay, a{sv})    (keeps up to 512 bytes) */
#include <dbus/dbus.h>
#include <stdio.h>
#include <string.h>

static unsigned char value[512] = {0x3c, 0x00};
static int value_length = 2;

static DBusHandlerResult on_gatt(DBusConnection *conn, DBusMessage *msg) {
    DBusMessage *reply;
    if (dbus_message_is_method_call(msg, "org.bluez.GattCharacteristic1", "ReadValue")
        && dbus_message_has_signature(msg, "a{sv}")) {
        reply = dbus_message_new_method_return(msg);
        const unsigned char *bytes = value;
        dbus_message_append_args(reply, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &bytes, value_length, DBUS_TYPE_INVALID);
    } else if (dbus_message_is_method_call(msg, "org.bluez.GattCharacteristic1", "WriteValue")
               && dbus_message_has_signature(msg, "aya{sv}")) {
        DBusMessageIter args, array;
        const unsigned char *bytes = NULL;
        int length = 0;
        dbus_message_iter_init(msg, &args);
        dbus_message_iter_recurse(&args, &array);
        dbus_message_iter_get_fixed_array(&array, &bytes, &length);
        if (length > (int)sizeof value) length = (int)sizeof value;
        memcpy(value, bytes, (size_t)length);
        value_length = length;
        reply = dbus_message_new_method_return(msg);
    } else {
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
    }
    dbus_connection_send(conn, reply, NULL);
    dbus_message_unref(reply);
    return DBUS_HANDLER_RESULT_HANDLED;
}

static DBusHandlerResult on_message(DBusConnection *conn, DBusMessage *msg, void *data) {
    (void)data;
    if (!dbus_message_is_method_call(msg, "presso.bench.Echo1", "Echo"))
        return on_gatt(conn, msg);
    const char *text = NULL;
    DBusMessage *reply;
    if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID))
        reply = dbus_message_new_error(msg, DBUS_ERROR_INVALID_ARGS, "Echo takes (s)");
    else {
        reply = dbus_message_new_method_return(msg);
        dbus_message_append_args(reply, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID);
    }
    dbus_connection_send(conn, reply, NULL);
    dbus_message_unref(reply);
    return DBUS_HANDLER_RESULT_HANDLED;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s ADDRESS NAME\n", argv[0]); return 2; }
    DBusError err;
    dbus_error_init(&err);
    DBusConnection *conn = dbus_connection_open_private(argv[1], &err);
    if (!conn || !dbus_bus_register(conn, &err)) { fprintf(stderr, "connect: %s\n", err.message); return 1; }
    if (dbus_bus_request_name(conn, argv[2], DBUS_NAME_FLAG_DO_NOT_QUEUE, &err) != DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
        fprintf(stderr, "name %s not acquired\n", argv[2]);
        return 1;
    }
    DBusObjectPathVTable vtable = { .message_function = on_message };
    dbus_connection_register_object_path(conn, "/presso/bench", &vtable, NULL);
    printf("ready\n");
    fflush(stdout);
    while (dbus_connection_read_write_dispatch(conn, -1)) {}
    return 0;
}
