#!/usr/bin/python3
"""The boots' GATT values decoded from the CONTRACT (gatt-schema/presso-boots.json) with the
independent Python codec (scripts/gattschema/codec.py), never with pressod's Swift codecs: the
tests of both tiers read bytes from the real daemon and check what they mean through this.

As a library (the real tier's clients):
    from boots_decoder import Contract
    contract = Contract()                     # the repository's contract
    contract.decode('liveState', data)        # {'phase': 2, 'activeChamber': 3, ...}
    contract.describe('liveState', data)      # 'phase=inflating activeChamber=3 measured=41 mmHg ...'
    contract.problems('pressure', data, cap=200)   # fields outside their documented ranges

As a filter (the fast tier, from Swift): `boots_decoder.py [REQUESTS.json]` reads a JSON list of
requests (from the file, else stdin) and prints a JSON list of answers, in the same order:
    {"characteristic": "pressure", "hex": "7800", "cap": 200, "installed": 6}
    {"manufacturerData": "0100000000"}
    {"indication": "80010487"}
    {"descriptor": "2906", "characteristic": "pressure", "hex": "1400c800", "cap": 200}
  -> {"value": {...}, "problems": [...], "text": "..."} or {"error": "..."}
"""
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'scripts'))

from gattschema import codec  # noqa: E402


class Contract:
    def __init__(self, path=REPO / 'gatt-schema' / 'presso-boots.json'):
        self.json = json.loads(Path(path).read_text(encoding='utf-8'))
        self.characteristics = {ch['id']: ch for service in self.json['services']
                                for ch in service['characteristics']}
        self.errors = {int(e['code'], 16): e['name'] for e in self.json['errors']}
        control = self.characteristics['controlPoint']
        self.opcodes = {int(op['code'], 16): op['name'] for op in control['opcodes']}
        self.results = {int(r['code'], 16): r['name'] for r in control['results']}

    def uuid(self, characteristic):
        return self.characteristics[characteristic]['uuid']

    def fields(self, characteristic):
        return self.characteristics[characteristic]['value']['fields']

    def decode(self, characteristic, data):
        """{field: integer} of a value, or the text of a UTF-8 string characteristic."""
        value = self.characteristics[characteristic]['value']
        if 'utf8' in value:
            if len(data) > value.get('maxBytes', 20):
                raise codec.CodecError(f'{len(data)} bytes, more than {value["maxBytes"]}')
            return bytes(data).decode('utf-8')
        return codec.decode(value['fields'], bytes(data))

    def problems(self, characteristic, data, **context):
        value = self.characteristics[characteristic]['value']
        if 'utf8' in value:
            return []
        return codec.range_problems(value['fields'], self.decode(characteristic, data), context)

    def describe_fields(self, fields, decoded):
        parts = []
        for field in fields:
            number = decoded[field['name']]
            if 'enum' in field:
                shown = field['enum'].get(str(number), f'?{number}')
            elif field['name'] in ('mask', 'fullMask', 'zones'):
                shown = '{' + ','.join(str(i + 1) for i in range(16) if number >> i & 1) + '}'
            elif field['type'] == 'uint16' and number == 0xFFFF and field.get('unit') == 'mmHg':
                shown = 'none'
            else:
                shown = f'{number}{" " + field["unit"] if field.get("unit") else ""}'
            parts.append(f'{field["name"]}={shown}')
        return ' '.join(parts)

    def describe(self, characteristic, data):
        """One line a person can read: field=meaning ..."""
        decoded = self.decode(characteristic, data)
        if isinstance(decoded, str):
            return repr(decoded)
        return self.describe_fields(self.fields(characteristic), decoded)

    def manufacturer_data(self, data):
        fields = self.json['advertisement']['manufacturerData']['fields']
        decoded = codec.decode(fields, bytes(data))
        return decoded, codec.range_problems(fields, decoded, {}), self.describe_fields(fields, decoded)

    def indication(self, data):
        """A control point indication: {'response': 0x80, 'opcode', 'result'[, 'reason']}."""
        data = bytes(data)
        if len(data) not in (3, 4) or data[0] != 0x80:
            raise codec.CodecError(f'not a control point indication: {data.hex()}')
        decoded = {'response': data[0], 'opcode': data[1], 'result': data[2]}
        text = (f'response to {self.opcodes.get(data[1], f"opcode 0x{data[1]:02x}")}: '
                f'{self.results.get(data[2], f"?0x{data[2]:02x}")}')
        if len(data) == 4:
            decoded['reason'] = data[3]
            text += f' (0x{data[3]:02x} {self.errors.get(data[3], "?")})'
        return decoded, text

    def descriptor(self, characteristic, uuid, data, **context):
        """A descriptor's value: user description text, or its fields for 2904/2906."""
        for descriptor in self.characteristics[characteristic].get('descriptors', []):
            if descriptor['uuid'] != uuid:
                continue
            if 'utf8' in descriptor:
                return bytes(data).decode('utf-8')
            if 'fields' in descriptor:
                decoded = codec.decode(descriptor['fields'], bytes(data))
                problems = codec.range_problems(descriptor['fields'], decoded, context)
                if problems:
                    raise codec.CodecError('; '.join(problems))
                return decoded
            return bytes(data).hex()
        raise codec.CodecError(f'{characteristic} has no descriptor {uuid}')


def answer(contract, request):
    try:
        data = codec.parse_hex(request.get('hex', ''))
        context = {k: request[k] for k in ('cap', 'installed') if k in request}
        if 'manufacturerData' in request:
            value, problems, text = contract.manufacturer_data(codec.parse_hex(request['manufacturerData']))
            return {'value': value, 'problems': problems, 'text': text}
        if 'indication' in request:
            value, text = contract.indication(codec.parse_hex(request['indication']))
            return {'value': value, 'problems': [], 'text': text}
        if 'descriptor' in request:
            value = contract.descriptor(request['characteristic'], request['descriptor'], data, **context)
            return {'value': value, 'problems': [], 'text': str(value)}
        characteristic = request['characteristic']
        return {'value': contract.decode(characteristic, data),
                'problems': contract.problems(characteristic, data, **context),
                'text': contract.describe(characteristic, data)}
    except (codec.CodecError, KeyError, UnicodeDecodeError) as error:
        return {'error': f'{type(error).__name__}: {error}'}


def main():
    contract = Contract()
    with (open(sys.argv[1], encoding='utf-8') if len(sys.argv) > 1 else sys.stdin) as source:
        requests = json.load(source)
    json.dump([answer(contract, request) for request in requests], sys.stdout)
    return 0


if __name__ == '__main__':
    sys.exit(main())
