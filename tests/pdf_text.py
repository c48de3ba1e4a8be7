"""Just enough PDF parsing to read back the text fpdf2 writes (Type0 fonts, ToUnicode CMaps, Tj/TJ).

There is no PDF library among the dependencies; this lets privacy and round-trip tests scan PDF text.
"""

import re
import zlib

_OBJECT_START = re.compile(rb"(\d+) 0 obj")
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_FONT_REF = re.compile(rb"/(F\d+) (\d+) 0 R")
_OP = re.compile(rb"/(F\d+) [\d.]+ Tf|(\((?:\\.|[^\\)])*\))\s*Tj|\[((?:\\.|[^\]])*)\]\s*TJ|(BT)", re.S)
_STRING = re.compile(rb"\((?:\\.|[^\\)])*\)", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Object number -> (dictionary text, decoded stream or None); streams are sliced by /Length."""
    objects: dict[int, tuple[bytes, bytes | None]] = {}
    position = 0
    while match := _OBJECT_START.search(pdf, position):
        start = match.end()
        end = pdf.find(b"endobj", start)
        stream = pdf.find(b"stream", start)
        if stream == -1 or stream > end:
            objects[int(match.group(1))] = (pdf[start:end], None)
            position = end
            continue
        body = pdf[start:stream]
        length = int(re.search(rb"/Length (\d+)", body).group(1))  # type: ignore[union-attr]
        data_start = stream + len(b"stream") + (2 if pdf[stream + 6 : stream + 8] == b"\r\n" else 1)
        data = pdf[data_start : data_start + length]
        if b"/FlateDecode" in body:
            data = zlib.decompress(data)
        objects[int(match.group(1))] = (body, data)
        position = pdf.find(b"endobj", data_start + length)
    return objects


def _literal(token: bytes) -> bytes:
    inner, out, i = token[1:-1], bytearray(), 0
    while i < len(inner):
        char = inner[i : i + 1]
        if char == b"\\":
            nxt = inner[i + 1 : i + 2]
            if nxt.isdigit():
                digits = re.match(rb"[0-7]{1,3}", inner[i + 1 :]).group(0)  # type: ignore[union-attr]
                out.append(int(digits, 8))
                i += 1 + len(digits)
                continue
            out += _ESCAPES.get(nxt, nxt)
            i += 2
            continue
        out += char
        i += 1
    return bytes(out)


def pdf_text(pdf: bytes) -> str:
    """All text drawn in the PDF, in drawing order; each text object starts on a new line."""
    objects = _objects(pdf)
    cmaps: dict[int, dict[int, str]] = {}
    for number, (body, _data) in objects.items():
        found = re.search(rb"/ToUnicode (\d+) 0 R", body)
        if found and b"/Type /Font" in body:
            mapping_data = objects[int(found.group(1))][1] or b""
            cmaps[number] = {
                int(code, 16): bytes.fromhex(value.decode()).decode("utf-16-be")
                for code, value in _BFCHAR.findall(mapping_data)
            }
    fonts = {
        name.decode(): cmaps.get(int(ref), {})
        for body, _ in objects.values()
        for name, ref in _FONT_REF.findall(body)
    }
    out: list[str] = []
    for body, data in objects.values():
        if data is None or b"/Type /Font" in body or b"begincmap" in data:
            continue
        cmap: dict[int, str] = {}
        for match in _OP.finditer(data):
            font, single, array, begin = match.groups()
            if font:
                cmap = fonts.get(font.decode(), {})
            elif begin:
                out.append("\n")
            else:
                strings = [single] if single else _STRING.findall(array)
                for raw in strings:
                    decoded = _literal(raw)
                    out += [
                        cmap.get(int.from_bytes(decoded[i : i + 2], "big"), "")
                        for i in range(0, len(decoded), 2)
                    ]
    return "".join(out)
