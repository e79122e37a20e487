// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/crypto/CertificateSigner.h"
#include "core/crypto/Certificate.h"
#include "core/crypto/DerWriter.h"
#include "core/crypto/OpenSslPtr.h"
#include "core/crypto/RsaKey.h"
#include "core/crypto/SubjectCodec.h"
#include <openssl/rsa.h>
#include <mutex>
#include <vector>

namespace re6st::crypto {

using namespace detail;

namespace {

// AlgorithmIdentifier { sha512WithRSAEncryption (1.2.840.113549.1.1.13), NULL }:
// what X509_sign writes for an RSA key and SHA-512, in both places of §7.5.
const QByteArray kSha512WithRsa = QByteArray::fromHex("300d06092a864886f70d01010d0500");

} // namespace

// One signing context: its own copy of the CA key (no lock or blinding state
// shared with another thread) and a digest context, both reused call after
// call (EVP_PKEY_sign(3): a context may sign again with the same parameters).
struct SigningContext
{
    EvpPkeyPtr key;
    EvpPkeyCtxPtr sign;
    EvpMdCtxPtr digest;
};

struct CertificateSigner::State
{
    QByteArray issuerDer; // the CA's subject Name, as the CA certificate holds it
    EvpPkeyPtr key;
    EvpMdPtr sha512;
    int signatureSize = 0;
    mutable std::mutex mutex;
    mutable std::vector<std::unique_ptr<SigningContext>> idle;

    std::unique_ptr<SigningContext> take() const
    {
        {
            std::lock_guard lock(mutex);
            if (!idle.empty()) {
                auto context = std::move(idle.back());
                idle.pop_back();
                return context;
            }
        }
        auto context = std::make_unique<SigningContext>();
        context->key.reset(EVP_PKEY_dup(key.get()));
        if (context->key) context->sign.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, context->key.get(), nullptr));
        context->digest.reset(EVP_MD_CTX_new());
        if (!context->sign || !context->digest || EVP_PKEY_sign_init(context->sign.get()) != 1
            || EVP_PKEY_CTX_set_rsa_padding(context->sign.get(), RSA_PKCS1_PADDING) != 1
            || EVP_PKEY_CTX_set_signature_md(context->sign.get(), sha512.get()) != 1)
            return failed(std::unique_ptr<SigningContext>());
        return context;
    }

    void giveBack(std::unique_ptr<SigningContext> context) const
    {
        std::lock_guard lock(mutex);
        idle.push_back(std::move(context));
    }

    // PKCS#1 v1.5 signature with a SHA-512 DigestInfo (RFC 8017 §8.2.1) of `data`.
    QByteArray sign(const QByteArray &data) const
    {
        auto context = take();
        if (!context) return {};
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int digestSize = 0;
        QByteArray signature(signatureSize, Qt::Uninitialized);
        size_t size = size_t(signature.size());
        const bool ok =
            EVP_DigestInit_ex2(context->digest.get(), sha512.get(), nullptr) == 1
            && EVP_DigestUpdate(context->digest.get(), data.constData(), size_t(data.size())) == 1
            && EVP_DigestFinal_ex(context->digest.get(), digest, &digestSize) == 1
            && EVP_PKEY_sign(context->sign.get(), reinterpret_cast<unsigned char *>(signature.data()), &size,
                             digest, digestSize) == 1;
        if (!ok) return failed(QByteArray()); // the context is dropped, not reused
        giveBack(std::move(context));
        signature.truncate(qsizetype(size));
        return signature;
    }
};

CertificateSigner::CertificateSigner(const Certificate &ca, const RsaKey &caKey)
{
    if (ca.isNull() || caKey.isNull() || !caKey.hasPrivate() || !caKey.samePublicKey(ca.publicKey())
        || !EVP_PKEY_is_a(caKey.handle(), "RSA"))
        return;
    auto state = std::make_unique<State>();
    state->issuerDer = derOf(X509_get_subject_name(ca.handle()), i2d_X509_NAME);
    state->sha512.reset(EVP_MD_fetch(nullptr, "SHA512", nullptr));
    state->signatureSize = EVP_PKEY_get_size(caKey.handle());
    if (EVP_PKEY_up_ref(caKey.handle()) == 1) state->key.reset(caKey.handle());
    if (state->issuerDer.isEmpty() || !state->sha512 || !state->key || state->signatureSize <= 0) {
        ERR_clear_error();
        return;
    }
    m_state = std::move(state);
}

CertificateSigner::CertificateSigner() = default;
CertificateSigner::CertificateSigner(CertificateSigner &&) noexcept = default;
CertificateSigner &CertificateSigner::operator=(CertificateSigner &&) noexcept = default;
CertificateSigner::~CertificateSigner() = default;

QByteArray CertificateSigner::issueDer(quint64 serial, const Subject &subject, const QByteArray &keyInfoDer,
                                       qint64 notBefore, qint64 notAfter) const
{
    // The key info comes from CertificateRequest::keyInfoDer, a whole
    // SubjectPublicKeyInfo; this only keeps a wrong argument out.
    long keyInfoLength = 0;
    if (!m_state || sequenceContent(keyInfoDer, &keyInfoLength) == nullptr) return {};
    // The subject through OpenSSL's Name encoder, so its string types stay
    // exactly those of Certificate::issue (SubjectCodec).
    const X509NamePtr name = toX509Name(subject);
    const QByteArray subjectDer = name ? derOf(name.get(), i2d_X509_NAME) : QByteArray();
    const auto from = der::time(notBefore), until = der::time(notAfter);
    if (subjectDer.isEmpty() || !from || !until) return {};
    // RFC 5280 §4.1: TBSCertificate of a v1 certificate (no version field, no
    // extensions), then Certificate { tbs, algorithm, signature }.
    const QByteArray tbs = der::tlv(der::kSequence, der::unsignedInteger(serial) + kSha512WithRsa
                                                        + m_state->issuerDer
                                                        + der::tlv(der::kSequence, *from + *until)
                                                        + subjectDer + keyInfoDer);
    const QByteArray signature = m_state->sign(tbs);
    if (signature.isEmpty()) return {};
    return der::tlv(der::kSequence, tbs + kSha512WithRsa + der::bitString(signature));
}

QByteArray CertificateSigner::pemOf(const QByteArray &der)
{
    // RFC 7468 §2 as PEM_write_bio writes it: 64-character lines, "\n" ends.
    const QByteArray base64 = der.toBase64();
    QByteArray pem;
    pem.reserve(base64.size() + base64.size() / 64 + 60);
    pem += "-----BEGIN CERTIFICATE-----\n";
    for (qsizetype i = 0; i < base64.size(); i += 64) {
        pem.append(base64.constData() + i, qMin<qsizetype>(64, base64.size() - i));
        pem += '\n';
    }
    pem += "-----END CERTIFICATE-----\n";
    return pem;
}

} // namespace re6st::crypto
