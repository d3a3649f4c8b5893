#!/usr/bin/env python3
"""Writes spec/card/applications.json and spec/ef/*.json.

The layouts are hand-written here; the example bytes are synthetic and built from the
layouts' rules (an obviously fake holder, 見本 花子, with a patterned My Number whose check
digit is valid), so that every example is consistent by construction. Run from the repo
root: python3 xtask/scripts/ef_examples.py
"""
import hashlib, json, os

def blen(n):
    if n < 0x80: return bytes([n])
    if n < 0x100: return bytes([0x81, n])
    if n < 0x10000: return bytes([0x82]) + n.to_bytes(2, 'big')
    return bytes([0x83]) + n.to_bytes(3, 'big')

def tlv(tag, value):
    t = bytes.fromhex(tag)
    return t + blen(len(value)) + value

def my_number_check(first11):
    w = [6,5,4,3,2,7,6,5,4,3,2]
    s = sum(int(d)*x for d, x in zip(first11, w))
    c = 11 - s % 11
    return '0' if c >= 10 else str(c)

def pattern(n, seed):
    """Deterministic filler bytes standing in for keys, hashes and signatures."""
    out = b''
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f'{seed}:{i}'.encode()).digest()
        i += 1
    return out[:n]

H = lambda b: b.hex().upper()
MY_NUMBER = '12345678901' + my_number_check('12345678901')
assert MY_NUMBER == '123456789018'
NAME = '見本　花子'
ADDRESS = '東京都千代田区見本町一丁目２番３号'
BIRTH = '20000101'
PNG = bytes.fromhex('89504E470D0A1A0A') + pattern(24, 'png')
J2K = bytes.fromhex('FF4FFF51') + pattern(28, 'j2k')

def rsa_key(seed):
    return tlv('90', bytes.fromhex('010001')) + tlv('91', pattern(256, seed))

SRC_SOL = 'soltia48/myna-card'
SRC_JSA = 'AokiApp/jsapdu packages/mynacard/src/schema.ts'
SRC_OSC = 'OpenSC src/libopensc/card-jpki.c, pkcs15-jpki.c'

# --- applications -------------------------------------------------------------------------
apps = [
    dict(id='ap.jpki', name='JPKI AP (公的個人認証AP)', short='jpki', aid='D392F000260100000001',
         source='OpenSC src/libopensc/jpki.h; REFERENCE §1', confidence='observed'),
    dict(id='ap.text', name='card-info input support AP (券面事項入力補助AP)', short='text', aid='D392100031000101040 8'.replace(' ', ''),
         source='jpki/myna, siketyan/jpki-rs, soltia48/myna-card, AokiApp/jsapdu (all agree)', confidence='observed'),
    dict(id='ap.surface', name='card-face confirmation AP (券面事項確認AP)', short='surface', aid='D3921000310001010402',
         source='jpki/myna (visual), siketyan/jpki-rs, soltia48/myna-card, AokiApp/jsapdu', confidence='observed'),
    dict(id='ap.resident', name='resident registry AP (住基AP)', short='resident', aid='D3921000310001010401',
         note='Names differ between sources.', source='REFERENCE §1', confidence='single-source'),
    dict(id='ap.common', name='common card AP (共通カードAP)', short='common', aid='D3921000310001010100',
         note='jpki/myna calls it "unknown".', source='jpki/myna src/reader.rs select_unknown_ap; soltia48/myna-card src/ap/common.rs', confidence='single-source'),
]
for a in apps:
    a['examples'] = [dict(hex='00A4040C0A' + a['aid'], decoded={'command': {'id': 'jpki.select_df', 'aid': {'hex': a['aid'], 'application': a['id']}}})]

# --- files ----------------------------------------------------------------------------------
def pin(id_, ap, fid, name, tries, charset, length, source, confidence, note=None):
    e = dict(id=id_, name=name, application=ap, fid=fid, kind='pin',
             pin=dict(tries=tries, charset=charset, length=length), source=source, confidence=confidence)
    if note: e['note'] = note
    return e

