#ifndef PRESSO_CDBUS_SHIM_H
#define PRESSO_CDBUS_SHIM_H
#include <dbus/dbus.h>
#endif
