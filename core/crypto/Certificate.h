// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/crypto/RsaKey.h"
#include "core/crypto/SubjectEntry.h"
#include <QByteArray>
#include <optional>

struct x509_st;

namespace re6st::crypto {

class CertificateRequest;

// An X.509 certificate (registry-protocol.md §7.5). Copies share the object.
class Certificate final
{
public:
    Certificate() = default;
    Certificate(const Certificate &other);
    Certificate &operator=(const Certificate &other);
    Certificate(Certificate &&other) noexcept;
    Certificate &operator=(Certificate &&other) noexcept;
    ~Certificate();

    static std::optional<Certificate> fromPem(const QByteArray &pem);
    static std::optional<Certificate> fromDer(const QByteArray &der);

    // Node certificate as the registry issues it (§7.5): X.509 v1 (no version
    // field, no extensions), sha512WithRSAEncryption signed by caKey, issuer
    // copied from `ca`.
    static std::optional<Certificate> issue(const Certificate &ca, const RsaKey &caKey,
                                            quint64 serial, const Subject &subject,
                                            const RsaKey &publicKey, qint64 notBefore,
                                            qint64 notAfter);
    // Same, with the request's SubjectPublicKeyInfo copied byte for byte (no
    // key re-encoding: registry-protocol.md §7.3 requestCertificate). The
    // caller checks the request's signature and key first.
    static std::optional<Certificate> issue(const Certificate &ca, const RsaKey &caKey,
                                            quint64 serial, const Subject &subject,
                                            const CertificateRequest &request, qint64 notBefore,
                                            qint64 notAfter);
    // Same, with the key of `keyFrom` (renewal, §8.1).
    static std::optional<Certificate> issue(const Certificate &ca, const RsaKey &caKey,
                                            quint64 serial, const Subject &subject,
                                            const Certificate &keyFrom, qint64 notBefore,
                                            qint64 notAfter);
    // Self-signed CA (v3, basicConstraints CA:TRUE), serial given in hex without
    // "0x" (e.g. "120010db80042", registry-protocol.md §2.1). For tests/demo.
    static std::optional<Certificate> selfSignedCa(const RsaKey &key, const QByteArray &serialHex,
                                                   const Subject &subject, qint64 notBefore,
                                                   qint64 notAfter);

    bool isNull() const { return m_cert == nullptr; }
    QByteArray toPem() const;
    QByteArray toDer() const;

    QByteArray serialHex() const;     // lowercase, no leading zeros, "0" for 0
    QByteArray serialDecimal() const; // decimal text of the (possibly 129-bit) serial
    int version() const;              // 1 for v1, 3 for v3
    Subject subject() const;
    Subject issuer() const;
    // Null unless the subject has exactly one CN (subjectUniqueValue).
    QString commonName() const { return subjectUniqueValue(subject(), "CN"); }
    qint64 notBefore() const;         // Unix time
    qint64 notAfter() const;
    RsaKey publicKey() const;
    bool isSignedBy(const RsaKey &issuerKey) const;
    QByteArray signatureAlgorithm() const; // e.g. "sha512WithRSAEncryption"

    // Digest of the DER encoding with any algorithm OpenSSL knows by name
    // ("sha1", "sha256", ...) — re6st-conf --fingerprint (§14.2).
    std::optional<QByteArray> fingerprint(const QByteArray &algorithm) const;

    explicit Certificate(x509_st *owned) : m_cert(owned) {}
    x509_st *handle() const { return m_cert; }

private:
    // `keyInfo`: DER SubjectPublicKeyInfo put into the certificate as is.
    static std::optional<Certificate> issueWithKeyInfo(const Certificate &ca, const RsaKey &caKey,
                                                       quint64 serial, const Subject &subject,
                                                       const QByteArray &keyInfo, qint64 notBefore,
                                                       qint64 notAfter);

    x509_st *m_cert = nullptr;
};

} // namespace re6st::crypto