def key(id_, ap, fid, name, pin_id, source, confidence='observed'):
    return dict(id=id_, name=name, application=ap, fid=fid, kind='key',
                key=dict(algorithm='rsa', bits=2048, use=[pin_id] if pin_id else []), source=source, confidence=confidence)

def data(id_, ap, fid, name, read, layout, examples, source, confidence, padding=None, note=None):
    e = dict(id=id_, name=name, application=ap, fid=fid, kind='data', read=read, layout=layout)
    if padding: e['padding'] = padding
    if note: e['note'] = note
    e.update(source=source, confidence=confidence, examples=examples)
    return e

# a tiny synthetic DER SEQUENCE standing in for a certificate
CERT = tlv('30', tlv('30', tlv('02', b'\x01')) + tlv('03', b'\x00' + pattern(8, 'c')))
cert_layout = [dict(name='certificate', der='30')]
def cert_examples(fid):
    return [dict(hex=H(CERT), decoded={'certificate': H(CERT)}),
            dict(hex=H(CERT + b'\xFF' * 4), decoded={'padding': 4}, note='bytes read past the DER length'),
            dict(hex='3082061F3082', error=dict(kind='truncated', offset=6)),
            dict(hex='310100', error=dict(kind='unexpected_tag', offset=0))]

token_label = b'JPKIAPICCTOKEN2'.ljust(32, b' ')
jpki = [
    data('jpki.sign_cert', 'ap.jpki', '0001', 'signing certificate', ['jpki.sign_pin'], cert_layout, cert_examples('0001'),
         SRC_OSC + '; tex2e walk-through', 'observed', padding=['00', 'FF']),
    data('jpki.sign_ca_cert', 'ap.jpki', '0002', 'signing CA certificate', 'always', cert_layout, cert_examples('0002'),
         SRC_OSC, 'observed', padding=['00', 'FF']),
    data('jpki.auth_cert', 'ap.jpki', '000A', 'authentication certificate', 'always', cert_layout, cert_examples('000A'),
         SRC_OSC + '; tex2e walk-through', 'observed', padding=['00', 'FF'],
         note='Free on the plastic card; behind the authentication PIN on the phone token (a profile choice, see the card model).'),
    data('jpki.auth_ca_cert', 'ap.jpki', '000B', 'authentication CA certificate', 'always', cert_layout, cert_examples('000B'),
         SRC_OSC, 'observed', padding=['00', 'FF']),
    data('jpki.token_info', 'ap.jpki', '0006', 'token information', 'always',
         [dict(name='label', length=32, value='ascii_padded'),
          dict(name='token_info_rest', rest=[0, 128], value='bytes',
               note='soltia48/myna-card reads 160 bytes laid out as PKCS#11 CK_TOKEN_INFO (single source); clients read only the label')],
         [dict(hex=H(token_label), decoded={'label': 'JPKIAPICCTOKEN2', 'token_info_rest': ''}),
          dict(hex=H(b'JPKIAPGPSETOKEN'.ljust(32, b' ')), decoded={'label': 'JPKIAPGPSETOKEN'}),
          dict(hex=H(b'JPKIAPICCTOKEN2'.ljust(20, b' ')), error=dict(kind='truncated', offset=20)),
          dict(hex=H(b'JPKI\x01'.ljust(32, b' ')), error=dict(kind='invalid', offset=4))],
         'jpki/myna src/jpki.rs, libmyna/api.go; soltia48/myna-card src/ap/jpki.rs; REFERENCE §2', 'observed',
         note='Labels: JPKIAPICCTOKEN2 My Number card, JPKIAPICCTOKEN older resident card, JPKIAPGPSETOKEN Android secure element, JPKIAPIOSTOKEN iPhone (single source).'),
    data('jpki.certificate_status', 'ap.jpki', '0008', 'certificate availability', 'always',
         [dict(name='signing_certificate', length=1, value=dict(enum={'8F': 'present', '00': 'absent'})),
          dict(name='authentication_certificate', length=1, value=dict(enum={'8F': 'present', '00': 'absent'})),
          dict(name='reserved', length=1, value='bytes')],
         [dict(hex='8F8F00', decoded={'signing_certificate': 'present', 'authentication_certificate': 'present', 'reserved': '00'}),
          dict(hex='008F00', decoded={'signing_certificate': 'absent'}),
          dict(hex='8F8F', error=dict(kind='truncated', offset=2))],
         SRC_SOL + ' src/ap/jpki.rs', 'single-source'),
    key('jpki.auth_key', 'ap.jpki', '0017', 'authentication private key (RSA-2048)', 'jpki.auth_pin', SRC_OSC),
    pin('jpki.auth_pin', 'ap.jpki', '0018', 'authentication PIN', 3, 'digits', [4, 4], SRC_OSC + ' (JPKI_AUTH_PIN_MAX_TRIES 3)', 'observed'),
    key('jpki.sign_key', 'ap.jpki', '001A', 'signing private key (RSA-2048)', 'jpki.sign_pin', SRC_OSC),
    pin('jpki.sign_pin', 'ap.jpki', '001B', 'signing password', 5, 'upper_alphanumeric', [6, 16], SRC_OSC + '; jpki/myna src/utils.rs', 'observed'),
]

