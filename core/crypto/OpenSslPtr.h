// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Private to core/crypto/*.cpp: RAII owners for OpenSSL objects and small
// BIO/PEM helpers. Never include this header outside core/crypto.
#include "core/crypto/RsaKey.h"
#include <QByteArray>
#include <memory>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

namespace re6st::crypto::detail {

template<auto FreeFn>
struct OpenSslDeleter
{
    template<typename T>
    void operator()(T *p) const { FreeFn(p); }
};

using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpenSslDeleter<EVP_MD_CTX_free>>;
using EvpMdPtr = std::unique_ptr<EVP_MD, OpenSslDeleter<EVP_MD_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, OpenSslDeleter<X509_REQ_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OpenSslDeleter<X509_NAME_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, OpenSslDeleter<ASN1_INTEGER_free>>;

// Read-only memory BIO over `data` (which must outlive the BIO).
inline BioPtr readBio(const QByteArray &data)
{
    return BioPtr(BIO_new_mem_buf(data.constData(), int(data.size())));
}

inline BioPtr writeBio()
{
    return BioPtr(BIO_new(BIO_s_mem()));
}

// Everything written to a memory BIO so far.
inline QByteArray bioContents(BIO *bio)
{
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    if (size <= 0 || data == nullptr)
        return {};
    return QByteArray(data, qsizetype(size));
}

// Passphrase callback that refuses: encrypted PEM input fails instead of
// prompting on the terminal.
inline int refusePassphrase(char *, int, int, void *)
{
    return -1;
}

// Public half of `key` as a separate object: a certificate or request built
// from a private key must not hand that private key back from publicKey().
inline EvpPkeyPtr publicPart(EVP_PKEY *key)
{
    unsigned char *der = nullptr;
    const int len = i2d_PUBKEY(key, &der);
    if (len <= 0)
        return {};
    const unsigned char *p = der;
    EvpPkeyPtr out(d2i_PUBKEY(nullptr, &p, len));
    OPENSSL_free(der);
    return out;
}

// Drop whatever a failed call left in this thread's error queue, so it does
// not leak into unrelated OpenSSL users (Qt's TLS backend shares the queue).
template<typename T>
inline T failed(T value)
{
    ERR_clear_error();
    return value;
}

// DER of any OpenSSL object through its i2d_* function; empty (and the error
// queue cleared) on failure.
template<typename T, typename I2d>
inline QByteArray derOf(T *object, I2d i2d)
{
    if (object == nullptr)
        return {};
    unsigned char *der = nullptr;
    const int len = i2d(object, &der);
    if (len <= 0)
        return failed(QByteArray());
    QByteArray out(reinterpret_cast<const char *>(der), len);
    OPENSSL_free(der);
    return out;
}

// The content octets of `der` when it is exactly one SEQUENCE (definite
// length, nothing after it); nullptr otherwise. `*length` gets their count.
inline const unsigned char *sequenceContent(const QByteArray &der, long *length)
{
    const auto *begin = reinterpret_cast<const unsigned char *>(der.constData());
    const unsigned char *p = begin;
    long contentLength = 0;
    int tag = 0, xclass = 0;
    const int flags = ASN1_get_object(&p, &contentLength, &tag, &xclass, long(der.size()));
    if (der.isEmpty() || (flags & 0x80) != 0 || flags != V_ASN1_CONSTRUCTED || tag != V_ASN1_SEQUENCE
        || xclass != V_ASN1_UNIVERSAL || p + contentLength != begin + der.size())
        return failed(nullptr);
    *length = contentLength;
    return p;
}

// A new EVP_PKEY reference (from X509_get_pubkey / X509_REQ_get_pubkey) as an
// RsaKey; a missing or non-RSA key gives a null key.
inline RsaKey adoptRsaKey(EVP_PKEY *key)
{
    if (key == nullptr)
        return failed(RsaKey());
    if (!EVP_PKEY_is_a(key, "RSA")) {
        EVP_PKEY_free(key);
        return {};
    }
    return RsaKey(key);
}

} // namespace re6st::crypto::detail
