// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/crypto/RsaKey.h"
#include "core/crypto/SubjectEntry.h"
#include <QByteArray>
#include <atomic>
#include <memory>
#include <optional>

struct X509_req_st;

namespace re6st::crypto {

// PKCS#10 request (registry-protocol.md §7.2, §14.2 step 10; RFC 2986).
//
// fromPem reads the common request (plain PEM, RSA key, sha*WithRSAEncryption,
// no attributes — see CsrDer) without OpenSSL's provider decoders, which cost
// more per request than the rest of a certificate issuance except the RSA
// signature; anything else goes through OpenSSL as before. Both ways answer
// every accessor identically. Objects are independent: different objects may
// be used from different threads at once, and const accessors of one object too.
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

    bool isNull() const { return !m_fast && m_req.load(std::memory_order_acquire) == nullptr; }
    QByteArray toPem() const;
    Subject subject() const;
    RsaKey publicKey() const;
    bool verifySignature() const;
    // Modulus size of the RSA key; 0 for a null request or a key that is not RSA.
    int keyBits() const;
    // The SubjectPublicKeyInfo DER as the request carries it (empty if null).
    QByteArray keyInfoDer() const;

    // The RSA public exponent e; nullopt for a null request, a key that is not
    // RSA, or an e of more than 64 bits. Reads the key, no RSA operation.
    std::optional<quint64> publicExponent() const;
    // Whether e is odd and 3 <= e <= 2^32-1 (registry-protocol.md §7.2: re6st-conf
    // uses 65537, old keys 3 or 17). A larger e makes every verification with the
    // key cost up to a private-key operation; e = 1 makes any signature forgeable.
    static bool isAcceptedPublicExponent(quint64 e) { return e >= 3 && e <= 0xffffffffu && (e & 1) != 0; }
    bool publicExponentOk() const
    {
        const auto e = publicExponent();
        return e && isAcceptedPublicExponent(*e);
    }

    // For tests: whether fromPem took the OpenSSL-free path (CsrDer).
    bool isDerFastPath() const { return bool(m_fast); }

    explicit CertificateRequest(X509_req_st *owned) : m_req(owned) {}
    // The OpenSSL object (for core/crypto; read only). A request read by the
    // fast path builds it on first use.
    X509_req_st *handle() const;

private:
    struct FastParts;
    explicit CertificateRequest(std::shared_ptr<const FastParts> fast);

    // Immutable once built; shared by copies.
    std::shared_ptr<const FastParts> m_fast;
    // Owned. With m_fast, a lazily built cache (set at most once, atomically).
    mutable std::atomic<X509_req_st *> m_req = nullptr;
};

} // namespace re6st::crypto