mn_file = tlv('FF10', MY_NUMBER.encode()) + b'\xFF\xFF'
def basic_four(name=NAME, addr=ADDRESS, birth=BIRTH, sex='2', lie=None):
    items = [tlv('DF22', name.encode()), tlv('DF23', addr.encode()), tlv('DF24', birth.encode()), tlv('DF25', sex.encode())]
    inner_len = 11 + sum(len(i) for i in items)
    hdr = 2 + len(blen(inner_len))
    offs, pos = [], hdr + 11
    for i in items:
        offs.append(pos); pos += len(i)
    if lie is not None:
        offs[lie] += 1
    table = tlv('DF21', b''.join(o.to_bytes(2, 'big') for o in offs))
    return tlv('FF20', table + b''.join(items))
bf = basic_four()
df32 = hashlib.sha256(bf[14:]).digest()
integrity = tlv('FF30', tlv('DF31', hashlib.sha256(mn_file).digest()) + tlv('DF32', df32) + tlv('DF33', pattern(256, 'integrity-sig')))
cv_body = pattern(16, 'issuer-id') + pattern(16, 'subject-id') + rsa_key('cv-modulus')
cv = tlv('7F21', tlv('5F4E', cv_body) + tlv('5F37', pattern(256, 'cv-sig')))
ap_info = tlv('FF40', tlv('DF41', bytes.fromhex('01030E01')) + tlv('DF42', pattern(16, 'key-id')) + tlv('DF43', pattern(32, 'k') + b'\xFF' * 96))
cv_layout = [dict(name='cv_certificate', tag='7F21', children=[
    dict(name='content', tag='5F4E', children=[
        dict(name='issuer_key_id', length=16, value='bytes'),
        dict(name='subject_key_id', length=16, value='bytes'),
        dict(name='public_exponent', tag='90', length=[1, 8], value='bytes'),
        dict(name='modulus', tag='91', length=256, value='bytes')]),
    dict(name='signature', tag='5F37', length=256, value='bytes')])]
