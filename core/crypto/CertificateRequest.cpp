// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/crypto/CertificateRequest.h"
#include "core/crypto/CsrDer.h"
#include "core/crypto/OpenSslPtr.h"
#include "core/crypto/SubjectCodec.h"
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <utility>

namespace re6st::crypto {

using namespace detail;

// What the OpenSSL-free path keeps of a request (registry-protocol.md §7.2).
struct CertificateRequest::FastParts
{
    CsrDer der;
    const EVP_MD *digest = nullptr;
    X509NamePtr subject;
    EvpPkeyPtr key; // public RSA key built from (n, e)
};

namespace {

const EVP_MD *digestOf(CsrDer::SignatureDigest digest)
{
    switch (digest) {
    case CsrDer::SignatureDigest::Sha1: return EVP_sha1();
    case CsrDer::SignatureDigest::Sha224: return EVP_sha224();
    case CsrDer::SignatureDigest::Sha256: return EVP_sha256();
    case CsrDer::SignatureDigest::Sha384: return EVP_sha384();
    case CsrDer::SignatureDigest::Sha512: return EVP_sha512();
    }
    return nullptr;
}

BignumPtr bignumOf(const QByteArray &magnitude)
{
    return BignumPtr(BN_bin2bn(reinterpret_cast<const unsigned char *>(magnitude.constData()),
                               int(magnitude.size()), nullptr));
}

// RSA public key from its modulus and exponent through the key management
// import (EVP_PKEY_fromdata): no decoder context.
EvpPkeyPtr rsaPublicKey(const QByteArray &modulus, const QByteArray &exponent)
{
    if (modulus.size() > 0x10000 || exponent.size() > 0x10000)
        return {};
    BignumPtr n = bignumOf(modulus), e = bignumOf(exponent);
    std::unique_ptr<OSSL_PARAM_BLD, OpenSslDeleter<OSSL_PARAM_BLD_free>> builder(OSSL_PARAM_BLD_new());
    if (!n || !e || !builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1
        || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
        return {};
    std::unique_ptr<OSSL_PARAM, OpenSslDeleter<OSSL_PARAM_free>> params(
        OSSL_PARAM_BLD_to_param(builder.get()));
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    EVP_PKEY *key = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1
        || EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        return {};
    return EvpPkeyPtr(key);
}

// An unsigned big-endian magnitude as a number, if it fits in 64 bits.
std::optional<quint64> valueOf(const QByteArray &magnitude)
{
    qsizetype start = 0;
    while (start < magnitude.size() && magnitude[start] == '\0')
        ++start;
    if (magnitude.size() - start > 8)
        return std::nullopt;
    quint64 value = 0;
    for (qsizetype i = start; i < magnitude.size(); ++i)
        value = (value << 8) | quint8(magnitude[i]);
    return value;
}

} // namespace

CertificateRequest::CertificateRequest(std::shared_ptr<const FastParts> fast) : m_fast(std::move(fast)) {}

CertificateRequest::CertificateRequest(const CertificateRequest &other) : m_fast(other.m_fast)
{
    // A fast-path copy rebuilds its own OpenSSL object on demand.
    X509_REQ *req = other.m_fast ? nullptr : other.m_req.load(std::memory_order_acquire);
    m_req.store(req == nullptr ? nullptr : X509_REQ_dup(req), std::memory_order_release);
}

CertificateRequest &CertificateRequest::operator=(const CertificateRequest &other)
{
    if (this != &other) {
        CertificateRequest copy(other);
        *this = std::move(copy);
    }
    return *this;
}

CertificateRequest::CertificateRequest(CertificateRequest &&other) noexcept
    : m_fast(std::move(other.m_fast)), m_req(other.m_req.exchange(nullptr))
{
}

CertificateRequest &CertificateRequest::operator=(CertificateRequest &&other) noexcept
{
    std::swap(m_fast, other.m_fast);
    X509_REQ *mine = m_req.load();
    m_req.store(other.m_req.exchange(mine));
    return *this;
}

CertificateRequest::~CertificateRequest()
{
    X509_REQ_free(m_req.load());
}

X509_REQ *CertificateRequest::handle() const
{
    X509_REQ *req = m_req.load(std::memory_order_acquire);
    if (req != nullptr || !m_fast)
        return req;
    // CsrDer only accepts what d2i_X509_REQ reads to the same request
    // (tests/fuzz/fuzz_csrder.cpp checks it).
    const QByteArray &der = m_fast->der.der();
    const auto *p = reinterpret_cast<const unsigned char *>(der.constData());
    X509_REQ *built = d2i_X509_REQ(nullptr, &p, long(der.size()));
    if (built == nullptr)
        return failed(nullptr);
    if (!m_req.compare_exchange_strong(req, built, std::memory_order_acq_rel)) {
        X509_REQ_free(built); // another thread won; `req` now holds its object
        return req;
    }
    return built;
}

std::optional<CertificateRequest> CertificateRequest::create(const Subject &subject,
                                                             const RsaKey &key)
{
    // registry-protocol.md §14.2 step 10: subject, public key, SHA-512 signature.
    if (key.isNull() || !key.hasPrivate())
        return std::nullopt;
    X509NamePtr name = toX509Name(subject);
    EvpPkeyPtr publicKey = publicPart(key.handle());
    if (!name || !publicKey)
        return failed(std::optional<CertificateRequest>());
    X509ReqPtr req(X509_REQ_new());
    if (!req || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1
        || X509_REQ_set_subject_name(req.get(), name.get()) != 1
        || X509_REQ_set_pubkey(req.get(), publicKey.get()) != 1
        || X509_REQ_sign(req.get(), key.handle(), EVP_sha512()) <= 0)
        return failed(std::optional<CertificateRequest>());
    return CertificateRequest(req.release());
}

std::optional<CertificateRequest> CertificateRequest::fromPem(const QByteArray &pem)
{
    if (pem.isEmpty())
        return std::nullopt;

    // Fast path: the request as re6st-conf sends it (registry-protocol.md §7.2,
    // §14.2 step 10) read by CsrDer. The subject goes through d2i_X509_NAME
    // (a plain ASN.1 template, no decoder), which also rejects the names
    // d2i_X509_REQ would reject; the key is imported from (n, e).
    if (const auto der = CsrDer::derFromPem(pem)) {
        if (auto parsed = CsrDer::parse(*der)) {
            auto fast = std::make_shared<FastParts>();
            const QByteArray &nameDer = parsed->subjectDer();
            const auto *p = reinterpret_cast<const unsigned char *>(nameDer.constData());
            fast->subject.reset(d2i_X509_NAME(nullptr, &p, long(nameDer.size())));
            fast->digest = digestOf(parsed->digest());
            if (fast->subject && p == reinterpret_cast<const unsigned char *>(nameDer.constData()) + nameDer.size()
                && fast->digest != nullptr)
                fast->key = rsaPublicKey(parsed->modulus(), parsed->exponent());
            if (fast->key) {
                fast->der = std::move(*parsed);
                return CertificateRequest(std::shared_ptr<const FastParts>(std::move(fast)));
            }
            ERR_clear_error(); // not ours after all: OpenSSL decides below
        }
    }

    BioPtr bio = readBio(pem);
    if (!bio)
        return failed(std::optional<CertificateRequest>());
    X509_REQ *req = PEM_read_bio_X509_REQ(bio.get(), nullptr, refusePassphrase, nullptr);
    if (req == nullptr)
        return failed(std::optional<CertificateRequest>());
    return CertificateRequest(req);
}

QByteArray CertificateRequest::toPem() const
{
    BioPtr bio;
    if (m_fast) {
        // What PEM_write_bio_X509_REQ writes: i2d of a request read from
        // strict DER gives back that DER (checked by fuzz_csrder).
        const QByteArray &der = m_fast->der.der();
        bio = writeBio();
        if (!bio
            || PEM_write_bio(bio.get(), PEM_STRING_X509_REQ, "",
                             reinterpret_cast<const unsigned char *>(der.constData()), long(der.size()))
                   <= 0)
            return failed(QByteArray());
        return bioContents(bio.get());
    }
    X509_REQ *req = m_req.load(std::memory_order_acquire);
    if (req == nullptr)
        return {};
    bio = writeBio();
    if (!bio || PEM_write_bio_X509_REQ(bio.get(), req) != 1)
        return failed(QByteArray());
    return bioContents(bio.get());
}

Subject CertificateRequest::subject() const
{
    if (m_fast)
        return fromX509Name(m_fast->subject.get());
    X509_REQ *req = m_req.load(std::memory_order_acquire);
    return req == nullptr ? Subject() : fromX509Name(X509_REQ_get_subject_name(req));
}

RsaKey CertificateRequest::publicKey() const
{
    if (m_fast) {
        EVP_PKEY *key = m_fast->key.get();
        EVP_PKEY_up_ref(key);
        return RsaKey(key);
    }
    X509_REQ *req = m_req.load(std::memory_order_acquire);
    return req == nullptr ? RsaKey() : adoptRsaKey(X509_REQ_get_pubkey(req)); // new reference
}

bool CertificateRequest::verifySignature() const
{
    if (m_fast) {
        // What X509_REQ_verify does (ASN1_item_verify: PKCS#1 v1.5 with the
        // signature algorithm's digest over the CertificationRequestInfo DER,
        // RFC 2986 §4.2), minus re-encoding what we already hold.
        const QByteArray &info = m_fast->der.requestInfo();
        const QByteArray &signature = m_fast->der.signature();
        EvpMdCtxPtr ctx(EVP_MD_CTX_new());
        if (!ctx
            || EVP_DigestVerifyInit(ctx.get(), nullptr, m_fast->digest, nullptr, m_fast->key.get()) != 1
            || EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char *>(signature.constData()),
                                size_t(signature.size()),
                                reinterpret_cast<const unsigned char *>(info.constData()),
                                size_t(info.size()))
                   != 1)
            return failed(false);
        return true;
    }
    X509_REQ *req = m_req.load(std::memory_order_acquire);
    if (req == nullptr)
        return false;
    EVP_PKEY *key = X509_REQ_get0_pubkey(req);
    if (key == nullptr || X509_REQ_verify(req, key) != 1)
        return failed(false);
    return true;
}

int CertificateRequest::keyBits() const
{
    if (m_fast)
        return m_fast->der.modulusBits();
    X509_REQ *req = m_req.load(std::memory_order_acquire);
    if (req == nullptr)
        return 0;
    EVP_PKEY *key = X509_REQ_get0_pubkey(req);
    if (key == nullptr)
        return failed(0);
    return EVP_PKEY_is_a(key, "RSA") ? EVP_PKEY_get_bits(key) : 0;
}

std::optional<quint64> CertificateRequest::publicExponent() const
{
    if (m_fast)
        return valueOf(m_fast->der.exponent());
    X509_REQ *req = m_req.load(std::memory_order_acquire);
    EVP_PKEY *key = req == nullptr ? nullptr : X509_REQ_get0_pubkey(req);
    if (key == nullptr || !EVP_PKEY_is_a(key, "RSA"))
        return failed(std::optional<quint64>());
    BIGNUM *e = nullptr;
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) != 1)
        return failed(std::optional<quint64>());
    const BignumPtr owned(e);
    if (BN_num_bytes(e) > 8)
        return std::nullopt;
    QByteArray magnitude(BN_num_bytes(e), Qt::Uninitialized);
    BN_bn2bin(e, reinterpret_cast<unsigned char *>(magnitude.data()));
    return valueOf(magnitude);
}

QByteArray CertificateRequest::keyInfoDer() const
{
    if (m_fast)
        return m_fast->der.keyInfoDer();
    X509_REQ *req = m_req.load(std::memory_order_acquire);
    return req == nullptr ? QByteArray() : derOf(X509_REQ_get_X509_PUBKEY(req), i2d_X509_PUBKEY);
}

} // namespace re6st::crypto
