"""Small, dependency-free crypto helpers for the Graph emulator.

What the token endpoint needs to check a certificate client assertion the way
Entra ID does: base64url, a minimal DER walker to pull the RSA public key out
of an X.509 certificate, the certificate thumbprints (x5t = SHA-1, x5t#S256 =
SHA-256 of the DER), and RSA signature verification for RS256 (PKCS#1 v1.5)
and PS256 (PSS, MGF1-SHA-256, any salt length).  Pure Python: verification is
one modular exponentiation, fast enough for a test server.
"""

import base64
import hashlib
import hmac
import json

# DigestInfo prefix for SHA-256 (RFC 8017, section 9.2, note 1).
_SHA256_DIGESTINFO = bytes.fromhex("3031300d060960864801650304020105000420")


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    if isinstance(text, str):
        text = text.encode("ascii")
    if b"=" in text or b"+" in text or b"/" in text:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))


# --- DER ---------------------------------------------------------------

def _der_read(buf, pos):
    """Return (tag, content_start, content_end) of the TLV at pos."""
    tag = buf[pos]
    length = buf[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4:
            raise ValueError("unsupported DER length")
        length = int.from_bytes(buf[pos:pos + count], "big")
        pos += count
    if pos + length > len(buf):
        raise ValueError("truncated DER")
    return tag, pos, pos + length


def _der_children(buf, start, end):
    out = []
    pos = start
    while pos < end:
        tag, cstart, cend = _der_read(buf, pos)
        out.append((tag, cstart, cend))
        pos = cend
    return out


def rsa_key_from_cert_der(der):
    """Extract (n, e) from an X.509 certificate holding an RSA key."""
    _, s, e = _der_read(der, 0)                      # Certificate
    tbs = _der_children(der, s, e)[0]                # TBSCertificate
    fields = _der_children(der, tbs[1], tbs[2])
    if fields[0][0] == 0xA0:                         # [0] version is optional
        fields = fields[1:]
    spki = fields[5]                                 # serial, sig, issuer, validity, subject, spki
    algid, bits = _der_children(der, spki[1], spki[2])
    if der[algid[1]:algid[2]].find(bytes.fromhex("2a864886f70d010101")) < 0:
        raise ValueError("certificate key is not RSA")
    if bits[0] != 0x03:
        raise ValueError("bad subjectPublicKey")
    key = der[bits[1] + 1:bits[2]]                   # skip the unused-bits byte
    _, ks, ke = _der_read(key, 0)
    n_tlv, e_tlv = _der_children(key, ks, ke)
    n = int.from_bytes(key[n_tlv[1]:n_tlv[2]], "big")
    exp = int.from_bytes(key[e_tlv[1]:e_tlv[2]], "big")
    return n, exp


def pem_to_der_list(text):
    """All CERTIFICATE blocks of a PEM text, as DER bytes."""
    out = []
    marker_begin = "-----BEGIN CERTIFICATE-----"
    marker_end = "-----END CERTIFICATE-----"
    pos = 0
    while True:
        start = text.find(marker_begin, pos)
        if start < 0:
            return out
        end = text.find(marker_end, start)
        if end < 0:
            raise ValueError("unterminated PEM certificate")
        body = text[start + len(marker_begin):end]
        out.append(base64.b64decode("".join(body.split())))
        pos = end + len(marker_end)


class Certificate:
    """A registered app certificate: thumbprints and RSA public key."""

    def __init__(self, der):
        self.der = der
        self.x5t = b64url_encode(hashlib.sha1(der).digest())
        self.x5t_s256 = b64url_encode(hashlib.sha256(der).digest())
        self.thumbprint_hex = hashlib.sha1(der).hexdigest().upper()
        self.n, self.e = rsa_key_from_cert_der(der)
        self.k = (self.n.bit_length() + 7) // 8


# --- RSA verification ----------------------------------------------------

def _rsa_public(cert, sig):
    if len(sig) != cert.k:
        return None
    s = int.from_bytes(sig, "big")
    if s >= cert.n:
        return None
    return pow(s, cert.e, cert.n).to_bytes(cert.k, "big")


def verify_rs256(cert, message, sig):
    em = _rsa_public(cert, sig)
    if em is None:
        return False
    digest_info = _SHA256_DIGESTINFO + hashlib.sha256(message).digest()
    pad = cert.k - len(digest_info) - 3
    expected = b"\x00\x01" + b"\xff" * pad + b"\x00" + digest_info
    return pad >= 8 and hmac.compare_digest(em, expected)


def _mgf1_sha256(seed, length):
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]


def verify_ps256(cert, message, sig):
    """EMSA-PSS-VERIFY (RFC 8017, 9.1.2) with SHA-256, salt length recovered."""
    em_full = _rsa_public(cert, sig)
    if em_full is None:
        return False
    em_bits = cert.n.bit_length() - 1
    em_len = (em_bits + 7) // 8
    em = em_full[len(em_full) - em_len:]
    if len(em_full) > em_len and em_full[0] != 0:
        return False
    h_len = 32
    if em_len < h_len + 2 or em[-1] != 0xBC:
        return False
    masked_db, h = em[:em_len - h_len - 1], em[em_len - h_len - 1:-1]
    unused = 8 * em_len - em_bits
    if unused and masked_db[0] >> (8 - unused):
        return False
    db = bytes(a ^ b for a, b in zip(masked_db, _mgf1_sha256(h, len(masked_db))))
    db = bytes([db[0] & (0xFF >> unused)]) + db[1:]
    sep = db.find(b"\x01")
    if sep < 0 or any(db[:sep]):
        return False
    salt = db[sep + 1:]
    m_hash = hashlib.sha256(message).digest()
    h2 = hashlib.sha256(b"\x00" * 8 + m_hash + salt).digest()
    return hmac.compare_digest(h, h2)


# --- JWT ------------------------------------------------------------------

def jwt_split(token):
    """Parse a compact JWS into (header, payload, signing_input, signature)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("JWT must have three parts")
    header = json.loads(b64url_decode(parts[0]))
    payload = json.loads(b64url_decode(parts[1]))
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise ValueError("JWT header and payload must be objects")
    signing_input = (parts[0] + "." + parts[1]).encode("ascii")
    return header, payload, signing_input, b64url_decode(parts[2])


def jwt_verify(cert, header, signing_input, signature):
    alg = header.get("alg")
    if alg == "RS256":
        return verify_rs256(cert, signing_input, signature)
    if alg == "PS256":
        return verify_ps256(cert, signing_input, signature)
    return False
