#!/usr/bin/env python3
"""Independent SCP80 (ETSI TS 102 225 / 3GPP TS 31.115) packet builder for hanko's test vectors.

Written from the standards' text, not from hanko's Rust, with the Python `cryptography`
package for DES/3DES/AES and AES-CMAC: the synthetic vectors in spec/tsm/scp80.json
(`vectors`) come from here, and hanko-crypto must reproduce them byte for byte. The
script first rebuilds every pySim vector (tests/unittests/test_ota.py), so a mistake in it
shows before any synthetic vector is trusted.

Run: python3 xtask/scripts/scp80_vectors.py   (prints the vectors as JSON)
"""

import json
import zlib

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def crc16_x25(data: bytes) -> bytes:
    # ISO/IEC 13239: x^16 + x^12 + x^5 + 1, reflected, register FFFF, result XOR FFFF.
    reg = 0xFFFF
    for b in data:
        reg ^= b
        for _ in range(8):
            reg = (reg >> 1) ^ 0x8408 if reg & 1 else reg >> 1
    return (reg ^ 0xFFFF).to_bytes(2, "big")


def crc32(data: bytes) -> bytes:
    return (zlib.crc32(data) & 0xFFFFFFFF).to_bytes(4, "big")


def des_family(key: bytes):
    # Single DES is 3DES with one key three times; 2-key 3DES is K1 K2 K1.
    if len(key) == 8:
        key = key * 3
    elif len(key) == 16:
        key = key + key[:8]
    return TripleDES(key)


