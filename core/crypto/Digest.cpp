// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/crypto/Digest.h"
#include "core/crypto/DigestLookup.h"
#include "core/crypto/OpenSslPtr.h"
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace re6st::crypto {

namespace detail {

// Python hashlib names (what users pass to re6st-conf --fingerprint,
// registry-protocol.md §14.2) that OpenSSL spells differently.
static QByteArray openSslDigestName(const QByteArray &algorithm)
{
    const QByteArray lower = algorithm.toLower();
    if (lower.startsWith("sha3_"))
        return "SHA3-" + lower.mid(5);
    if (lower == "sha512_224" || lower == "sha512_256")
        return "SHA512-" + lower.mid(7);
    if (lower == "blake2b")
        return "BLAKE2B-512";
    if (lower == "blake2s")
        return "BLAKE2S-256";
    return algorithm;
}

EvpMdPtr fetchDigest(const QByteArray &algorithm)
{
    if (algorithm.isEmpty() || algorithm.contains('\0'))
        return {};
    ERR_set_mark();
    EvpMdPtr md(EVP_MD_fetch(nullptr, openSslDigestName(algorithm).constData(), nullptr));
    ERR_pop_to_mark();
    // Extendable-output functions (SHAKE) have no fixed digest size.
    if (md && (EVP_MD_get_flags(md.get()) & EVP_MD_FLAG_XOF) != 0)
        return {};
    return md;
}

std::optional<QByteArray> digestWith(const EVP_MD *md, const QByteArray &data)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int outLen = 0;
    if (EVP_Digest(data.constData(), size_t(data.size()), out, &outLen, md, nullptr) != 1)
        return failed(std::optional<QByteArray>());
    return QByteArray(reinterpret_cast<const char *>(out), int(outLen));
}

} // namespace detail

QByteArray sha1(const QByteArray &data)
{
    return detail::digestWith(EVP_sha1(), data).value_or(QByteArray());
}

QByteArray hmacSha1(const QByteArray &key, const QByteArray &data)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int outLen = 0;
    // constData() of an empty QByteArray is a valid "" pointer: a zero-length key.
    if (HMAC(EVP_sha1(), key.constData(), int(key.size()),
             reinterpret_cast<const unsigned char *>(data.constData()), size_t(data.size()), out,
             &outLen) == nullptr)
        return detail::failed(QByteArray());
    return QByteArray(reinterpret_cast<const char *>(out), int(outLen));
}

std::optional<QByteArray> digest(const QByteArray &algorithm, const QByteArray &data)
{
    const detail::EvpMdPtr md = detail::fetchDigest(algorithm);
    if (!md)
        return std::nullopt;
    return detail::digestWith(md.get(), data);
}

std::optional<int> digestSize(const QByteArray &algorithm)
{
    const detail::EvpMdPtr md = detail::fetchDigest(algorithm);
    if (!md)
        return std::nullopt;
    return EVP_MD_get_size(md.get());
}

QByteArray randomBytes(int count)
{
    if (count <= 0)
        return {};
    QByteArray out(count, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char *>(out.data()), count) != 1)
        return detail::failed(QByteArray());
    return out;
}

} // namespace re6st::crypto
