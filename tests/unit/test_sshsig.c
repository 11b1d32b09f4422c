/*
 * SSHSIG: signatures that ssh-keygen -Y sign made verify, and a changed byte
 * anywhere (message, signature, namespace) makes them fail; the parser
 * refuses truncated blobs, lengths that run past the end, trailing bytes,
 * unknown versions and hashes, SHA-1 RSA signatures, a signature type that
 * is not its key's, non-minimal integers and broken armor.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "driftward/base64.h"
#include "driftward/sshsig.h"

/* Made by ssh-keygen -Y sign -n git (OpenSSH 9.2) over MESSAGE; each verifies with ssh-keygen -Y
 * verify. */
static const char message[] = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
                              "author A <a@example.com> 1700000000 +0000\n"
                              "committer A <a@example.com> 1700000000 +0000\n"
                              "\n"
                              "fixture\n";

static const char sig_ed25519[] =
        "-----BEGIN SSH SIGNATURE-----\n"
        "U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAgm1EdqDLzkkA7Gwxp5etU/IHrq0\n"
        "eSI0ZihWl9+WDqxjsAAAADZ2l0AAAAAAAAAAZzaGE1MTIAAABTAAAAC3NzaC1lZDI1NTE5\n"
        "AAAAQGzCxo+bXoiikpKN1e4xV9pPVK/Lu1dCfOLiAT/i3tzNh6XVCjfSJaBv4MQ3kO3K03\n"
        "tjuVUaefvE6++MfYSLxQY=\n"
        "-----END SSH SIGNATURE-----\n";

static const char sig_ed25519_sha256[] =
        "-----BEGIN SSH SIGNATURE-----\n"
        "U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAgm1EdqDLzkkA7Gwxp5etU/IHrq0\n"
        "eSI0ZihWl9+WDqxjsAAAADZ2l0AAAAAAAAAAZzaGEyNTYAAABTAAAAC3NzaC1lZDI1NTE5\n"
        "AAAAQHayxyK97im/nrnD+bQk9tDgxJbAhT/kNE2P7vvlUE6ke7IX3xkzAjNvda87/9bRyR\n"
        "g2Hm2vBBl/DxN+2M7umQI=\n"
        "-----END SSH SIGNATURE-----\n";

static const char sig_ecdsa[] =
        "-----BEGIN SSH SIGNATURE-----\n"
        "U1NIU0lHAAAAAQAAAGgAAAATZWNkc2Etc2hhMi1uaXN0cDI1NgAAAAhuaXN0cDI1NgAAAE\n"
        "EEEVkLr1x9F+fnfKLt+XnsDeWIICKzWg8YSARWALEvTP1+zjvS5voniMRv/l75roZDQHIb\n"
        "/qVadtbanEqh6IisAwAAAANnaXQAAAAAAAAABnNoYTUxMgAAAGQAAAATZWNkc2Etc2hhMi\n"
        "1uaXN0cDI1NgAAAEkAAAAgEyerJMSiqngWDtmX5EEiiJsx9W/Du4ZdfBtAiSMtag8AAAAh\n"
        "AMkLGToLSr9NsNrtvjRTSieyJs31kQgn79ZjURopetEI\n"
        "-----END SSH SIGNATURE-----\n";

static const char sig_rsa[] =
        "-----BEGIN SSH SIGNATURE-----\n"
        "U1NIU0lHAAAAAQAAARcAAAAHc3NoLXJzYQAAAAMBAAEAAAEBAL/fLZ6+Z7jAU8Nge/Ypdh\n"
        "YUyTmx/RhSB58CBRT8ra36G77Uk0a0xBkG1pLKM8UGnEUbimU4hFNL2O+BON2Df5ss4EZQ\n"
        "XV5AYdyOysQeyS86oyxOtV5+69Uv7D+8LWgqYx030zxEjwvRyi+RQ+ntpU0kVIfhzO+k3m\n"
        "5xP21zTlWLNC8l5aoDK3bNHZAiomlbkH8cnfmkPEDTgNvsucL/5Bbrt8xTY+xnZu2g/Qvh\n"
        "6gdZIC8gaaQ7bELwRBH0j4TKz+39bkMthKBf6GRJ6UURWTmUEXN2ebDbUmdijLHXJ7LZym\n"
        "OcTLof2qOvDqNzL8oCPNn09j4SLTN6B9SjpCwkImcAAAADZ2l0AAAAAAAAAAZzaGE1MTIA\n"
        "AAEUAAAADHJzYS1zaGEyLTUxMgAAAQBEW4dJwWYDk228DHBxOwyr0IDGhwBj8zWDgmEoAB\n"
        "56K8YCAgFi7qYyVJH7xyA7WLdbRsQSb4/qT8/7nlO9PJ4vUejW5qTdbPNKZpSToAJXKQYx\n"
        "SE+VlrgLH9jQRHLpBm615ciMQTIXF/hwzecRknG9wSYIcHjiWdrP9I3c2itZMS/1Z2nEW/\n"
        "yR6Me1q7kpDoEG2Gu+To2O9IrhqEFzaX1Iu8Zzfs9oVBFOVxlTvRwM2gNCeObW2aDKyKoU\n"
        "FZt5Ipam1ZAsHLXhChm6u2EmfzE246Impe7cOPoRL4OLkBL/i6gaGfYMRbxHjMq0EtfPWN\n"
        "0sz0r/V7O7UM5qVIRgwdnp\n"
        "-----END SSH SIGNATURE-----\n";