mf_sfi_note = None
text = [
    pin('text.pin', 'ap.text', '0011', 'text AP PIN (券面事項入力補助用暗証番号)', 3, 'digits', [4, 4],
        'jpki/myna libmyna/text_ap.go; soltia48/myna-card src/pin.rs; REFERENCE §3', 'observed'),
    pin('text.pin_blocked', 'ap.text', '0012', 'PIN EF 0012 (blocked on every card examined)', 0, 'digits', [4, 16],
        SRC_SOL + ' (empty VERIFY 63C0, VERIFY 6984)', 'single-source', note='Modelled as blocked: 0 tries.'),
    pin('text.number_a', 'ap.text', '0014', '照合番号A (the My Number)', 10, 'digits', [12, 12],
        'jpki/myna src/pin.rs; soltia48/myna-card src/pin.rs', 'project-defined',
        note='The 12 digits are observed; no source gives the try limit, so 10 is this project\'s choice.'),
    pin('text.number_b', 'ap.text', '0015', '照合番号B (birth date YYMMDD in the Japanese era, expiry year, security code)', 10, 'digits', [14, 14],
        'jpki/myna src/pin.rs; soltia48/myna-card src/pin.rs; AokiApp/jsapdu', 'project-defined',
        note='The 14 digits are observed; the try limit is this project\'s choice.'),
    data('text.my_number', 'ap.text', '0001', 'individual number (マイナンバー)', ['text.pin', 'text.number_a'],
         [dict(name='my_number', tag='FF10', value='my_number')],
         [dict(hex=H(mn_file), decoded={'my_number': MY_NUMBER, 'padding': 2}),
          dict(hex=H(tlv('FF10', b'123456789012') + b'\xFF\xFF'), error=dict(kind='check_digit', offset=14)),
          dict(hex=H(tlv('FF10', b'12345678901A') + b'\xFF\xFF'), error=dict(kind='invalid', offset=14)),
          dict(hex=H(tlv('FF10', MY_NUMBER.encode()) + b'\xFF\x00'), error=dict(kind='invalid', offset=16)),
          dict(hex=H(tlv('FF11', MY_NUMBER.encode())), error=dict(kind='unexpected_tag', offset=0))],
         'tex2e walk-through; jpki/myna; siketyan/jpki-rs; soltia48/myna-card; TRETJapanNFCReader', 'observed', padding=['FF'],
         note='17 bytes: FF 10 0C, 12 ASCII digits, FF FF. The integrity record hashes all 17.'),
    data('text.basic_four', 'ap.text', '0002', 'basic four items (基本4情報)', ['text.pin', 'text.number_b'],
         [dict(name='attributes', tag='FF20', children=[
             dict(name='offsets', tag='DF21', value=dict(offsets=['name', 'address', 'birth_date', 'sex'])),
             dict(name='name', tag='DF22', value='utf8', note='family and given name separated by U+3000'),
             dict(name='address', tag='DF23', value='utf8'),
             dict(name='birth_date', tag='DF24', value='date'),
             dict(name='sex', tag='DF25', value='sex')])],
         [dict(hex=H(bf), decoded={'attributes': {'offsets': [14, 32, 86, 97], 'name': NAME, 'address': ADDRESS, 'birth_date': '2000-01-01', 'sex': 'female'}}),
          dict(hex=H(basic_four(sex='1', birth='19800229') + b'\x00' * 3), decoded={'attributes': {'birth_date': '1980-02-29', 'sex': 'male'}, 'padding': 3}),
          dict(hex=H(basic_four(lie=1)), error=dict(kind='offset_mismatch', offset=8)),
          dict(hex=H(basic_four(birth='19810229')), error=dict(kind='invalid', offset=89)),
          dict(hex=H(basic_four(sex='3')), error=dict(kind='invalid', offset=100)),
          dict(hex=H(basic_four(name='\udcff') if False else tlv('FF20', tlv('DF21', bytes(8)) + tlv('DF22', b'\xE8\xA6') + tlv('DF23', b'') + tlv('DF24', b'20000101') + tlv('DF25', b'1'))), error=dict(kind='invalid', offset=17)),
          dict(hex=H(bf[:50]), error=dict(kind='truncated', offset=50)),
          dict(hex=H(tlv('FF20', tlv('DF21', bytes(8)) + tlv('DF22', b'A') + tlv('DF23', b'B') + tlv('DF24', b'20000101'))), error=dict(kind='missing', offset=33), note='DF25 (sex) missing')],
         'soltia48/myna-card src/ap/text.rs; AokiApp/jsapdu; tex2e walk-through (real-card prefix FF 20 62 DF 21 08)', 'observed', padding=['00', 'FF'],
         note='The DF21 table gives, from the start of the file, the offsets of the DF22..DF25 tags; decoders check it instead of trusting it.'),
    data('text.integrity', 'ap.text', '0003', 'integrity record (署名)', ['text.pin', 'text.number_a', 'text.number_b'],
         [dict(name='integrity', tag='FF30', children=[
             dict(name='my_number_digest', tag='DF31', length=32, value='bytes', note='SHA-256 of all 17 bytes of EF 0001'),
             dict(name='attributes_digest', tag='DF32', length=32, value='bytes', note='SHA-256 of EF 0002 from the DF22 tag to the end of FF20 (single source for the range)'),
             dict(name='signature', tag='DF33', length=256, value='bytes', note='RSA-2048 over the bytes before DF33, under the key of the CV certificate in EF 0004')])],
         [dict(hex=H(integrity), decoded={'integrity': {'my_number_digest': H(hashlib.sha256(mn_file).digest()), 'attributes_digest': H(df32)}}),
          dict(hex=H(tlv('FF30', tlv('DF31', bytes(31)))), error=dict(kind='wrong_length', offset=6))],
         'jpki/myna libmyna/text_ap.go; soltia48/myna-card src/ap/text.rs', 'single-source'),
    data('text.cv_certificate', 'ap.text', '0004', 'card-verifiable certificate of the AP key', 'always', cv_layout,
         [dict(hex=H(cv), decoded={'cv_certificate': {'content': {'public_exponent': '010001'}}})],
         'soltia48/myna-card src/ap/text.rs; ' + SRC_JSA, 'observed'),
    data('text.ap_info', 'ap.text', '0005', 'AP basic information', 'always',
         [dict(name='ap_info', tag='FF40', children=[
             dict(name='ap_id', tag='DF41', length=4, value='bytes'),
             dict(name='key_id', tag='DF42', length=16, value='bytes'),
             dict(name='reserved', tag='DF43', length=128, value='bytes')])],
         [dict(hex=H(ap_info), decoded={'ap_info': {'ap_id': '01030E01'}})],
         'soltia48/myna-card src/ap/text.rs; jpki/myna src/text.rs', 'single-source'),
]

