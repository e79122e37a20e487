// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/crypto/SubjectEntry.h"
#include <QByteArray>
#include <memory>

namespace re6st::crypto {

class Certificate;
class RsaKey;

// Issues node certificates for one CA (registry-protocol.md §7.5) from any
// number of threads at once, byte for byte as Certificate::issue does.
//
// Certificate::issue builds an OpenSSL X509 object, checks the CA key against
// the CA certificate and signs with X509_sign, which looks the algorithms up
// and builds a fresh signing context per call. Here the checks run once, the
// issuer Name is encoded once, the TBSCertificate is written as plain DER
// (RFC 5280 §4.1), and the signature comes from one of a few ready contexts,
// each over its own copy of the key: 20-35 µs less per certificate on the
// registry's signing threads (README, Benchmarks).
class CertificateSigner final
{
public:
    // Null when caKey is not the private key of ca's public key.
    CertificateSigner(const Certificate &ca, const RsaKey &caKey);
    CertificateSigner(); // null
    CertificateSigner(CertificateSigner &&) noexcept;
    CertificateSigner &operator=(CertificateSigner &&) noexcept;
    ~CertificateSigner();

    bool isNull() const { return !m_state; }

    // DER of the certificate for `keyInfoDer`, a whole SubjectPublicKeyInfo
    // put in as is (CertificateRequest::keyInfoDer); empty on a subject
    // OpenSSL refuses, a time outside the years 0 to 9999, key info that is not
    // one SEQUENCE, or a null signer. Thread-safe.
    QByteArray issueDer(quint64 serial, const Subject &subject, const QByteArray &keyInfoDer,
                        qint64 notBefore, qint64 notAfter) const;

    // The PEM block of a certificate's DER as OpenSSL's PEM writer lays it out.
    static QByteArray pemOf(const QByteArray &der);

private:
    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace re6st::crypto