static const char pub_ed25519[] =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJtRHagy85JAOxsMaeXrVPyB66tHkiNGYoVpfflg6sY7 fx";
static const char pub_ecdsa[] =
        "ecdsa-sha2-nistp256 "
        "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBBFZC69cfRfn53yi7fl57A3liCAis1oPGEgEVg"
        "CxL0z9fs470ub6J4jEb/5e+a6GQ0ByG/6lWnbW2pxKoeiIrAM= fx";
static const char pub_rsa[] =
        "ssh-rsa "
        "AAAAB3NzaC1yc2EAAAADAQABAAABAQC/3y2evme4wFPDYHv2KXYWFMk5sf0YUgefAgUU/"
        "K2t+hu+1JNGtMQZBtaSyjPFBpxFG4plOIRTS9jvgTjdg3+bLOBGUF1eQGHcjsrEHskvOqMsTrVefuvVL+w/"
        "vC1oKmMdN9M8RI8L0covkUPp7aVNJFSH4czvpN5ucT9tc05VizQvJeWqAyt2zR2QIqJpW5B/HJ35pDxA04Db7LnC/"
        "+QW67fMU2PsZ2btoP0L4eoHWSAvIGmkO2xC8EQR9I+Eys/t/"
        "W5DLYSgX+hkSelFEVk5lBFzdnmw21JnYoyx1yey2cpjnEy6H9qjrw6jcy/KAjzZ9PY+Ei0zegfUo6QsJCJn fx";

/* The blob inside an armor, decoded here independently of the parser. */
static size_t blob_of(const char *armored, unsigned char *out, size_t cap)
{
	char b64[8192];
	const char *p = strchr(armored, '\n') + 1, *end = strstr(armored, "-----END");
	size_t n = 0, len = 0;

	for (; p < end; p++)
		if (*p != '\n')
			b64[n++] = *p;
	assert_int_equal(dw_base64_decode(b64, n, DW_BASE64_PAD, out, cap, &len), 0);
	return len;
}

