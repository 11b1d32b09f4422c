/*
 * Turning one object read from Graph into the file stored for it: normalised
 * by the catalog's profile, secret fields encrypted, canonical pretty JSON,
 * under its stable path.
 */
#ifndef DW_SNAPSHOT_ENCODE_H
#define DW_SNAPSHOT_ENCODE_H

#include "driftward/age.h"
#include "driftward/buf.h"
#include "driftward/catalog.h"
#include "driftward/error.h"
#include "driftward/json.h"

/* The largest file stored for one object. */
#define DW_OBJECT_FILE_MAX (16u << 20)

/* Where the encoder finds what the previous snapshot stored for an object id. */
struct previous_files {
	/* Sets *data and *len to the previous file of the object with this id; -ENOENT if none. */
	int (*lookup)(void *ctx, const char *id, size_t idlen, const char **data, size_t *len);
	void *ctx;
};

struct object_encoder {
	const struct dw_collector *collector;
	struct dw_json_profile global;
	struct dw_json_profile own;
	struct dw_json_set_rule *rules;
	const struct dw_age_recipients *recipients; /* secret fields are encrypted to these */
	const struct dw_age_identities *key;        /* reads the previous ciphertexts */
};

int dw_snapshot__encoder_init(struct object_encoder *enc, const struct dw_catalog *catalog,
                              const struct dw_collector *collector,
                              const struct dw_age_recipients *recipients,
                              const struct dw_age_identities *key);
void dw_snapshot__encoder_release(struct object_encoder *enc);

/*
 * Encodes @obj (a value of @doc, changed in place) into its path and content,
 * both appended. Secrets whose plaintext the previous file already held keep
 * that ciphertext, so an unchanged secret gives an unchanged file.
 * Returns 0, -EBADMSG for an object without its key (@err says which), or
 * another negative code.
 */
int dw_snapshot__encoder_encode(const struct object_encoder *enc, struct dw_json_doc *doc,
                                struct dw_json *obj, const struct previous_files *previous,
                                struct dw_buf *path, struct dw_buf *content, struct dw_error *err);

/* The id of @obj as text (a string key as it is, a number in its canonical form). */
int dw_snapshot__encoder_object_id(const struct object_encoder *enc, const struct dw_json *obj,
                                   struct dw_buf *out, struct dw_error *err);

#endif
