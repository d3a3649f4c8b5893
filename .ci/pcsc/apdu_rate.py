#!/usr/bin/python3
"""APDU round trips per second through pcscd over one open connection.

usage: apdu_rate.py [N] [READER-SUBSTRING] [SETUP-APDU-HEX ...] [APDU-HEX]
Defaults: 2000 APDUs, the first reader named "Virtual PCD" that holds a card, and
SELECT EF 0018 (00A4020C020018), which every hanko card answers with one status word.
APDUs before the last are sent once first, e.g. to time 256-byte reads of EF 000A:
  apdu_rate.py 5000 "Virtual PCD" 00A4040C0AD392F000260100000001 00A4020C02000A 00B0000000
Needs python3-pyscard (Debian) — /usr/bin/python3 on purpose: a pyenv or venv python
does not see Debian's dist-packages.
"""
import sys
import time

from smartcard import scard


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    want = sys.argv[2] if len(sys.argv) > 2 else "Virtual PCD"
    apdus = [list(bytes.fromhex(a)) for a in sys.argv[3:]] or [list(bytes.fromhex("00A4020C020018"))]
    setup, apdu = apdus[:-1], apdus[-1]

    rv, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if rv != scard.SCARD_S_SUCCESS:
        print("SCardEstablishContext:", scard.SCardGetErrorMessage(rv), file=sys.stderr)
        return 1
    try:
        rv, readers = scard.SCardListReaders(ctx, [])
        if rv != scard.SCARD_S_SUCCESS:
            print("SCardListReaders:", scard.SCardGetErrorMessage(rv), file=sys.stderr)
            return 1
        for reader in (r for r in readers if want in r):
            rv, card, proto = scard.SCardConnect(
                ctx, reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
            )
            if rv == scard.SCARD_S_SUCCESS:
                break
        else:
            print(f"no card in a reader matching {want!r} (readers: {readers})", file=sys.stderr)
            return 1
        pci = scard.SCARD_PCI_T1 if proto == scard.SCARD_PROTOCOL_T1 else scard.SCARD_PCI_T0
        for a in setup:
            rv, resp = scard.SCardTransmit(card, pci, a)
            if rv != scard.SCARD_S_SUCCESS or resp[-2:] != [0x90, 0x00]:
                print("setup", bytes(a).hex().upper(), "failed:", scard.SCardGetErrorMessage(rv), resp, file=sys.stderr)
                return 1
        # Warm-up, and proof that the card answers at all.
        rv, resp = scard.SCardTransmit(card, pci, apdu)
        if rv != scard.SCARD_S_SUCCESS or len(resp) < 2:
            print("SCardTransmit:", scard.SCardGetErrorMessage(rv), resp, file=sys.stderr)
            return 1
        t = time.perf_counter()
        for _ in range(n):
            rv, resp = scard.SCardTransmit(card, pci, apdu)
            if rv != scard.SCARD_S_SUCCESS:
                print("SCardTransmit:", scard.SCardGetErrorMessage(rv), file=sys.stderr)
                return 1
        dt = time.perf_counter() - t
        scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
        sw = "".join(f"{b:02X}" for b in resp[-2:])
        print(
            f"{n} APDUs in {dt:.3f} s: {n / dt:.0f} APDU/s, {dt / n * 1e6:.0f} us each "
            f"({len(resp)}-byte answers, SW {sw}, reader {reader!r})"
        )
        return 0
    finally:
        scard.SCardReleaseContext(ctx)


if __name__ == "__main__":
    sys.exit(main())
