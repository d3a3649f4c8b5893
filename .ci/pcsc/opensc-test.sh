#!/usr/bin/env bash
# The real-client test of issue 4: OpenSC talks to hanko's virtual My Number card through
# pcscd and vsmartcard-vpcd, exactly as it would to a card in a reader, and every answer is
# then replayed through the card model.
#
#   .ci/pcsc/opensc-test.sh [HANKO_BINARY]        (root; .ci/run installs the packages)
#
# Checks: opensc-tool -n says jpki; pkcs15-tool -D lists 2 PINs, 2 RSA-2048 keys and 4
# certificates; pkcs15-tool --read-certificate gives the test certificate byte for byte;
# pkcs11-tool signs and openssl verifies the signature; wrong PINs count down, survive a
# kill -9 and restart of the card through its state file, and block the PIN, after which
# signing fails; the recorded trace conforms to the card model (hanko check), and so does the
# trace imported from pcscd's own APDU log of the whole session (hanko check --import pcscd),
# which also spans the kill and restart of the card.
# A missing PC/SC stack is a failure, never a skip.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/common.sh"

fail() { echo "opensc-test: FAIL: $*" >&2; exit 1; }
for tool in pcscd opensc-tool pkcs15-tool pkcs11-tool openssl nsenter; do
    command -v "$tool" >/dev/null || fail "$tool is missing: apt-get install pcscd vsmartcard-vpcd opensc openssl util-linux"
done
module=$(ls /usr/lib/*/opensc-pkcs11.so /usr/lib/opensc-pkcs11.so 2>/dev/null | head -n1 || true)
[ -n "$module" ] || fail "opensc-pkcs11.so not found (package opensc)"
hanko=${1:-$root/target/debug/hanko}
[ -x "$hanko" ] || fail "$hanko is not built (cargo build -p hanko)"

export OPENSC_CONF=$here/opensc.conf
work=$(mktemp -d)
state=$work/card-state.json
trace=$work/trace.jsonl
pki=$root/corpus/testdata/pki
card_pid=

stop_card() {
    if pid_alive "$card_pid"; then kill "${1:-TERM}" "$card_pid" 2>/dev/null || true; wait "$card_pid" 2>/dev/null || true; fi
    card_pid=
}
cleanup() {
    stop_card
    "$here/stop.sh" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT


start_card() {
    "$here/in-netns.sh" "$hanko" sim card --vpcd "127.0.0.1:$VPCD_PORT" --state "$state" --trace "$1" &
    card_pid=$!
    wait_card
}

# Tries left of the authentication PIN, by an empty VERIFY.
auth_tries() {
    opensc-tool -s 00A4040C0AD392F000260100000001 -s 00A4020C020018 -s 00200080 2>/dev/null |
        sed -n 's/.*SW1=0x63, SW2=0xc\([0-9a-f]\).*/\1/ip' | tail -n1
}

# pcscd logs every APDU and power event (--apdu --debug): the second, independent record of
# the session, imported and checked at the end.
HANKO_PCSC_APDU_LOG=1 "$here/start.sh"
start_card "$trace"

driver=$(opensc-tool -n)
[ "$driver" = jpki ] || fail "opensc-tool -n said '$driver', not jpki"
echo "ok  opensc-tool -n: $driver"

listing=$(pkcs15-tool -D)
pins=$(grep -c '^PIN \[' <<<"$listing" || true)
keys=$(grep -c '^Private RSA Key \[' <<<"$listing" || true)
keys2048=$(grep -c 'ModLength *: 2048' <<<"$listing" || true)
certs=$(grep -c '^X.509 Certificate \[' <<<"$listing" || true)
[ "$pins" = 2 ] && [ "$keys" = 2 ] && [ "$keys2048" = 2 ] && [ "$certs" = 4 ] ||
    fail "pkcs15-tool -D: $pins PINs, $keys RSA keys ($keys2048 of 2048 bits), $certs certificates; expected 2, 2 (2), 4:
$listing"
echo "ok  pkcs15-tool -D: 2 PINs, 2 RSA-2048 keys, 4 certificates"

pkcs15-tool --read-certificate 01 -o "$work/auth.pem" >/dev/null
openssl x509 -in "$work/auth.pem" -outform der -out "$work/auth.der"
cmp -s "$work/auth.der" "$pki/auth_ee.der" || fail "pkcs15-tool --read-certificate 01 differs from the test certificate"
echo "ok  pkcs15-tool --read-certificate: the test certificate, byte for byte"

printf 'hanko: a document signed through PC/SC\n' >"$work/data"
pkcs11-tool --module "$module" --login --pin 1234 --sign --id 01 -m SHA256-RSA-PKCS \
    -i "$work/data" -o "$work/sig" >/dev/null 2>&1 || fail "pkcs11-tool --sign failed"
openssl x509 -in "$pki/auth_ee.pem" -pubkey -noout >"$work/pub.pem"
openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/sig" "$work/data" >/dev/null ||
    fail "openssl does not accept the card's signature"
echo "ok  pkcs11-tool --sign: openssl dgst -verify accepts the signature"

