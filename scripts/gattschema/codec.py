"""Little-endian field codec for the GATT contract, built on `struct`.

Deliberately independent of the Swift codecs: the contract's test vectors are checked
against this decoder, and the Swift profile tests against the same vectors, so a mistake
has to be made twice, the same way, to go unnoticed.
"""

import struct

# Field type -> struct format character (the byte order comes from FORMAT_PREFIX).
STRUCT_CHARS = {
    "uint8": "B", "sint8": "b",
    "uint16": "H", "sint16": "h",
    "uint32": "I", "sint32": "i",
}
FORMAT_PREFIX = "<"  # little-endian, no padding


class CodecError(ValueError):
    """Bytes or values that do not fit a field list."""


def parse_hex(text):
    """Returns the bytes written as hex in a contract string ("0600 8127", spaces allowed)."""
    compact = text.replace(" ", "")
    if len(compact) % 2:
        raise CodecError(f"odd number of hex digits in {text!r}")
    try:
        return bytes.fromhex(compact)
    except ValueError as error:
        raise CodecError(f"not hex: {text!r}") from error


def struct_format(fields):
    """The struct format string for a field list."""
    return FORMAT_PREFIX + "".join(STRUCT_CHARS[field["type"]] for field in fields)


def size_of(fields):
    """The encoded size in bytes of a field list."""
    return struct.calcsize(struct_format(fields))


def decode(fields, data):
    """Decodes bytes into {field name: integer}; the length must match exactly."""
    fmt = struct_format(fields)
    if len(data) != struct.calcsize(fmt):
        raise CodecError(f"{len(data)} bytes, but the fields take {struct.calcsize(fmt)}")
    return dict(zip((field["name"] for field in fields), struct.unpack(fmt, data)))


def encode(fields, value):
    """Encodes {field name: integer} into bytes; every field, and only those, must be given."""
    names = [field["name"] for field in fields]
    missing = [name for name in names if name not in value]
    extra = sorted(set(value) - set(names))
    if missing or extra:
        raise CodecError(f"value keys do not match the fields (missing {missing}, extra {extra})")
    try:
        return struct.pack(struct_format(fields), *(value[name] for name in names))
    except struct.error as error:
        raise CodecError(f"a value does not fit its type: {error}") from error


def resolve_limit(limit, context):
    """A field's min/max as a number: integers as they are, names from the context, else None."""
    if isinstance(limit, int):
        return limit
    return context.get(limit)


def range_problems(fields, value, context):
    """Messages for every field of a decoded value outside its min/max, enum or bits."""
    problems = []
    for field in fields:
        name = field["name"]
        if name not in value:
            continue
        number = value[name]
        low = resolve_limit(field.get("min"), context)
        high = resolve_limit(field.get("max"), context)
        if low is not None and number < low:
            problems.append(f"{name}={number} is below its minimum {low}")
        if high is not None and number > high:
            problems.append(f"{name}={number} is above its maximum {high}")
        if "enum" in field and str(number) not in field["enum"]:
            problems.append(f"{name}={number} is not one of its enumerated values")
        if "bits" in field:
            known = sum(1 << int(bit) for bit in field["bits"])
            if number & ~known:
                problems.append(f"{name}={number:#x} sets undefined bits")
        constant = resolve_limit(field.get("value"), context)
        if constant is not None and number != constant:
            problems.append(f"{name}={number} but the field always holds {constant}")
    return problems


def parse_lengths(lengths):
    """The set of write lengths a characteristic accepts ([1, 2] or "1-20")."""
    if isinstance(lengths, str):
        low, high = (int(part) for part in lengths.split("-"))
        return set(range(low, high + 1))
    return set(lengths)


def format_lengths(lengths):
    """Human form of a write's lengths: "2 bytes", "1 or 2 bytes", "1-20 bytes"."""
    if isinstance(lengths, str):
        return f"{lengths} bytes"
    words = [str(length) for length in sorted(lengths)]
    joined = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
    return f"{joined} byte" + ("" if words == ["1"] else "s")


def code_value(code):
    """The integer of a "0xNN" code string."""
    return int(code, 16)


def compact_hex(text):
    """A contract hex string without spaces, lower case."""
    return text.replace(" ", "").lower()


def spaced_hex(data):
    """Bytes as "0x78 0x00", the form bluetoothctl's write command takes."""
    return " ".join(f"0x{byte:02x}" for byte in data)
