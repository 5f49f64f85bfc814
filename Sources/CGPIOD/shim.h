#ifndef PRESSO_CGPIOD_SHIM_H
#define PRESSO_CGPIOD_SHIM_H
#include <gpiod.h>
#endif
