// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <optional>

struct evp_pkey_st;

namespace re6st::crypto {

// An RSA key (public, or private + public) — registry-protocol.md §3.
// Copyable: copies share the underlying OpenSSL object (reference counted).
class RsaKey final
{
public:
    RsaKey() = default;
    RsaKey(const RsaKey &other);
    RsaKey &operator=(const RsaKey &other);
    RsaKey(RsaKey &&other) noexcept;
    RsaKey &operator=(RsaKey &&other) noexcept;
    ~RsaKey();

    // RSA with e = 65537 and exactly `bits` modulus bits.
    static std::optional<RsaKey> generate(int bits);
    // PEM private key (PKCS#1 or PKCS#8, unencrypted) or PEM public key.
    static std::optional<RsaKey> fromPem(const QByteArray &pem);

    bool isNull() const { return m_key == nullptr; }
    bool hasPrivate() const;
    int bits() const;
    int sizeBytes() const;            // modulus size k in bytes

    QByteArray privateKeyPem() const; // PKCS#8 "BEGIN PRIVATE KEY"
    QByteArray publicKeyPem() const;  // SubjectPublicKeyInfo "BEGIN PUBLIC KEY"
    bool samePublicKey(const RsaKey &other) const;

    // PKCS#1 v1.5 encryption padding (§3); plaintext at most k-11 bytes.
    std::optional<QByteArray> encrypt(const QByteArray &plain) const;
    std::optional<QByteArray> decrypt(const QByteArray &cipher) const;
    // PKCS#1 v1.5 signature with SHA-512 DigestInfo (§3).
    std::optional<QByteArray> signSha512(const QByteArray &data) const;
    bool verifySha512(const QByteArray &data, const QByteArray &signature) const;

    // For core/crypto only: takes one reference.
    explicit RsaKey(evp_pkey_st *owned) : m_key(owned) {}
    evp_pkey_st *handle() const { return m_key; }

private:
    evp_pkey_st *m_key = nullptr;
};

} // namespace re6st::crypto
