"""Bits per MCU of a baseline JPEG stream: walk the entropy-coded scan and record where each MCU ends.

Only what the Huffman codes need is decoded (code lengths and the sizes of the magnitude bits that follow
them, ITU-T T.81 Annex F.2.2), not coefficient values. Supported: baseline / extended sequential Huffman
JPEG (SOF0 / SOF1) with one interleaved scan and no restart intervals — what libjpeg writes through Pillow
by default. Byte stuffing (0xFF 0x00) is charged to the MCU whose bits contain the 0xFF byte.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class ScanCosts:
    """Per-MCU cost of a JPEG stream.

    bits:       (mcu_rows, mcu_cols) bits each MCU takes in the entropy-coded segment, stuffing included.
    header:     bytes before the entropy-coded segment (SOI … SOS); ``dqt``: bytes of the DQT segments.
    tail:       bytes after the last MCU: the padding of the last byte and the EOI marker.
    mcu_shape:  (rows, cols) pixels per MCU (16×16 for 4:2:0, 8×8 for 4:4:4).
    total:      len of the stream = header + ceil(sum(bits) / 8) + 2 (EOI), checked against the stream.
    """

    bits: np.ndarray
    header: int
    dqt: int
    tail: int
    mcu_shape: tuple[int, int]
    total: int


def _u16(data: bytes, pos: int) -> int:
    return (data[pos] << 8) | data[pos + 1]


def _huffman_table(counts: bytes, symbols: bytes) -> tuple[list[int], list[int]]:
    """Lookup tables over the next 16 bits → (symbol, code length) from a DHT table (canonical codes, F.2.2.3)."""
    sym = np.full(1 << 16, -1, dtype=np.int32)
    length = np.zeros(1 << 16, dtype=np.int32)
    code, k = 0, 0
    for n_bits in range(1, 17):
        for _ in range(counts[n_bits - 1]):
            lo, hi = code << (16 - n_bits), (code + 1) << (16 - n_bits)
            if hi > 1 << 16:
                raise ValueError("invalid Huffman table (code space overflow)")
            sym[lo:hi] = symbols[k]
            length[lo:hi] = n_bits
            code += 1
            k += 1
        code <<= 1
    return sym.tolist(), length.tolist()


def _parse_header(data: bytes):
    if len(data) < 4 or data[0] != 0xFF or data[1] != 0xD8:
        raise ValueError("not a JPEG stream (no SOI marker)")
    pos, dqt, frame, tables, scan = 2, 0, None, {}, None
    while scan is None:
        if pos + 4 > len(data) or data[pos] != 0xFF:
            raise ValueError(f"malformed JPEG header at byte {pos}")
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        length = _u16(data, pos + 2)
        seg = data[pos + 4: pos + 2 + length]
        if marker in (0xC0, 0xC1):
            height, width, n = _u16(seg, 1), _u16(seg, 3), seg[5]
            frame = (height, width, [(seg[6 + 3 * i], seg[7 + 3 * i] >> 4, seg[7 + 3 * i] & 15) for i in range(n)])
        elif 0xC2 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            raise ValueError(f"only baseline/sequential Huffman JPEG is supported (found SOF marker 0x{marker:02X})")
        elif marker == 0xC4:
            i = 0
            while i < len(seg):
                counts = seg[i + 1: i + 17]
                n = sum(counts)
                tables[seg[i] >> 4, seg[i] & 15] = _huffman_table(counts, seg[i + 17: i + 17 + n])
                i += 17 + n
        elif marker == 0xDB:
            dqt += 2 + length
        elif marker == 0xDD and _u16(seg, 0):
            raise ValueError("JPEG streams with restart intervals are not supported")
        elif marker == 0xDA:
            n = seg[0]
            scan = [(seg[1 + 2 * i], seg[2 + 2 * i] >> 4, seg[2 + 2 * i] & 15) for i in range(n)]
        pos += 2 + length
    if frame is None:
        raise ValueError("JPEG stream without a baseline frame header (SOF0/SOF1)")
    return pos, dqt, frame, tables, scan


def scan_costs(data: bytes) -> ScanCosts:
    """Bits of each MCU of a baseline JPEG stream (see the module docstring)."""
    header, dqt, (height, width, comps), tables, scan = _parse_header(data)
    sampling = {cid: (h, v) for cid, h, v in comps}
    if len(scan) != len(comps):
        raise ValueError("only single-scan interleaved JPEG is supported")
    hmax, vmax = max(h for _, h, _ in comps), max(v for _, _, v in comps)
    mcu_rows, mcu_cols = -(-height // (8 * vmax)), -(-width // (8 * hmax))
    try:
        blocks = [(tables[0, td], tables[1, ta]) for cid, td, ta in scan for _ in range(sampling[cid][0] *
                                                                                        sampling[cid][1])]
    except KeyError as exc:
        raise ValueError(f"the scan uses a Huffman table the stream does not define: {exc}") from None
    end = data.rfind(b"\xff\xd9")
    if end < header:
        raise ValueError("JPEG stream without an EOI marker")
    raw = np.frombuffer(data[header:end], dtype=np.uint8)
    stuffed = np.nonzero((raw[:-1] == 0xFF) & (raw[1:] == 0x00))[0]
    keep = np.ones(raw.size, dtype=bool)
    keep[stuffed + 1] = False
    clean = raw[keep]
    stuff_at = stuffed - np.arange(stuffed.size)  # index of each stuffed 0xFF in the unstuffed bytes
    bits = np.concatenate([np.unpackbits(clean), np.zeros(32, dtype=np.uint8)])
    window = np.lib.stride_tricks.sliding_window_view(bits, 16) @ (1 << np.arange(15, -1, -1))
    win = window.tolist()
    n_bits = clean.size * 8
    costs = np.zeros(mcu_rows * mcu_cols, dtype=np.int64)
    pos = 0
    for m in range(costs.size):
        start = pos
        for (dc_sym, dc_len), (ac_sym, ac_len) in blocks:
            v = win[pos]
            size = dc_sym[v]
            if size < 0:
                raise ValueError(f"invalid DC Huffman code at bit {pos} (MCU {m})")
            pos += dc_len[v] + size
            k = 1
            while k < 64:
                v = win[pos]
                rs = ac_sym[v]
                if rs < 0:
                    raise ValueError(f"invalid AC Huffman code at bit {pos} (MCU {m})")
                pos += ac_len[v]
                run, size = rs >> 4, rs & 15
                if size == 0:
                    if run != 15:
                        break  # end of block
                    k += 16
                else:
                    k += run + 1
                    pos += size
            if pos > n_bits:
                raise ValueError("the entropy-coded segment ends before the last MCU")
        costs[m] = pos - start
    first_byte = np.cumsum(costs) - costs  # bit offsets of each MCU's first bit
    owner = np.searchsorted(first_byte, stuff_at * 8, side="right") - 1
    np.add.at(costs, owner[owner >= 0], 8)
    used = -(-pos // 8) + stuffed.size
    tail = len(data) - header - used
    return ScanCosts(costs.reshape(mcu_rows, mcu_cols), header, dqt, tail, (8 * vmax, 8 * hmax), len(data))