[ "$(auth_tries)" = 3 ] || fail "the authentication PIN should have 3 tries before the test"
pkcs11-tool --module "$module" --login --pin 9999 --sign --id 01 -m SHA256-RSA-PKCS -i "$work/data" -o "$work/bad" >/dev/null 2>&1 &&
    fail "a wrong PIN signed"
[ "$(auth_tries)" = 2 ] || fail "one wrong PIN should leave 2 tries, the card says $(auth_tries)"
# A kill leaves no chance to save anything: the counter must already be on disk.
stop_card -KILL
wait_card No
start_card "$work/trace2.jsonl"
[ "$(auth_tries)" = 2 ] || fail "after kill -9 and restart the counter is $(auth_tries), not 2"
echo "ok  a wrong PIN counts, and the count survives kill -9 and a restart (--state)"

for _ in 1 2; do
    pkcs11-tool --module "$module" --login --pin 9999 --sign --id 01 -m SHA256-RSA-PKCS -i "$work/data" -o "$work/bad" >/dev/null 2>&1 &&
        fail "a wrong PIN signed"
done
[ "$(auth_tries)" = 0 ] || fail "three wrong PINs should block, the card says $(auth_tries) tries"
pkcs11-tool --module "$module" --login --pin 1234 --sign --id 01 -m SHA256-RSA-PKCS -i "$work/data" -o "$work/after" >/dev/null 2>&1 &&
    fail "signing worked with a blocked PIN"
echo "ok  three wrong PINs block the authentication PIN; signing then fails"

stop_card
"$hanko" check "$trace" || fail "the first session's trace does not conform to the card model"
echo "ok  hanko check: the recorded session conforms to the card model"
"$hanko" check --import pcscd "$PCSCD_LOG" || fail "the trace imported from pcscd's APDU log does not conform"
echo "ok  hanko check --import pcscd: pcscd's APDU log of the whole session conforms"
# ---- scheme 3: the sub certificate in the issued UICC applet (issue 6) ------------------------
# `hanko sim scheme 3` issues the sub certificate into the simulated UICC (J-LIS, TSMs, card
# manager) and saves the personalized JPKI applet; `hanko sim card --profile uicc --applet`
# serves it. OpenSC reads the sub certificate and signs with the sub key under the applet's
# PIN; openssl verifies the signature against the certificate. A wrong PIN costs a try that
# the applet file keeps across a kill -9 and restart.
applet=$work/applet.json
"$hanko" sim scheme 3 --save-applet "$applet" --trace "$work/scheme3.jsonl" >/dev/null ||
    fail "hanko sim scheme 3 did not issue the sub certificate and log in"
start_applet() {
    "$here/in-netns.sh" "$hanko" sim card --vpcd "127.0.0.1:$VPCD_PORT" --profile uicc --applet "$applet" &
    card_pid=$!
    wait_card
}
start_applet
listing=$(pkcs15-tool -D)
grep -q '^X.509 Certificate \[User Authentication Certificate\]' <<<"$listing" &&
    grep -q '^Private RSA Key \[User Authentication Key\]' <<<"$listing" ||
    fail "pkcs15-tool -D on the UICC applet lists no authentication key and certificate:
$listing"
echo "ok  pkcs15-tool -D on the UICC applet: the authentication key and certificate"
pkcs15-tool --read-certificate 01 -o "$work/sub.pem" >/dev/null
openssl x509 -in "$work/sub.pem" -outform der -out "$work/sub.der"
cmp -s "$work/sub.der" "$pki/sub_ee.der" || fail "the UICC applet's certificate is not the test PKI's sub certificate"
echo "ok  pkcs15-tool --read-certificate: the sub certificate, byte for byte"
printf 'hanko: signed with the sub certificate in the UICC\n' >"$work/data3"
pkcs11-tool --module "$module" --login --pin 1234 --sign --id 01 -m SHA256-RSA-PKCS \
    -i "$work/data3" -o "$work/sig3" >/dev/null 2>&1 || fail "pkcs11-tool --sign on the UICC applet failed"
openssl x509 -in "$work/sub.pem" -pubkey -noout >"$work/sub-pub.pem"
openssl dgst -sha256 -verify "$work/sub-pub.pem" -signature "$work/sig3" "$work/data3" >/dev/null ||
    fail "openssl does not accept the UICC applet's signature against the sub certificate"
echo "ok  pkcs11-tool --sign with the sub key: openssl dgst -verify accepts it"
pkcs11-tool --module "$module" --login --pin 9999 --sign --id 01 -m SHA256-RSA-PKCS -i "$work/data3" -o "$work/bad3" >/dev/null 2>&1 &&
    fail "a wrong PIN signed on the UICC applet"
[ "$(auth_tries)" = 2 ] || fail "one wrong PIN should leave the applet 2 tries, it says $(auth_tries)"
stop_card -KILL
wait_card No
start_applet
[ "$(auth_tries)" = 2 ] || fail "after kill -9 and restart the applet's counter is $(auth_tries), not 2"
echo "ok  a wrong applet PIN counts, and the applet file keeps the count across kill -9 and a restart"
stop_card
# ---- end of scheme 3 ----------------------------------------------------------------------------
echo "opensc-test: ok"