/* The blob's parts: magic+version, then publickey, namespace, reserved, hash, signature. */
struct parts {
	unsigned char head[10];
	const unsigned char *f[5];
	size_t n[5];
	size_t len_at[5]; /* offset of each string's length field */
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void split(const unsigned char *blob, size_t len, struct parts *out)
{
	size_t off = 10, i;

	memcpy(out->head, blob, 10);
	for (i = 0; i < 5; i++) {
		out->len_at[i] = off;
		out->n[i] = be32(blob + off);
		out->f[i] = blob + off + 4;
		off += 4 + out->n[i];
	}
	assert_int_equal(off, len);
}

static void put_len(unsigned char *out, size_t n)
{
	out[0] = (unsigned char)(n >> 24);
	out[1] = (unsigned char)(n >> 16);
	out[2] = (unsigned char)(n >> 8);
	out[3] = (unsigned char)n;
}

static size_t put_str(unsigned char *out, const void *p, size_t n)
{
	put_len(out, n);
	memcpy(out + 4, p, n);
	return 4 + n;
}

static size_t join(const struct parts *p, unsigned char *out)
{
	size_t off = 10, i;

	memcpy(out, p->head, 10);
	for (i = 0; i < 5; i++)
		off += put_str(out + off, p->f[i], p->n[i]);
	return off;
}

static int parse_blob(const unsigned char *blob, size_t len, struct dw_error *err)
{
	struct dw_sshsig *sig = NULL;
	int r = dw_sshsig_parse_blob(blob, len, &sig, err);

	dw_sshsig_free(sig);
	return r;
}

static void each_fixture_verifies(void **state)
{
	static const struct {
		const char *armored, *pub, *kind, *hash, *type, *fp;
	} fx[] = {
		{ sig_ed25519, pub_ed25519, "ED25519", "sha512", "ssh-ed25519",
		  "SHA256:mpqryJ97CYCY9Y6llVAywmPsYvxFvPqKHDDgmzdvUq4" },
		{ sig_ed25519_sha256, pub_ed25519, "ED25519", "sha256", "ssh-ed25519",
		  "SHA256:mpqryJ97CYCY9Y6llVAywmPsYvxFvPqKHDDgmzdvUq4" },
		{ sig_ecdsa, pub_ecdsa, "ECDSA", "sha512", "ecdsa-sha2-nistp256",
		  "SHA256:4Fdc89vS3edqBXkI3Lsc7w4bgV9f+wfoIcxY5kAnZBg" },
		{ sig_rsa, pub_rsa, "RSA", "sha512", "ssh-rsa",
		  "SHA256:40PWKPWPKARWca/1AktKRPBvIAkCbPny7KWbAmPbuCk" },
	};
	unsigned char pub[2048];
	const unsigned char *key;
	size_t keylen, publen;
	char fp[DW_SSHSIG_FINGERPRINT_MAX];
	const char *b64;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fx) / sizeof(fx[0]); i++) {
		struct dw_sshsig *sig = NULL;
		struct dw_error err = { 0 };

		assert_int_equal(dw_sshsig_parse(fx[i].armored, strlen(fx[i].armored), &sig, &err),
		                 0);
		assert_string_equal(dw_sshsig_namespace(sig), "git");
		assert_string_equal(dw_sshsig_hash(sig), fx[i].hash);
		assert_string_equal(dw_sshsig_key_kind(sig), fx[i].kind);
		assert_string_equal(dw_sshsig_key_type(sig), fx[i].type);
		dw_sshsig_fingerprint(sig, fp);
		assert_string_equal(fp, fx[i].fp);
		/* the key is the .pub file's base64, decoded */
		b64 = strchr(fx[i].pub, ' ') + 1;
		assert_int_equal(dw_base64_decode(b64, strcspn(b64, " "), DW_BASE64_PAD, pub,
		                                  sizeof(pub), &publen),
		                 0);
		key = dw_sshsig_key(sig, &keylen);
		assert_int_equal(keylen, publen);
		assert_memory_equal(key, pub, publen);
		assert_int_equal(dw_sshsig_verify(sig, message, strlen(message), &err), 0);
		dw_sshsig_free(sig);
	}
}

static void a_changed_message_fails(void **state)
{
	const char *all[] = { sig_ed25519, sig_ed25519_sha256, sig_ecdsa, sig_rsa };
	char msg[sizeof(message)];
	size_t i, at[] = { 0, sizeof(message) / 2, sizeof(message) - 2 };

	(void)state;
	for (i = 0; i < 4 * 4; i++) {
		struct dw_sshsig *sig = NULL;
		struct dw_error err = { 0 };
		size_t len = strlen(message);

		memcpy(msg, message, sizeof(message));
		if (i % 4 < 3)
			msg[at[i % 4]] ^= 1;
		else
			len--; /* one byte short */
		assert_int_equal(dw_sshsig_parse(all[i / 4], strlen(all[i / 4]), &sig, &err), 0);
		assert_int_equal(dw_sshsig_verify(sig, msg, len, &err), -EBADMSG);
		assert_non_null(strstr(err.msg, "does not match the signed content"));
		dw_sshsig_free(sig);
	}
}

