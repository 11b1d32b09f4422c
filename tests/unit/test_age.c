/*
 * age v1 through the public API: round trips at the chunk boundaries, several
 * recipients, armor, passphrases, and tampering (a flipped bit in the header,
 * the MAC and each chunk; truncation; reordered chunks), key files and tenant
 * secrets.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "driftward/age.h"
#include "driftward/buf.h"
#include "driftward/config.h"
#include "driftward/crypto.h"
#include "driftward/keyfile.h"

#define CHUNK (64 * 1024)
/* a dw_buf maximum: SIZE_MAX itself would overflow max + 1 in the buffer */
#define BIG (SIZE_MAX / 2)

struct keys {
	struct dw_age_identities *ids;  /* the first key */
	struct dw_age_identities *ids2; /* a second key */
	struct dw_age_recipients *r;    /* both */
};

static int setup(void **state)
{
	struct keys *k = calloc(1, sizeof(*k));
	struct dw_secret *id = NULL;
	char rcpt[DW_AGE_RECIPIENT_MAX];
	int i;

	assert_non_null(k);
	assert_int_equal(dw_age_identities_new(&k->ids), 0);
	assert_int_equal(dw_age_identities_new(&k->ids2), 0);
	assert_int_equal(dw_age_recipients_new(&k->r), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(dw_age_keygen(&id, rcpt), 0);
		assert_int_equal(dw_age_identities_add(i ? k->ids2 : k->ids,
		                                       (const char *)dw_secret_data(id), NULL),
		                 0);
		assert_int_equal(dw_age_recipients_add(k->r, rcpt, NULL), 0);
		dw_secret_free(id);
	}
	*state = k;
	return 0;
}

static int teardown(void **state)
{
	struct keys *k = *state;

	dw_age_identities_free(k->ids);
	dw_age_identities_free(k->ids2);
	dw_age_recipients_free(k->r);
	free(k);
	return 0;
}

static unsigned char *pattern(size_t len)
{
	unsigned char *p = malloc(len + 1);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 31 + (i >> 16));
	return p;
}

static void encrypt(const struct dw_age_recipients *r, unsigned flags, const void *p, size_t len,
                    struct dw_buf *out)
{
	struct dw_error err = { 0 };

	dw_buf_init(out, 64 * 1024 * 1024);
	assert_int_equal(dw_age_encrypt_mem(r, flags, p, len, out, &err), 0);
}

static void round_trips_at_chunk_boundaries(void **state)
{
	static const size_t sizes[] = {
		0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 7
	};
	struct keys *k = *state;
	struct dw_error err = { 0 };
	struct dw_secret *plain;
	struct dw_buf enc;
	size_t i;
	int armor;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (armor = 0; armor < 2; armor++) {
			unsigned char *p = pattern(sizes[i]);

			encrypt(k->r, armor ? DW_AGE_ARMOR : 0, p, sizes[i], &enc);
			/* either recipient decrypts */
			assert_int_equal(
			        dw_age_decrypt_mem(k->ids2, enc.ptr, enc.len, BIG, &plain, &err),
			        0);
			assert_int_equal(dw_secret_len(plain), sizes[i]);
			assert_memory_equal(dw_secret_data(plain), p, sizes[i]);
			dw_secret_free(plain);
			assert_int_equal(
			        dw_age_decrypt_mem(k->ids, enc.ptr, enc.len, BIG, &plain, &err), 0);
			dw_secret_free(plain);
			if (armor)
				assert_memory_equal(enc.ptr, "-----BEGIN AGE ENCRYPTED FILE-----\n",
				                    35);
			dw_buf_release(&enc);
			free(p);
		}
	}
}

static int decrypt_class(const struct dw_age_identities *ids, const struct dw_buf *enc,
                         size_t *released)
{
	struct dw_error err = { 0 };
	struct dw_buf out;
	struct dw_age_sink sink = { NULL, &out };
	int r;

	(void)sink;
	dw_buf_init(&out, BIG);
	{
		struct dw_secret *s = NULL;

		r = dw_age_decrypt_mem(ids, enc->ptr, enc->len, BIG, &s, &err);
		assert_true(r < 0 ? s == NULL : s != NULL);
		if (released)
			*released = s ? dw_secret_len(s) : 0;
		dw_secret_free(s);
	}
	dw_buf_release(&out);
	return r;
}

/* Where the payload starts: after the MAC line and the 16-byte nonce. */
static size_t payload_offset(const struct dw_buf *enc)
{
	const char *mac = strstr(enc->ptr, "\n--- ");

	assert_non_null(mac);
	return (size_t)(strchr(mac + 1, '\n') - enc->ptr) + 1 + 16;
}

