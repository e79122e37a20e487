// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/crypto/CertificateRequest.h"
#include "core/crypto/OpenSslPtr.h"
#include "core/crypto/SubjectCodec.h"
#include <openssl/pem.h>
#include <utility>

namespace re6st::crypto {

using namespace detail;

CertificateRequest::CertificateRequest(const CertificateRequest &other)
    : m_req(other.m_req == nullptr ? nullptr : X509_REQ_dup(other.m_req))
{
}

CertificateRequest &CertificateRequest::operator=(const CertificateRequest &other)
{
    if (this != &other) {
        CertificateRequest copy(other);
        std::swap(m_req, copy.m_req);
    }
    return *this;
}

CertificateRequest::CertificateRequest(CertificateRequest &&other) noexcept
    : m_req(std::exchange(other.m_req, nullptr))
{
}

CertificateRequest &CertificateRequest::operator=(CertificateRequest &&other) noexcept
{
    std::swap(m_req, other.m_req);
    return *this;
}

CertificateRequest::~CertificateRequest()
{
    X509_REQ_free(m_req);
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
    if (m_req == nullptr)
        return {};
    BioPtr bio = writeBio();
    if (!bio || PEM_write_bio_X509_REQ(bio.get(), m_req) != 1)
        return failed(QByteArray());
    return bioContents(bio.get());
}

Subject CertificateRequest::subject() const
{
    return m_req == nullptr ? Subject() : fromX509Name(X509_REQ_get_subject_name(m_req));
}

RsaKey CertificateRequest::publicKey() const
{
    return m_req == nullptr ? RsaKey() : adoptRsaKey(X509_REQ_get_pubkey(m_req)); // new reference
}

bool CertificateRequest::verifySignature() const
{
    if (m_req == nullptr)
        return false;
    EVP_PKEY *key = X509_REQ_get0_pubkey(m_req);
    if (key == nullptr || X509_REQ_verify(m_req, key) != 1)
        return failed(false);
    return true;
}

} // namespace re6st::crypto
