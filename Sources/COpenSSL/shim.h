/*
 * The only C surface of intake: OpenSSL 3 headers, plus small static inline wrappers for
 * the parts Swift cannot import directly (macros, variadic functions, typed stacks), and one
 * Linux call that Glibc's module hides (shim_start_writeback).
 */
#ifndef INTAKE_COPENSSL_SHIM_H
#define INTAKE_COPENSSL_SHIM_H

#include <openssl/opensslv.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/buffer.h>
#include <openssl/cms.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/x509_vfy.h>

/* ---- memory and BIOs ---------------------------------------------------------------- */

static inline void shim_free(void *p) { OPENSSL_free(p); }

/* Length and pointer of a memory BIO's contents. */
static inline long shim_bio_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}

/* A read-only memory BIO over caller-owned bytes (no copy). */
static inline BIO *shim_bio_readonly(const void *bytes, int length) {
    return BIO_new_mem_buf(bytes, length);
}

/* A writable memory BIO with room for `capacity` bytes already allocated, so that a large
 * output is written without repeated doubling and copying. */
static inline BIO *shim_bio_with_capacity(size_t capacity) {
    BUF_MEM *buffer = BUF_MEM_new();
    if (buffer == NULL) return NULL;
    if (capacity > 0 && BUF_MEM_grow(buffer, capacity) == 0) { BUF_MEM_free(buffer); return NULL; }
    buffer->length = 0;
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL) { BUF_MEM_free(buffer); return NULL; }
    BIO_set_mem_buf(bio, buffer, BIO_CLOSE);
    return bio;
}

/* ---- key generation (EVP_PKEY_Q_keygen is variadic) ---------------------------------- */

static inline EVP_PKEY *shim_keygen_ec(const char *curve) {
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
}

static inline EVP_PKEY *shim_keygen_rsa(size_t bits) {
    return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits);
}

static inline EVP_PKEY *shim_keygen_ed25519(void) {
    return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
}

/* ---- typed stacks ------------------------------------------------------------------- */

static inline STACK_OF(X509) *shim_x509_stack_new(void) { return sk_X509_new_null(); }
static inline int shim_x509_stack_push(STACK_OF(X509) *s, X509 *x) { return sk_X509_push(s, x); }
static inline int shim_x509_stack_count(const STACK_OF(X509) *s) { return sk_X509_num(s); }
static inline X509 *shim_x509_stack_get(const STACK_OF(X509) *s, int i) { return sk_X509_value(s, i); }
/* Frees the stack only: the certificates are owned elsewhere. */
static inline void shim_x509_stack_free_shallow(STACK_OF(X509) *s) { sk_X509_free(s); }
/* Frees the stack and every certificate in it. */
static inline void shim_x509_stack_free_deep(STACK_OF(X509) *s) { sk_X509_pop_free(s, X509_free); }

static inline int shim_recipient_infos_count(STACK_OF(CMS_RecipientInfo) *s) {
    return sk_CMS_RecipientInfo_num(s);
}
static inline CMS_RecipientInfo *shim_recipient_infos_get(STACK_OF(CMS_RecipientInfo) *s, int i) {
    return sk_CMS_RecipientInfo_value(s, i);
}
static inline int shim_signer_infos_count(STACK_OF(CMS_SignerInfo) *s) {
    return sk_CMS_SignerInfo_num(s);
}
static inline CMS_SignerInfo *shim_signer_infos_get(STACK_OF(CMS_SignerInfo) *s, int i) {
    return sk_CMS_SignerInfo_value(s, i);
}

static inline int shim_reks_count(STACK_OF(CMS_RecipientEncryptedKey) *s) {
    return sk_CMS_RecipientEncryptedKey_num(s);
}
static inline CMS_RecipientEncryptedKey *shim_reks_get(STACK_OF(CMS_RecipientEncryptedKey) *s, int i) {
    return sk_CMS_RecipientEncryptedKey_value(s, i);
}

/* The key-wrap algorithm of a KeyAgreeRecipientInfo (RFC 5652 §6.2.2: the parameter of its
 * keyEncryptionAlgorithm is the KeyWrapAlgorithm identifier), as a NID; NID_undef if absent. */
static inline int shim_kari_wrap_nid(CMS_RecipientInfo *ri) {
    X509_ALGOR *alg = NULL;
    if (CMS_RecipientInfo_kari_get0_alg(ri, &alg, NULL) != 1 || alg == NULL) return NID_undef;
    int ptype = 0;
    const void *pval = NULL;
    X509_ALGOR_get0(NULL, &ptype, &pval, alg);
    if (ptype != V_ASN1_SEQUENCE || pval == NULL) return NID_undef;
    const ASN1_STRING *sequence = (const ASN1_STRING *)pval;
    const unsigned char *cursor = ASN1_STRING_get0_data(sequence);
    X509_ALGOR *wrap = d2i_X509_ALGOR(NULL, &cursor, ASN1_STRING_length(sequence));
    if (wrap == NULL) return NID_undef;
    const ASN1_OBJECT *object = NULL;
    X509_ALGOR_get0(&object, NULL, NULL, wrap);
    int nid = OBJ_obj2nid(object);
    X509_ALGOR_free(wrap);
    return nid;
}

/* ---- PEM (declared through macros) -------------------------------------------------- */

static inline CMS_ContentInfo *shim_pem_read_cms(BIO *bio) { return PEM_read_bio_CMS(bio, NULL, NULL, NULL); }
static inline int shim_pem_write_cms(BIO *bio, CMS_ContentInfo *cms) { return PEM_write_bio_CMS(bio, cms); }

/* ---- certificates ------------------------------------------------------------------- */

static inline int shim_name_print_rfc2253(BIO *bio, const X509_NAME *name) {
    return X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
}

static inline const ASN1_TIME *shim_x509_not_before(const X509 *x) { return X509_get0_notBefore(x); }
static inline const ASN1_TIME *shim_x509_not_after(const X509 *x) { return X509_get0_notAfter(x); }

/* ---- Linux: start a file's writeback now (group commit; GroupSync) -------------------- */

#include <sys/syscall.h>
#include <unistd.h>

/* sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE): start writing the file's dirty pages
 * without waiting, so that a later fsync finds them written. glibc declares it only under
 * _GNU_SOURCE, which the Glibc module is not built with; the system call is the same. */
static inline int shim_start_writeback(int fd) {
    return (int)syscall(SYS_sync_file_range, fd, (long)0, (long)0, 2u /* SYNC_FILE_RANGE_WRITE */);
}

#endif
