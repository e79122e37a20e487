// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/crypto/RsaKey.h"
#include "core/crypto/OpenSslPtr.h"
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <utility>

namespace re6st::crypto {

using namespace detail;

namespace {

// Only plain RSA keys can both encrypt and sign PKCS#1 v1.5 (registry-protocol.md §3).
bool isRsa(const EVP_PKEY *key)
{
    return key != nullptr && EVP_PKEY_is_a(key, "RSA");
}

// PKCS#1 "BEGIN RSA PUBLIC KEY" has no non-deprecated PEM_read_* reader.
EvpPkeyPtr decodeRsaPublicKey(const QByteArray &pem)
{
    EVP_PKEY *key = nullptr;
    OSSL_DECODER_CTX *ctx = OSSL_DECODER_CTX_new_for_pkey(&key, "PEM", nullptr, "RSA",
                                                          EVP_PKEY_PUBLIC_KEY, nullptr, nullptr);
    if (ctx == nullptr)
        return {};
    const auto *data = reinterpret_cast<const unsigned char *>(pem.constData());
    size_t len = size_t(pem.size());
    OSSL_DECODER_from_data(ctx, &data, &len);
    OSSL_DECODER_CTX_free(ctx);
    return EvpPkeyPtr(key);
}

} // namespace

RsaKey::RsaKey(const RsaKey &other) : m_key(other.m_key)
{
    if (m_key != nullptr)
        EVP_PKEY_up_ref(m_key);
}

RsaKey &RsaKey::operator=(const RsaKey &other)
{
    if (this != &other) {
        RsaKey copy(other);
        std::swap(m_key, copy.m_key);
    }
    return *this;
}

RsaKey::RsaKey(RsaKey &&other) noexcept : m_key(std::exchange(other.m_key, nullptr)) {}

RsaKey &RsaKey::operator=(RsaKey &&other) noexcept
{
    std::swap(m_key, other.m_key);
    return *this;
}

RsaKey::~RsaKey()
{
    EVP_PKEY_free(m_key);
}

std::optional<RsaKey> RsaKey::generate(int bits)
{
    // registry-protocol.md §14.2 step 9: e = 65537, exactly the CA's bit size.
    if (bits < 512 || bits > 16384)
        return std::nullopt;
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    BignumPtr exponent(BN_new());
    if (!ctx || !exponent || BN_set_word(exponent.get(), RSA_F4) != 1
        || EVP_PKEY_keygen_init(ctx.get()) != 1
        || EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits) != 1
        || EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), exponent.get()) != 1)
        return failed(std::optional<RsaKey>());
    EVP_PKEY *key = nullptr;
    if (EVP_PKEY_generate(ctx.get(), &key) != 1)
        return failed(std::optional<RsaKey>());
    RsaKey result(key);
    if (result.bits() != bits)
        return std::nullopt;
    return result;
}

std::optional<RsaKey> RsaKey::fromPem(const QByteArray &pem)
{
    if (pem.isEmpty())
        return std::nullopt;
    ERR_set_mark();
    EvpPkeyPtr key;
    if (BioPtr bio = readBio(pem))
        key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, refusePassphrase, nullptr));
    if (!key) {
        if (BioPtr bio = readBio(pem))
            key.reset(PEM_read_bio_PUBKEY(bio.get(), nullptr, refusePassphrase, nullptr));
    }
    if (!key)
        key = decodeRsaPublicKey(pem);
    ERR_pop_to_mark();
    if (!isRsa(key.get()))
        return std::nullopt;
    return RsaKey(key.release());
}

bool RsaKey::hasPrivate() const
{
    if (m_key == nullptr)
        return false;
    BIGNUM *d = nullptr;
    ERR_set_mark();
    const bool ok = EVP_PKEY_get_bn_param(m_key, OSSL_PKEY_PARAM_RSA_D, &d) == 1 && d != nullptr;
    ERR_pop_to_mark();
    BN_clear_free(d);
    return ok;
}

int RsaKey::bits() const
{
    return m_key == nullptr ? 0 : EVP_PKEY_get_bits(m_key);
}

int RsaKey::sizeBytes() const
{
    return m_key == nullptr ? 0 : EVP_PKEY_get_size(m_key);
}