/* A changed signature byte, or the namespace changed to "gix", and it fails. */
static void a_changed_signature_or_namespace_fails(void **state)
{
	const char *all[] = { sig_ed25519, sig_ecdsa, sig_rsa };
	unsigned char blob[4096];
	size_t i;

	(void)state;
	for (i = 0; i < 2 * 3; i++) {
		struct dw_sshsig *sig = NULL;
		struct dw_error err = { 0 };
		struct parts p;
		size_t len = blob_of(all[i / 2], blob, sizeof(blob));

		split(blob, len, &p);
		if (i % 2 == 0)
			blob[len - 5] ^= 0x40; /* inside the signature bytes */
		else
			blob[p.len_at[1] + 4 + 2] = 'x';
		assert_int_equal(dw_sshsig_parse_blob(blob, len, &sig, &err), 0);
		assert_int_equal(dw_sshsig_verify(sig, message, strlen(message), &err), -EBADMSG);
		dw_sshsig_free(sig);
	}
}

static void every_truncation_is_refused(void **state)
{
	const char *all[] = { sig_ed25519, sig_ecdsa, sig_rsa };
	unsigned char blob[4096];
	size_t i, len, cut;

	(void)state;
	for (i = 0; i < 3; i++) {
		len = blob_of(all[i], blob, sizeof(blob));
		for (cut = 0; cut < len; cut++) {
			struct dw_error err = { 0 };

			assert_true(parse_blob(blob, cut, &err) < 0);
			assert_true(err.msg[0] != '\0');
		}
	}
}

/* Each string's length set past the end (by one, and to 0xffffffff), and a byte too many. */
static void lengths_past_the_end_are_refused(void **state)
{
	unsigned char blob[4096], bad[4096 + 1];
	struct parts p;
	size_t len = blob_of(sig_ed25519, blob, sizeof(blob)), i, k;

	(void)state;
	split(blob, len, &p);
	for (i = 0; i < 5; i++) {
		for (k = 0; k < 2; k++) {
			struct dw_error err = { 0 };
			uint32_t v = k ? 0xffffffffu : (uint32_t)(len - p.len_at[i] - 4 + 1);

			memcpy(bad, blob, len);
			bad[p.len_at[i]] = (unsigned char)(v >> 24);
			bad[p.len_at[i] + 1] = (unsigned char)(v >> 16);
			bad[p.len_at[i] + 2] = (unsigned char)(v >> 8);
			bad[p.len_at[i] + 3] = (unsigned char)v;
			assert_int_equal(parse_blob(bad, len, &err), -EINVAL);
		}
	}
	memcpy(bad, blob, len);
	bad[len] = 0;
	{
		struct dw_error err = { 0 };

		assert_int_equal(parse_blob(bad, len + 1, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "bytes after the signature"));
	}
}

static void magic_version_and_hash_are_checked(void **state)
{
	unsigned char blob[4096], out[4096];
	struct parts p;
	struct dw_error err = { 0 };
	size_t len = blob_of(sig_ed25519, blob, sizeof(blob));

	(void)state;
	split(blob, len, &p);
	p.head[0] = 'X';
	assert_int_equal(parse_blob(out, join(&p, out), &err), -EINVAL);
	p.head[0] = 'S';
	p.head[9] = 2;
	assert_int_equal(parse_blob(out, join(&p, out), &err), -ENOTSUP);
	p.head[9] = 1;
	p.f[3] = (const unsigned char *)"sha1";
	p.n[3] = 4;
	assert_int_equal(parse_blob(out, join(&p, out), &err), -ENOTSUP);
	p.f[3] = (const unsigned char *)"sha512";
	p.n[3] = 6;
	assert_int_equal(parse_blob(out, join(&p, out), &err), 0);
}

/* The signature field rebuilt with another type name in front of the same bytes. */
static size_t with_sig_type(const char *armored, const char *type, unsigned char *out)
{
	unsigned char blob[4096], sigfield[4096];
	struct parts p;
	size_t len = blob_of(armored, blob, sizeof(blob)), tlen;
	const unsigned char *raw;

	split(blob, len, &p);
	tlen = be32(p.f[4]);
	raw = p.f[4] + 4 + tlen;
	len = put_str(sigfield, type, strlen(type));
	len += put_str(sigfield + len, raw + 4, be32(raw));
	p.f[4] = sigfield;
	p.n[4] = len;
	return join(&p, out);
}