static void tampering_is_detected_in_each_part(void **state)
{
	struct keys *k = *state;
	unsigned char *p = pattern(3 * CHUNK + 100);
	struct dw_buf enc;
	size_t off, mac, i;
	char saved;

	encrypt(k->r, 0, p, 3 * CHUNK + 100, &enc);
	off = payload_offset(&enc);
	mac = (size_t)(strstr(enc.ptr, "\n--- ") - enc.ptr) + 6;
	/* the version line: a header failure ("v1" becomes "v0") */
	enc.ptr[20] ^= 1;
	assert_int_equal(decrypt_class(k->ids, &enc, NULL), -EBADMSG);
	enc.ptr[20] ^= 1;
	/* the first byte: no longer a binary age file, and not armor either */
	enc.ptr[0] ^= 1;
	assert_int_equal(decrypt_class(k->ids, &enc, NULL), -EILSEQ);
	enc.ptr[0] ^= 1;
	/*
	 * the first stanza's share, replaced by another valid base64 character
	 * (a flipped bit may make an invalid one: a header failure): its tag
	 * fails for the key (no match)
	 */
	saved = enc.ptr[35];
	enc.ptr[35] = saved == 'A' ? 'B' : 'A';
	assert_int_equal(decrypt_class(k->ids, &enc, NULL), -ENOKEY);
	enc.ptr[35] = saved;
	/* the MAC itself */
	saved = enc.ptr[mac];
	enc.ptr[mac] = saved == 'A' ? 'B' : 'A';
	assert_int_equal(decrypt_class(k->ids, &enc, NULL), -EKEYREJECTED);
	enc.ptr[mac] = saved;
	/* the nonce changes the payload key: the first chunk fails */
	enc.ptr[off - 1] ^= 0x80;
	assert_int_equal(decrypt_class(k->ids, &enc, NULL), -EPROTO);
	enc.ptr[off - 1] ^= 0x80;
	/* each chunk */
	for (i = 0; i < 4; i++) {
		size_t released = 1;
		size_t at = off + i * (CHUNK + 16) + 5;

		enc.ptr[at] ^= 1;
		assert_int_equal(decrypt_class(k->ids, &enc, &released), -EPROTO);
		assert_int_equal(released, 0); /* _mem releases nothing on failure */
		enc.ptr[at] ^= 1;
	}
	assert_int_equal(decrypt_class(k->ids, &enc, NULL), 0);
	dw_buf_release(&enc);
	free(p);
}

struct collect {
	struct dw_buf out;
};

static int collect_write(void *ctx, const void *buf, size_t len)
{
	return dw_buf_put(ctx, buf, len);
}

struct memsrc {
	const char *p;
	size_t len, pos;
};

