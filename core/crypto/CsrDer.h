// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <optional>

namespace re6st::crypto {

// Strict DER reader for the one shape of PKCS#10 request that re6st-conf and
// upstream produce (registry-protocol.md §7.2, §14.2 step 10; RFC 2986 §4):
//
//   CertificationRequest ::= SEQUENCE {
//     certificationRequestInfo SEQUENCE {
//       version       INTEGER 0,
//       subject       Name,                       -- kept as DER, not looked into
//       subjectPKInfo SEQUENCE { SEQUENCE { rsaEncryption, NULL or absent },
//                                BIT STRING (0 unused bits) RSAPublicKey },
//       attributes    [0] IMPLICIT SET OF Attribute  -- absent or empty only
//     },
//     signatureAlgorithm SEQUENCE { sha{1,224,256,384,512}WithRSAEncryption, NULL or absent },
//     signature          BIT STRING (0 unused bits) }
//
// Definite minimal lengths only, every length checked against its enclosing
// element, no trailing bytes anywhere, no recursion. Anything else — valid or
// not — gives nullopt: the caller then hands the input to OpenSSL, which
// decides. No OpenSSL here (pure byte reading, safe from any thread).
class CsrDer final
{
public:
    enum class SignatureDigest { Sha1, Sha224, Sha256, Sha384, Sha512 };

    CsrDer() = default; // empty: every accessor empty, modulusBits() 0

    static std::optional<CsrDer> parse(const QByteArray &der);

    // The DER inside a PEM "CERTIFICATE REQUEST" (or "NEW CERTIFICATE REQUEST")
    // block exactly as OpenSSL's PEM writer lays it out: the input starts with
    // the BEGIN line, 64-character base64 lines (the last one shorter or equal),
    // the matching END line, an optional final line break, nothing after it;
    // "\n" or "\r\n" line breaks; canonical base64. Anything else → nullopt.
    static std::optional<QByteArray> derFromPem(const QByteArray &pem);

    const QByteArray &der() const { return m_der; }
    // The bytes the signature covers (the whole CertificationRequestInfo TLV).
    const QByteArray &requestInfo() const { return m_requestInfo; }
    const QByteArray &subjectDer() const { return m_subject; }   // Name TLV
    const QByteArray &keyInfoDer() const { return m_keyInfo; }   // SubjectPublicKeyInfo TLV
    // Unsigned big-endian, without a leading zero octet.
    const QByteArray &modulus() const { return m_modulus; }
    const QByteArray &exponent() const { return m_exponent; }
    int modulusBits() const;
    SignatureDigest digest() const { return m_digest; }
    const QByteArray &signature() const { return m_signature; } // without the unused-bits octet

private:
    QByteArray m_der;
    QByteArray m_requestInfo;
    QByteArray m_subject;
    QByteArray m_keyInfo;
    QByteArray m_modulus;
    QByteArray m_exponent;
    QByteArray m_signature;
    SignatureDigest m_digest = SignatureDigest::Sha512;
};

} // namespace re6st::crypto