static void sha1_rsa_and_foreign_types_are_refused(void **state)
{
	unsigned char out[4096];
	struct dw_error err = { 0 };

	(void)state;
	assert_int_equal(parse_blob(out, with_sig_type(sig_rsa, "ssh-rsa", out), &err), -ENOTSUP);
	assert_non_null(strstr(err.msg, "SHA-1"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(parse_blob(out, with_sig_type(sig_rsa, "rsa-sha2-256", out), &err), 0);
	assert_int_equal(
	        parse_blob(out, with_sig_type(sig_ed25519, "ecdsa-sha2-nistp256", out), &err),
	        -EINVAL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(parse_blob(out, with_sig_type(sig_ecdsa, "ssh-ed25519", out), &err),
	                 -EINVAL);
	assert_non_null(strstr(err.msg, "does not belong to its key"));
}

/* An RSA key's modulus with a needless leading zero, and a compressed ECDSA point. */
static void keys_must_be_minimal_and_uncompressed(void **state)
{
	unsigned char blob[4096], key[1024], out[4096];
	struct parts p;
	struct dw_error err = { 0 };
	size_t len = blob_of(sig_rsa, blob, sizeof(blob)), off, elen, klen;

	(void)state;
	split(blob, len, &p);
	/* ssh-rsa key: string type, mpint e, mpint n */
	off = 4 + be32(p.f[0]);
	elen = be32(p.f[0] + off);
	klen = off + 4 + elen;
	memcpy(key, p.f[0], klen);
	/* the modulus again, one zero byte longer */
	put_len(key + klen, p.n[0] - klen - 4 + 1);
	key[klen + 4] = 0;
	memcpy(key + klen + 5, p.f[0] + klen + 4, p.n[0] - klen - 4);
	p.f[0] = key;
	p.n[0] += 1;
	assert_int_equal(parse_blob(out, join(&p, out), &err), -EINVAL);

	len = blob_of(sig_ecdsa, blob, sizeof(blob));
	split(blob, len, &p);
	memcpy(key, p.f[0], p.n[0]);
	key[p.n[0] - 65] = 0x02; /* the point's first byte */
	p.f[0] = key;
	assert_int_equal(parse_blob(out, join(&p, out), &err), -EINVAL);
}

static void broken_armor_is_refused(void **state)
{
	static const char pgp[] = "-----BEGIN PGP SIGNATURE-----\n\nwsBcBAABCAAQBQJ\n"
	                          "-----END PGP SIGNATURE-----\n";
	char buf[4096];
	struct dw_sshsig *sig = NULL;
	struct dw_error err = { 0 };
	size_t n = strlen(sig_ed25519);
	char *p;

	(void)state;
	/* no final newline is fine, as git hands it over */
	assert_int_equal(dw_sshsig_parse(sig_ed25519, n - 1, &sig, &err), 0);
	dw_sshsig_free(sig);
	memcpy(buf, sig_ed25519, n + 1);
	buf[5] = 'X'; /* the BEGIN line */
	assert_int_equal(dw_sshsig_parse(buf, n, &sig, &err), -EINVAL);
	memcpy(buf, sig_ed25519, n + 1);
	assert_int_equal(dw_sshsig_parse(buf, n - 10, &sig, &err), -EINVAL); /* END cut */
	memcpy(buf, sig_ed25519, n + 1);
	p = strstr(buf, "=\n-----END");
	p[-1] = p[-1] == 'Y' ? 'Z' : 'Y'; /* the last character's unused bits set */
	memset(&err, 0, sizeof(err));
	assert_int_equal(dw_sshsig_parse(buf, n, &sig, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "base64"));
	/* a forge's OpenPGP signature is named as such */
	memset(&err, 0, sizeof(err));
	assert_int_equal(dw_sshsig_parse(pgp, strlen(pgp), &sig, &err), -ENOTSUP);
	assert_non_null(strstr(err.msg, "an OpenPGP signature"));
	/* an empty line inside */
	memcpy(buf, sig_ed25519, 30); /* the BEGIN line and its newline */
	buf[30] = '\n';
	memcpy(buf + 31, sig_ed25519 + 30, n - 30 + 1);
	assert_int_equal(dw_sshsig_parse(buf, n + 1, &sig, &err), -EINVAL);
	assert_null(sig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_fixture_verifies),
		cmocka_unit_test(a_changed_message_fails),
		cmocka_unit_test(a_changed_signature_or_namespace_fails),
		cmocka_unit_test(every_truncation_is_refused),
		cmocka_unit_test(lengths_past_the_end_are_refused),
		cmocka_unit_test(magic_version_and_hash_are_checked),
		cmocka_unit_test(sha1_rsa_and_foreign_types_are_refused),
		cmocka_unit_test(keys_must_be_minimal_and_uncompressed),
		cmocka_unit_test(broken_armor_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