age = tlv('FF10', tlv('DF11', b'20000101') + tlv('DF12', rsa_key('age-key')) + tlv('DF13', pattern(256, 'age-sig')))
face_items = [('birth_date', 'DF22', b'20000101'), ('sex', 'DF23', b'2'), ('public_key', 'DF24', rsa_key('face-key')),
              ('name_image', 'DF25', PNG), ('address_image', 'DF26', PNG), ('photo', 'DF27', J2K),
              ('signature', 'DF28', pattern(256, 'face-sig')), ('expiry_date', 'DF29', b'20350101'), ('security_code_image', 'DF2A', PNG)]
face_body = b''.join(tlv(t, v) for _, t, v in face_items)
face = tlv('FF20', tlv('DF21', pattern(18, 'face-offsets')) + face_body)
surf_info = tlv('FF30', tlv('DF31', bytes.fromhex('06030E01')) + tlv('DF32', pattern(16, 's-key-id')) + tlv('DF33', b'\x01') + tlv('DF34', b'13101') + tlv('DF35', pattern(272, 's-35')))
mn_image = tlv('FF40', tlv('DF41', PNG) + tlv('DF42', rsa_key('mn-img-key')) + tlv('DF43', pattern(256, 'mn-img-sig')))
pubkey_children = [dict(name='public_exponent', tag='90', length=[1, 8], value='bytes'), dict(name='modulus', tag='91', length=256, value='bytes')]
surface = [
    pin('surface.birth_key', 'ap.surface', '0011', 'birth-date key (生年月日, YYMMDD in the Japanese era)', 10, 'digits', [6, 6],
        SRC_SOL + ' src/pin.rs; AokiApp/jsapdu', 'single-source', note='Try limit project-defined.'),
    pin('surface.number_b', 'ap.surface', '0012', '照合番号B', 10, 'digits', [14, 14], SRC_SOL + '; AokiApp/jsapdu', 'single-source', note='Try limit project-defined.'),
    pin('surface.number_a', 'ap.surface', '0013', '照合番号A (the My Number)', 10, 'digits', [12, 12], SRC_SOL + '; AokiApp/jsapdu; jpki/myna src/visual.rs', 'observed', note='Try limit project-defined.'),
    data('surface.age', 'ap.surface', '0001', 'birth date with the card key and signature', ['surface.number_a', 'surface.number_b', 'surface.birth_key'],
         [dict(name='age', tag='FF10', children=[
             dict(name='birth_date', tag='DF11', value='date'),
             dict(name='public_key', tag='DF12', children=pubkey_children),
             dict(name='signature', tag='DF13', length=256, value='bytes')])],
         [dict(hex=H(age), decoded={'age': {'birth_date': '2000-01-01'}})],
         SRC_SOL + ' src/ap/surface.rs; ' + SRC_JSA, 'single-source'),
    data('surface.card_face', 'ap.surface', '0002', 'card face (券面)', ['surface.number_a', 'surface.number_b'],
         [dict(name='card_face', tag='FF20', children=[
             dict(name='offsets', tag='DF21', value='bytes', note='An offset table like the text AP\'s; its entries are not documented by any source, so hanko does not check them'),
             dict(name='birth_date', tag='DF22', value='date'),
             dict(name='sex', tag='DF23', value='sex'),
             dict(name='public_key', tag='DF24', children=pubkey_children),
             dict(name='name_image', tag='DF25', value='png'),
             dict(name='address_image', tag='DF26', value='png'),
             dict(name='photo', tag='DF27', value='jpeg2000'),
             dict(name='signature', tag='DF28', length=256, value='bytes', note='over SHA-256 of DF22..DF24, DF25..DF26 and DF27 (single source)'),
             dict(name='expiry_date', tag='DF29', value='date', optional=True, note='after the signature, not covered by it'),
             dict(name='security_code_image', tag='DF2A', value='png', optional=True, note='after the signature, not covered by it')])],
         [dict(hex=H(face), decoded={'card_face': {'birth_date': '2000-01-01', 'sex': 'female', 'expiry_date': '2035-01-01'}}),
          dict(hex=H(tlv('FF20', tlv('DF21', pattern(18, 'face-offsets')) + b''.join(tlv(t, v) for _, t, v in face_items[:7]))),
               decoded={'card_face': {'expiry_date': None, 'security_code_image': None}}, note='the two optional items after the signature absent'),
          dict(hex=H(tlv('FF20', tlv('DF21', pattern(18, 'face-offsets')) + b''.join(tlv(t, b'GIF89a' if t == 'DF27' else v) for _, t, v in face_items))), error=dict(kind='invalid', offset=384), note='the photo is not JPEG 2000')],
         SRC_SOL + ' src/ap/surface.rs; ' + SRC_JSA + '; jpki/myna libmyna/image_ap.go', 'single-source', padding=['00', 'FF']),
    data('surface.ap_info', 'ap.surface', '0003', 'AP basic information', 'always',
         [dict(name='ap_info', tag='FF30', children=[
             dict(name='ap_id', tag='DF31', length=4, value='bytes'),
             dict(name='key_id', tag='DF32', length=16, value='bytes'),
             dict(name='version', tag='DF33', length=1, value='bytes'),
             dict(name='municipality_code', tag='DF34', length=5, value='digits'),
             dict(name='key_info', tag='DF35', length=272, value='bytes')])],
         [dict(hex=H(surf_info), decoded={'ap_info': {'municipality_code': '13101'}})],
         SRC_SOL + ' src/ap/surface.rs', 'single-source'),
    data('surface.cv_certificate', 'ap.surface', '0004', 'card-verifiable certificate of the AP key', 'always', cv_layout,
         [dict(hex=H(cv), decoded={'cv_certificate': {'content': {'public_exponent': '010001'}}})],
         SRC_SOL + ' src/ap/surface.rs; ' + SRC_JSA, 'single-source'),
    data('surface.my_number_image', 'ap.surface', '0005', 'My Number image', ['surface.number_a'],
         [dict(name='my_number_image', tag='FF40', children=[
             dict(name='image', tag='DF41', value='png'),
             dict(name='public_key', tag='DF42', children=pubkey_children),
             dict(name='signature', tag='DF43', length=256, value='bytes')])],
         [dict(hex=H(mn_image), decoded={'my_number_image': {'public_key': {'public_exponent': '010001'}}}),
          dict(hex=H(tlv('FF40', tlv('DF41', b'GIF89a'))), error=dict(kind='invalid', offset=6))],
         SRC_SOL + ' src/ap/surface.rs; ' + SRC_JSA, 'single-source'),
]