static ssize_t memsrc_read(void *ctx, void *buf, size_t len)
{
	struct memsrc *m = ctx;
	size_t n = m->len - m->pos < len ? m->len - m->pos : len;

	memcpy(buf, m->p + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

/* Streaming decryption releases exactly the chunks that verified before the bad one. */
static int stream_class(const struct dw_age_identities *ids, const char *p, size_t len,
                        size_t *released)
{
	struct memsrc m = { p, len, 0 };
	struct dw_age_source src = { memsrc_read, &m };
	struct dw_buf out;
	struct dw_age_sink dst = { collect_write, &out };
	struct dw_error err = { 0 };
	int r;

	dw_buf_init(&out, BIG);
	r = dw_age_decrypt(ids, &src, &dst, &err);
	*released = out.len;
	dw_buf_release(&out);
	return r;
}

static void truncated_and_reordered_payloads_fail(void **state)
{
	struct keys *k = *state;
	unsigned char *p = pattern(3 * CHUNK + 100);
	struct dw_buf enc;
	size_t off, released;
	char *swapped;

	encrypt(k->r, 0, p, 3 * CHUNK + 100, &enc);
	off = payload_offset(&enc);
	/* a flipped bit in the third chunk: the first two are released */
	enc.ptr[off + 2 * (CHUNK + 16) + 9] ^= 4;
	assert_int_equal(stream_class(k->ids, enc.ptr, enc.len, &released), -EPROTO);
	assert_int_equal(released, 2 * CHUNK);
	enc.ptr[off + 2 * (CHUNK + 16) + 9] ^= 4;
	/* truncated at a chunk boundary: no last chunk */
	assert_int_equal(stream_class(k->ids, enc.ptr, off + 2 * (CHUNK + 16), &released), -EPROTO);
	assert_int_equal(released, 2 * CHUNK);
	/* truncated inside the last chunk, and inside the header */
	assert_int_equal(stream_class(k->ids, enc.ptr, enc.len - 1, &released), -EPROTO);
	assert_int_equal(stream_class(k->ids, enc.ptr, 40, &released), -EBADMSG);
	/* payload without even the nonce */
	assert_int_equal(stream_class(k->ids, enc.ptr, off - 8, &released), -EBADMSG);
	/* the first two chunks swapped */
	swapped = malloc(enc.len);
	assert_non_null(swapped);
	memcpy(swapped, enc.ptr, enc.len);
	memcpy(swapped + off, enc.ptr + off + CHUNK + 16, CHUNK + 16);
	memcpy(swapped + off + CHUNK + 16, enc.ptr + off, CHUNK + 16);
	assert_int_equal(stream_class(k->ids, swapped, enc.len, &released), -EPROTO);
	assert_int_equal(released, 0);
	/* trailing bytes after the last chunk */
	assert_int_equal(stream_class(k->ids, enc.ptr, enc.len, &released), 0);
	free(swapped);
	dw_buf_release(&enc);
	free(p);
}

static void armor_is_detected_and_strict(void **state)
{
	struct keys *k = *state;
	struct dw_buf enc, ws;
	size_t released;

	encrypt(k->r, DW_AGE_ARMOR, "hello", 5, &enc);
	/* whitespace around the block is allowed */
	dw_buf_init(&ws, BIG);
	assert_int_equal(dw_buf_printf(&ws, "\n \t\r\n%s\n\n  ", enc.ptr), 0);
	assert_int_equal(stream_class(k->ids, ws.ptr, ws.len, &released), 0);
	assert_int_equal(released, 5);
	/* anything else after it is not */
	assert_int_equal(dw_buf_puts(&ws, "x"), 0);
	assert_int_equal(stream_class(k->ids, ws.ptr, ws.len, &released), -EILSEQ);
	/* a bad character inside */
	enc.ptr[40] = '*';
	assert_int_equal(stream_class(k->ids, enc.ptr, enc.len, &released), -EILSEQ);
	/* not an age file at all */
	assert_int_equal(stream_class(k->ids, "hello", 5, &released), -EILSEQ);
	assert_int_equal(stream_class(k->ids, "", 0, &released), -EBADMSG);
	dw_buf_release(&ws);
	dw_buf_release(&enc);
}

static void wrong_key_is_no_match(void **state)
{
	struct keys *k = *state;
	struct dw_age_recipients *only2 = NULL;
	struct dw_age_identities *none = NULL;
	struct dw_buf enc;

	assert_int_equal(dw_age_recipients_new(&only2), 0);
	assert_int_equal(dw_age_recipients_add_identities(only2, k->ids2), 0);
	encrypt(only2, 0, "x", 1, &enc);
	assert_int_equal(decrypt_class(k->ids, &enc, NULL), -ENOKEY);
	assert_int_equal(decrypt_class(k->ids2, &enc, NULL), 0);
	assert_int_equal(dw_age_identities_new(&none), 0);
	assert_int_equal(decrypt_class(none, &enc, NULL), -ENOKEY);
	dw_age_identities_free(none);
	dw_age_recipients_free(only2);
	dw_buf_release(&enc);
}

static void passphrases_round_trip_and_stay_alone(void **state)
{
	struct keys *k = *state;
	struct dw_age_recipients *r = NULL;
	struct dw_age_identities *ids = NULL;
	struct dw_error err = { 0 };
	struct dw_buf enc;

	assert_int_equal(dw_age_recipients_new(&r), 0);
	assert_int_equal(dw_age_recipients_add_passphrase(r, "correct horse", 13, 10, &err), 0);
	encrypt(r, 0, "secret", 6, &enc);
	assert_non_null(strstr(enc.ptr, "\n-> scrypt "));
	assert_int_equal(dw_age_identities_new(&ids), 0);
	assert_int_equal(dw_age_identities_add_passphrase(ids, "wrong", 5), 0);
	assert_int_equal(decrypt_class(ids, &enc, NULL), -ENOKEY);
	assert_int_equal(dw_age_identities_add_passphrase(ids, "correct horse", 13), 0);
	assert_int_equal(decrypt_class(ids, &enc, NULL), 0);
	/* X25519 keys don't open it */
	assert_int_equal(decrypt_class(k->ids, &enc, NULL), -ENOKEY);
	dw_buf_release(&enc);
	/* a passphrase mixed with other recipients is refused */
	assert_int_equal(dw_age_recipients_add_identities(r, k->ids), 0);
	dw_buf_init(&enc, BIG);
	assert_int_equal(dw_age_encrypt_mem(r, 0, "x", 1, &enc, &err), -EINVAL);
	dw_buf_release(&enc);
	dw_age_identities_free(ids);
	dw_age_recipients_free(r);
}

static void decrypt_mem_respects_its_maximum(void **state)
{
	struct keys *k = *state;
	struct dw_error err = { 0 };
	struct dw_secret *s = NULL;
	struct dw_buf enc;

	encrypt(k->r, 0, "0123456789", 10, &enc);
	assert_int_equal(dw_age_decrypt_mem(k->ids, enc.ptr, enc.len, 9, &s, &err), -E2BIG);
	assert_null(s);
	assert_int_equal(dw_age_decrypt_mem(k->ids, enc.ptr, enc.len, 10, &s, &err), 0);
	dw_secret_free(s);
	dw_buf_release(&enc);
}

static void key_files_are_created_once_and_guarded(void **state)
{
	char dir[] = "/tmp/dw-age-test-XXXXXX", path[256], rcpt[DW_AGE_RECIPIENT_MAX];
	char rcpt2[DW_AGE_RECIPIENT_MAX];
	struct dw_age_identities *ids = NULL;
	struct dw_error err = { 0 };
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/key.txt", dir);
	assert_int_equal(dw_keyfile_create(path, rcpt, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	dw_error_clear(&err);
	assert_int_equal(dw_keyfile_create(path, rcpt2, &err), -EEXIST);
	assert_int_equal(dw_keyfile_load(path, &ids, &err), 0);
	assert_int_equal(dw_age_identities_recipient(ids, 0, rcpt2, sizeof(rcpt2)), 0);
	assert_string_equal(rcpt, rcpt2);
	dw_age_identities_free(ids);
	/* readable by the group: refused, with the fix in the message */
	assert_int_equal(chmod(path, 0640), 0);
	dw_error_clear(&err);
	assert_int_equal(dw_keyfile_load(path, &ids, &err), -EPERM);
	assert_null(ids);
	assert_non_null(strstr(err.msg, "chmod 600"));
	unlink(path);
	rmdir(dir);
}

static void identity_text_is_parsed_strictly(void **state)
{
	static const char good[] =
	        "# created: 2024-01-01T00:00:00Z\r\n# public key: age1zvkyg2lqzraa2lnjvqej32nkuu0"
	        "ues2s82hzrye869xeexvn73equnujwj\r\n\r\nAGE-SECRET-KEY-"
	        "1GFPYYSJZGFPYYSJZGFPYYSJZGFPY"
	        "YSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX\r\n";
	struct dw_age_identities *ids = NULL;
	struct dw_error err = { 0 };
	char rcpt[DW_AGE_RECIPIENT_MAX];

	(void)state;
	assert_int_equal(dw_age_identities_new(&ids), 0);
	assert_int_equal(dw_age_identities_add_text(ids, good, strlen(good), "k", &err), 0);
	assert_int_equal(dw_age_identities_recipient(ids, 0, rcpt, sizeof(rcpt)), 0);
	assert_string_equal(rcpt, "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj");
	/* lower case is not an identity; and the message never shows the line */
	assert_int_equal(
	        dw_age_identities_add_text(ids, "age-secret-key-1gfpyysjz\n", 25, "k", &err),
	        -EINVAL);
	assert_null(strstr(err.msg, "gfpyysjz"));
	assert_int_equal(err.line, 1);
	dw_age_identities_free(ids);
}

/* Files in @dir that an atomic write left behind ("<name>.tmp-XXXXXX"). */
static int count_temporary_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strstr(e->d_name, ".tmp-") != NULL;
	closedir(d);
	return n;
}

static void tenant_secrets_store_load_and_rekey(void **state)
{
	char dir[] = "/tmp/dw-age-test-XXXXXX", path[512], rcpt[DW_AGE_RECIPIENT_MAX];
	struct dw_age_identities *key = NULL, *key2 = NULL;
	struct dw_age_recipients *r = NULL;
	struct dw_config *cfg = NULL;
	struct dw_secret *s = NULL;
	struct dw_error err = { 0 };
	struct dw_diags diags;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/key.txt", dir);
	assert_int_equal(dw_keyfile_create(path, rcpt, &err), 0);
	snprintf(path, sizeof(path), "%s/key2.txt", dir);
	assert_int_equal(dw_keyfile_create(path, rcpt, &err), 0);
	snprintf(path, sizeof(path), "%s/driftward.ini", dir);
	f = fopen(path, "we");
	assert_non_null(f);
	fprintf(f,
	        "[agent]\nstate_repo = state.git\nkey_file = key.txt\n\n"
	        "[tenant a]\ntenant_id = 00000000-0000-0000-0000-000000000001\n"
	        "client_id = 11111111-1111-1111-1111-111111111111\nsecret_file = a.age\n\n"
	        "[tenant b]\ntenant_id = 00000000-0000-0000-0000-000000000002\n"
	        "client_id = 11111111-1111-1111-1111-111111111111\nsecret_file = b.age\n"
	        "extra_recipients = %s\n",
	        rcpt);
	fclose(f);
	dw_diags_init(&diags);
	assert_int_equal(dw_config_load(path, DW_CONFIG_SECRETS_MAY_BE_MISSING, &cfg, &diags), 0);
	dw_diags_release(&diags);
	assert_int_equal(dw_keyfile_load(dw_config_key_file(cfg), &key, &err), 0);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(dw_tenant_recipients(cfg, &cfg->tenants[i], key, &r, &err), 0);
		assert_int_equal(dw_age_recipients_count(r), i + 1);
		assert_int_equal(
		        dw_tenant_secret_store(&cfg->tenants[i], r, i ? "s-b" : "s-a", 3, &err), 0);
		dw_age_recipients_free(r);
	}
	assert_int_equal(dw_tenant_secret_decrypt(&cfg->tenants[1], key, &s, &err), 0);
	assert_memory_equal(dw_secret_data(s), "s-b", 3);
	dw_secret_free(s);
	/* tenant b's extra recipient (key2) decrypts b, not a */
	snprintf(path, sizeof(path), "%s/key2.txt", dir);
	assert_int_equal(dw_keyfile_load(path, &key2, &err), 0);
	assert_int_equal(dw_tenant_secret_decrypt(&cfg->tenants[1], key2, &s, &err), 0);
	dw_secret_free(s);
	assert_int_equal(dw_tenant_secret_decrypt(&cfg->tenants[0], key2, &s, &err), -ENOKEY);
	/* rekey to key2: both open with key2 now, and no longer with key */
	assert_int_equal(dw_tenant_secrets_rekey(cfg, key, key2, &err), 0);
	assert_int_equal(dw_tenant_secret_decrypt(&cfg->tenants[0], key2, &s, &err), 0);
	assert_memory_equal(dw_secret_data(s), "s-a", 3);
	dw_secret_free(s);
	assert_int_equal(dw_tenant_secret_decrypt(&cfg->tenants[0], key, &s, &err), -ENOKEY);
	/* all or nothing: with the old key gone, a rekey fails and changes no file */
	{
		struct stat before, after;

		assert_int_equal(stat(cfg->tenants[0].secret_file, &before), 0);
		dw_error_clear(&err);
		assert_int_not_equal(dw_tenant_secrets_rekey(cfg, key, NULL, &err), 0);
		assert_int_equal(stat(cfg->tenants[0].secret_file, &after), 0);
		assert_int_equal(before.st_ino, after.st_ino);
	}
	/* a failure at the second tenant takes the first one's new file away too */
	{
		struct stat before, after;
		char away[600];

		snprintf(away, sizeof(away), "%s.away", cfg->tenants[1].secret_file);
		assert_int_equal(rename(cfg->tenants[1].secret_file, away), 0);
		assert_int_equal(stat(cfg->tenants[0].secret_file, &before), 0);
		dw_error_clear(&err);
		assert_int_not_equal(dw_tenant_secrets_rekey(cfg, key2, key, &err), 0);
		assert_int_equal(stat(cfg->tenants[0].secret_file, &after), 0);
		assert_int_equal(before.st_ino, after.st_ino);
		assert_int_equal(count_temporary_files(dir), 0);
	}
	dw_age_identities_free(key);
	dw_age_identities_free(key2);
	dw_config_free(cfg);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trips_at_chunk_boundaries),
		cmocka_unit_test(tampering_is_detected_in_each_part),
		cmocka_unit_test(truncated_and_reordered_payloads_fail),
		cmocka_unit_test(armor_is_detected_and_strict),
		cmocka_unit_test(wrong_key_is_no_match),
		cmocka_unit_test(passphrases_round_trip_and_stay_alone),
		cmocka_unit_test(decrypt_mem_respects_its_maximum),
		cmocka_unit_test(key_files_are_created_once_and_guarded),
		cmocka_unit_test(identity_text_is_parsed_strictly),
		cmocka_unit_test(tenant_secrets_store_load_and_rekey),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