QByteArray RsaKey::privateKeyPem() const
{
    if (!hasPrivate())
        return {};
    BioPtr bio = writeBio();
    if (!bio
        || PEM_write_bio_PKCS8PrivateKey(bio.get(), m_key, nullptr, nullptr, 0, nullptr, nullptr)
            != 1)
        return failed(QByteArray());
    return bioContents(bio.get());
}

QByteArray RsaKey::publicKeyPem() const
{
    if (m_key == nullptr)
        return {};
    BioPtr bio = writeBio();
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), m_key) != 1)
        return failed(QByteArray());
    return bioContents(bio.get());
}

bool RsaKey::samePublicKey(const RsaKey &other) const
{
    if (m_key == nullptr || other.m_key == nullptr)
        return false;
    ERR_set_mark();
    const bool same = EVP_PKEY_eq(m_key, other.m_key) == 1;
    ERR_pop_to_mark();
    return same;
}

std::optional<QByteArray> RsaKey::encrypt(const QByteArray &plain) const
{
    // registry-protocol.md §3: PKCS#1 v1.5 padding, at most k - 11 bytes.
    if (m_key == nullptr || plain.size() > sizeBytes() - 11)
        return std::nullopt;
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, m_key, nullptr));
    if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1
        || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1)
        return failed(std::optional<QByteArray>());
    const auto *in = reinterpret_cast<const unsigned char *>(plain.constData());
    size_t outLen = 0;
    if (EVP_PKEY_encrypt(ctx.get(), nullptr, &outLen, in, size_t(plain.size())) != 1)
        return failed(std::optional<QByteArray>());
    QByteArray out(qsizetype(outLen), '\0');
    if (EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char *>(out.data()), &outLen, in,
                         size_t(plain.size()))
        != 1)
        return failed(std::optional<QByteArray>());
    out.truncate(qsizetype(outLen));
    return out;
}

std::optional<QByteArray> RsaKey::decrypt(const QByteArray &cipher) const
{
    if (m_key == nullptr || cipher.isEmpty() || cipher.size() > sizeBytes() || !hasPrivate())
        return std::nullopt;
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, m_key, nullptr));
    if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1
        || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1)
        return failed(std::optional<QByteArray>());
    const auto *in = reinterpret_cast<const unsigned char *>(cipher.constData());
    size_t outLen = 0;
    if (EVP_PKEY_decrypt(ctx.get(), nullptr, &outLen, in, size_t(cipher.size())) != 1)
        return failed(std::optional<QByteArray>());
    QByteArray out(qsizetype(outLen), '\0');
    if (EVP_PKEY_decrypt(ctx.get(), reinterpret_cast<unsigned char *>(out.data()), &outLen, in,
                         size_t(cipher.size()))
        != 1)
        return failed(std::optional<QByteArray>());
    out.truncate(qsizetype(outLen));
    return out;
}

std::optional<QByteArray> RsaKey::signSha512(const QByteArray &data) const
{
    // registry-protocol.md §3: PKCS#1 v1.5 signature, SHA-512 DigestInfo.
    if (m_key == nullptr || !hasPrivate())
        return std::nullopt;
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX *pctx = nullptr; // owned by ctx
    if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha512(), nullptr, m_key) != 1
        || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
        return failed(std::optional<QByteArray>());
    const auto *in = reinterpret_cast<const unsigned char *>(data.constData());
    size_t sigLen = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &sigLen, in, size_t(data.size())) != 1)
        return failed(std::optional<QByteArray>());
    QByteArray sig(qsizetype(sigLen), '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char *>(sig.data()), &sigLen, in,
                       size_t(data.size()))
        != 1)
        return failed(std::optional<QByteArray>());
    sig.truncate(qsizetype(sigLen));
    return sig;
}

bool RsaKey::verifySha512(const QByteArray &data, const QByteArray &signature) const
{
    if (m_key == nullptr || signature.isEmpty())
        return false;
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX *pctx = nullptr; // owned by ctx
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha512(), nullptr, m_key) != 1
        || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
        return failed(false);
    const int rc = EVP_DigestVerify(ctx.get(),
                                    reinterpret_cast<const unsigned char *>(signature.constData()),
                                    size_t(signature.size()),
                                    reinterpret_cast<const unsigned char *>(data.constData()),
                                    size_t(data.size()));
    if (rc != 1)
        return failed(false);
    return true;
}

} // namespace re6st::crypto