def cbc_encrypt(algo: str, key: bytes, data: bytes) -> bytes:
    alg = algorithms.AES(key) if algo == "aes" else des_family(key)
    iv = bytes(alg.block_size // 8)
    enc = Cipher(alg, modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def cbc_decrypt(algo: str, key: bytes, data: bytes) -> bytes:
    alg = algorithms.AES(key) if algo == "aes" else des_family(key)
    iv = bytes(alg.block_size // 8)
    dec = Cipher(alg, modes.CBC(iv)).decryptor()
    return dec.update(data) + dec.finalize()


def checksum(kind: str, algo: str, key: bytes, data: bytes) -> bytes:
    if kind == "none":
        return b""
    if kind == "crc16":
        return crc16_x25(data)
    if kind == "crc32":
        return crc32(data)
    if algo == "aes":
        c = cmac.CMAC(algorithms.AES(key))
        c.update(data)
        return c.finalize()[:8]
    # DES/3DES CBC-MAC: zero padding to the block, last block of the CBC encryption.
    padded = data + bytes(-len(data) % 8)
    return cbc_encrypt("des", key, padded)[-8:]


CHECK_LEN = {"none": 0, "crc16": 2, "crc32": 4, "cc": 8}


def command(spi, kic, kid, tar, cntr, data, check, cipher_algo=None, kic_key=b"", mac_algo=None, kid_key=b""):
    """A command packet, CPL onwards (no UDH). `cipher_algo` set means SPI asks for ciphering."""
    n = CHECK_LEN[check]
    pad = 0
    if cipher_algo:
        block = 16 if cipher_algo == "aes" else 8
        pad = -(6 + n + len(data)) % block
    padded = data + bytes(pad)
    head = bytes([13 + n]) + spi + bytes([kic, kid]) + tar
    counters = cntr + bytes([pad])
    cpl = (len(head) + len(counters) + n + len(padded)).to_bytes(2, "big")
    sig = checksum(check, mac_algo, kid_key, cpl + head + counters + padded)
    secured = counters + sig + padded
    if cipher_algo:
        secured = cbc_encrypt(cipher_algo, kic_key, secured)
    return cpl + head + secured


def response(tar, cntr, status, data, check, cipher_algo=None, kic_key=b"", mac_algo=None, kid_key=b""):
    """A response packet with its UDH (02 71 00), which the checksum covers."""
    n = CHECK_LEN[check]
    pad = 0
    if cipher_algo:
        block = 16 if cipher_algo == "aes" else 8
        pad = -(7 + n + len(data)) % block
    padded = data + bytes(pad)
    rhl = bytes([10 + n])
    rpl = (1 + 3 + 5 + 1 + 1 + n + len(padded)).to_bytes(2, "big")
    counters = cntr + bytes([pad, status])
    udh = bytes.fromhex("027100")
    sig = checksum(check, mac_algo, kid_key, udh + rpl + rhl + tar + counters + padded)
    secured = counters + sig + padded
    if cipher_algo:
        secured = cbc_encrypt(cipher_algo, kic_key, secured)
    return udh + rpl + rhl + tar + secured


def h(s):
    return bytes.fromhex(s)


def check_against_pysim():
    aes_kic, aes_kid = h("200102030405060708090a0b0c0d0e0f"), h("201102030405060708090a0b0c0d0e0f")
    sja5_kic, sja5_kid = h("300102030405060708090a0b0c0d0e0f"), h("301102030405060708090a0b0c0d0e0f")
    kic3, kid3 = h("C21DD66ACAC13CB3BC8B331B24AFB57B"), h("12110C78E678C25408233076AA033615")
    tar, apdu, zero = h("B00011"), h("00a40004023f00"), bytes(5)
    got = command(h("0619"), 0x22, 0x22, tar, zero, apdu, "cc", "aes", aes_kic, "aes", aes_kid)
    assert got.hex() == "00281506192222b00011e87cceebb2d93083011ce294f93fc4d8de80da1abae8c37ca3e72ec4432e5058", got.hex()
    got = command(h("0619"), 0x35, 0x35, tar, zero, apdu, "cc", "des", sja5_kic, "des", sja5_kid)
    assert got.hex() == "00201506193535b00011ae733256918d050b87c94fbfe12e4dc402f262c41cf67f2f", got.hex()
    got = command(h("0609"), 0x35, 0x35, tar, zero, apdu, "cc", "des", sja5_kic, "des", sja5_kid)
    assert got.hex() == "00201506093535b00011c49ac91ab8159ba5b83a54fb6385e0a5e31694f8b215fafc", got.hex()
    got = command(h("0601"), 0x35, 0x35, tar, zero, apdu, "cc", "des", sja5_kic, "des", sja5_kid)
    assert got.hex() == "00201506013535b000113190be334900f52b025f3f7eddfe868e96ebf310023b7769", got.hex()
    apdu2 = h("00a40000023f00")
    got = command(h("0419"), 0x35, 0x35, h("b00000"), zero, apdu2, "none", "des", kic3)
    assert got.hex() == "00180d04193535b00000e3ec80a849b554421276af3883927c20", got.hex()
    # pySim prints the unciphered packets without their CPL (its CC still covers it).
    got = command(h("0219"), 0x35, 0x35, h("b00000"), zero, apdu2, "cc", None, b"", "des", kid3)
    assert got[2:].hex() == "1502193535b00000000000000000072ea17bdb72060e00a40000023f00", got.hex()
    got = command(h("0019"), 0x35, 0x35, h("b00000"), zero, apdu2, "none")
    assert got[2:].hex() == "0d00193535b0000000000000000000a40000023f00", got.hex()
    # Responses: rebuild the plain ones, decipher the ciphered ones.
    got = response(tar, zero, 0, h("016132"), "cc", None, b"", "des", sja5_kid)
    assert got.hex() == "027100001612b0001100000000000000b5bcd6353a421fae016132", got.hex()
    got = response(h("b00011"), zero, 0, h("01612f"), "cc", None, b"", "des", kid3)
    assert got.hex() == "027100001612b000110000000000000055f47118381175fb01612f", got.hex()
    for resp, algo, kic, kid in [
        ("027100002412b00011ebc6b497e2cad7aedf36ace0e3a29b38853f0fe9ccde81913be5702b73abce1f", "aes", aes_kic, aes_kid),
        ("027100001c12b000118bb989492c632529326a2f4681feb37c825bc9021c9f6d0b", "des", sja5_kic, sja5_kid),
        ("027100001c12b000119660ebdb81be189b5e4389e9e7ab2bc0954f963ad869ed7c", "des", kic3, kid3),
    ]:
        raw = h(resp)
        plain = cbc_decrypt(algo, kic, raw[9:])
        pad, status, cc, data = plain[5], plain[6], plain[7:15], plain[15:]
        rebuilt = response(raw[6:9], plain[:5], status, data[: len(data) - pad], "cc", algo, kic, algo, kid)
        assert rebuilt == raw, (resp, rebuilt.hex())
        assert checksum("cc", algo, kid, raw[:9] + plain[:7] + data) == cc


def synthetic():
    des3_kic = h("11223344556677888877665544332211")
    des3_kid = h("0123456789ABCDEFFEDCBA9876543210")
    aes_kic = h("000102030405060708090A0B0C0D0E0F")
    aes_kid = h("0F0E0D0C0B0A09080706050403020100")
    select_mf = h("00A40004023F00")
    read_iccid = h("00A4000C023F0000A4000C022FE200B000000A")
    out = []

    def cmd(name, *args, keys=None):
        pkt = command(*args)
        out.append({"name": name, "kind": "command", "packet": pkt.hex().upper(), "keys": keys or {}})

    def rsp(name, *args, keys=None):
        pkt = response(*args)
        out.append({"name": name, "kind": "response", "packet": pkt.hex().upper(), "keys": keys or {}})

    cmd("no_security", h("0000"), 0x00, 0x00, h("B00011"), bytes(5), select_mf, "none")
    cmd("rc_crc16_counter_available", h("0901"), 0x00, 0x11, h("B00011"), h("0000000001"), select_mf, "crc16")
    cmd("rc_crc32_counter_higher", h("1101"), 0x00, 0x15, h("B00011"), h("0000000002"), read_iccid, "crc32")
    k3 = {"kid": des3_kid.hex().upper()}
    cmd("cc_3des_counter_plus_one", h("1A09"), 0x00, 0x15, h("000000"), h("0000000010"), h("80F24002024F0000"),
        "cc", None, b"", "des", des3_kid, keys=k3)
    k3c = {"kic": des3_kic.hex().upper(), "kid": des3_kid.hex().upper()}
    cmd("cc_3des_ciphered", h("0E39"), 0x15, 0x15, h("000000"), h("0000000011"), h("80F24002024F0000"),
        "cc", "des", des3_kic, "des", des3_kid, keys=k3c)
    ka = {"kic": aes_kic.hex().upper(), "kid": aes_kid.hex().upper()}
    cmd("rc_crc32_aes_ciphered", h("0D01"), 0x12, 0x15, h("B00011"), h("0000000003"), select_mf,
        "crc32", "aes", aes_kic, keys={"kic": aes_kic.hex().upper()})
    rsp("por_ok_crc32", h("B00011"), h("0000000001"), 0x00, h("01612F"), "crc32")
    rsp("por_counter_low", h("B00011"), h("0000000001"), 0x02, b"", "none")
    rsp("por_ok_aes_ciphered_cc", h("B00011"), h("0000000003"), 0x00, h("019000"), "cc", "aes", aes_kic,
        "aes", aes_kid, keys=ka)
    return out


if __name__ == "__main__":
    check_against_pysim()
    print(json.dumps(synthetic(), indent=1))
