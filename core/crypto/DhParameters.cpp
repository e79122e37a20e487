// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/crypto/DhParameters.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace re6st::crypto {

bool DhParameters::isPem(const QByteArray &pem)
{
    BIO *bio = BIO_new_mem_buf(pem.constData(), int(pem.size()));
    if (bio == nullptr) return false;
    EVP_PKEY *params = PEM_read_bio_Parameters(bio, nullptr);
    BIO_free(bio);
    const bool dh = params != nullptr && (EVP_PKEY_is_a(params, "DH") || EVP_PKEY_is_a(params, "DHX"));
    EVP_PKEY_free(params);
    ERR_clear_error(); // a refused file leaves decoder errors on this thread's queue
    return dh;
}

QByteArray DhParameters::ffdhe2048()
{
    return QByteArrayLiteral("-----BEGIN DH PARAMETERS-----\n"
                             "MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz\n"
                             "+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a\n"
                             "87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7\n"
                             "YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi\n"
                             "7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD\n"
                             "ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==\n"
                             "-----END DH PARAMETERS-----\n");
}

} // namespace re6st::crypto
