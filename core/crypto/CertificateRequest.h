// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/crypto/RsaKey.h"
#include "core/crypto/SubjectEntry.h"
#include <QByteArray>
#include <optional>

struct X509_req_st;

namespace re6st::crypto {

// PKCS#10 request (registry-protocol.md §7.2, §14.2 step 10).
class CertificateRequest final
{
public:
    CertificateRequest() = default;
    CertificateRequest(const CertificateRequest &other);
    CertificateRequest &operator=(const CertificateRequest &other);
    CertificateRequest(CertificateRequest &&other) noexcept;
    CertificateRequest &operator=(CertificateRequest &&other) noexcept;
    ~CertificateRequest();

    // Signed with SHA-512 by `key`. Unknown attribute names fail.
    static std::optional<CertificateRequest> create(const Subject &subject, const RsaKey &key);
    static std::optional<CertificateRequest> fromPem(const QByteArray &pem);

    bool isNull() const { return m_req == nullptr; }
    QByteArray toPem() const;
    Subject subject() const;
    RsaKey publicKey() const;
    bool verifySignature() const;

    explicit CertificateRequest(X509_req_st *owned) : m_req(owned) {}
    X509_req_st *handle() const { return m_req; }

private:
    X509_req_st *m_req = nullptr;
};

} // namespace re6st::crypto