record = tlv_s = bytes([0x01, 0x1C]) + b'999000000000001' + b'13101' + b'20350101'
common = [
    pin('common.pin', 'ap.common', '001C', 'common AP PIN', 3, 'digits', [4, 4], SRC_SOL + ' src/ap/common.rs', 'single-source', note='Try limit project-defined.'),
    key('common.card_key', 'ap.common', '0019', 'card authentication key (INTERNAL AUTHENTICATE, no credential)', None, SRC_SOL + ' src/ap/common.rs', 'single-source'),
    data('common.card_record', 'ap.common', '0001', 'card record (record 1)', 'always',
         [dict(name='card', stag='01', children=[
             dict(name='serial', length=15, value='digits'),
             dict(name='municipality_code', length=5, value='digits'),
             dict(name='expiry_date', length=8, value='date')])],
         [dict(hex=H(record), decoded={'card': {'serial': '999000000000001', 'municipality_code': '13101', 'expiry_date': '2035-01-01'}}),
          dict(hex=H(bytes([0x01, 0x1B]) + b'999000000000001' + b'13101' + b'2035010'), error=dict(kind='truncated', offset=29)),
          dict(hex=H(bytes([0x02, 0x1C]) + b'999000000000001' + b'13101' + b'20350101'), error=dict(kind='unexpected_tag', offset=0))],
         SRC_SOL + ' src/ap/common.rs; jpki/myna src/reader.rs', 'single-source',
         note='Read with READ RECORD 00 B2 01 0C 00 (record 1 of SFI 1). Layout single source: serial 15, municipality code 5, expiry YYYYMMDD.'),
]

def dump(path, title, desc, section, entries):
    doc = {'spec': 'hanko/1', 'title': title, 'description': desc, section: entries}
    with open(path, 'w') as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write('\n')

os.makedirs('spec/card', exist_ok=True)
dump('spec/card/applications.json', 'My Number card applications', 'The applications (DFs) of the card, selected by AID with 00 A4 04 0C.', 'applications', apps)
dump('spec/ef/jpki_ap.json', 'JPKI AP files', 'Elementary files of the JPKI AP (公的個人認証AP).', 'files', jpki)
dump('spec/ef/text_ap.json', 'Text AP files', 'Elementary files of the card-info input support AP (券面事項入力補助AP).', 'files', text)
dump('spec/ef/surface_ap.json', 'Surface AP files', 'Elementary files of the card-face confirmation AP (券面事項確認AP).', 'files', surface)
dump('spec/ef/common_ap.json', 'Common AP files', 'The common card AP (共通カードAP).', 'files', common)
print('basic four', len(bf), 'offsets', [int.from_bytes(bf[6+2*i:8+2*i], "big") for i in range(4)])
