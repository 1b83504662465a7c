#!/bin/sh
# Writes test/fixtures/client-certs/: test-only certificates for the client-certificate tests (test/clientCert.test.ts),
# committed so that no test needs openssl at run time. Their keys are public: never trust these CAs outside a test.
# `npm run fixtures:client-certs` replaces them all; they are valid for 30 years.
#   ca.pem                  the CA the test server trusts for clients and the client trusts for the server
#   server.pem/.key         the control plane's front, for 127.0.0.1 and localhost (signed by ca.pem)
#   admin.pem/.key          a client certificate signed by ca.pem (CN meshops test admin)
#   rotated.pem/.key        another one signed by ca.pem (CN meshops test admin rotated)
#   untrusted.pem/.key      a client certificate signed by a CA the server does not trust (its CA is not kept)
set -eu
cd "$(dirname "$0")/../test/fixtures/client-certs"
days=10950
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck disable=SC2086
openssl req -x509 $ec -keyout "$tmp/ca.key" -out "$tmp/ca.pem" -days $days -subj "/CN=meshops test CA (test only)" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
# shellcheck disable=SC2086
openssl req -x509 $ec -keyout "$tmp/other-ca.key" -out "$tmp/other-ca.pem" -days $days -subj "/CN=meshops untrusted test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# sign NAME CN CA USAGE [SAN]
sign() {
  # shellcheck disable=SC2086
  openssl req $ec -keyout "$1.key" -out "$tmp/$1.csr" -subj "/CN=$2" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n%s' "$4" "${5:-}" >"$tmp/$1.ext"
  openssl x509 -req -in "$tmp/$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -CAserial "$tmp/serial" -out "$1.pem" -days $days \
    -extfile "$tmp/$1.ext" 2>/dev/null
}
cp "$tmp/ca.pem" ca.pem
sign server 127.0.0.1 "$tmp/ca" serverAuth "subjectAltName=IP:127.0.0.1,DNS:localhost
"
sign admin "meshops test admin" "$tmp/ca" clientAuth
sign rotated "meshops test admin rotated" "$tmp/ca" clientAuth
sign untrusted "meshops untrusted client" "$tmp/other-ca" clientAuth
