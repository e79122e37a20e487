// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QString>
#include <optional>
#include <variant>

namespace re6st {

// One datagram of the UDP 326 peer-to-peer control protocol, node-protocol.md §6.2.
// Pure byte layout: no certificate parsing, no key material except the HMAC.
class PeerDatagram final
{
public:
    enum class Kind {
        HelloNoCert,   // seq 0: DER(sender cert)
        HelloWithCert, // seq 1: [packInt(protocol)] SHA1(DER(receiver cert)) DER(sender cert)
        NewSession,    // seq 2: [packInt(protocol)] E S
        Data,          // seq >= 3: payload HMAC-SHA1(key, seq || payload)
    };
    enum class Error {
        TooShort,             // <= 4 bytes: ignored by upstream (§6.1)
        Oversized,            // > 65536 bytes: more than upstream ever reads
        MissingFingerprint,   // seq 1 shorter than the 20-byte SHA-1
        MissingCertificate,   // seq 0/1 without certificate bytes
        MissingSessionKey,    // seq 2 without E||S
        UnevenSessionHalves,  // seq 2: E||S cannot be split in two equal halves
        MissingHmac,          // data datagram shorter than seq + 20-byte HMAC
    };
    static constexpr int kMaxSize = 65536;
    static constexpr int kHmacSize = 20;
    static constexpr int kFingerprintSize = 20;
    static constexpr quint32 kFirstDataSeq = 3;

    // `protocolField` = false reads seq 1 as the protocol-0 layout (no protocol
    // field); upstream retries that way once when the certificate fails (§6.2).
    static std::variant<PeerDatagram, Error> decode(const QByteArray &datagram,
                                                    bool protocolField = true);
    static QString errorText(Error error);

    // hello0 (§6.3): seq 1 when the receiver's cert is known (`receiverFingerprint`
    // = SHA1 of its DER), else seq 0.
    static QByteArray encodeHello(quint64 protocol, const QByteArray &receiverFingerprint,
                                  const QByteArray &senderCertDer);
    // seq 2; `protocol` omitted when nullopt (receiver announced protocol 0).
    static QByteArray encodeNewSession(std::optional<quint64> protocol,
                                       const QByteArray &encryptedKey, const QByteArray &signature);
    static QByteArray encodeData(quint32 seq, const QByteArray &payload, const QByteArray &key);
    static QByteArray dataHmac(quint32 seq, const QByteArray &payload, const QByteArray &key);

    Kind kind() const { return m_kind; }
    quint32 seq() const { return m_seq; }
    // seq 1/2: the announced protocol; nullopt when the field is absent (= 0).
    std::optional<quint64> protocol() const { return m_protocol; }
    QByteArray receiverFingerprint() const { return m_fingerprint; } // seq 1
    QByteArray certificateDer() const { return m_certDer; }          // seq 0/1
    QByteArray encryptedKey() const { return m_encrypted; }          // seq 2: E
    QByteArray signature() const { return m_signature; }             // seq 2: S
    QByteArray payload() const { return m_payload; }                 // data
    QByteArray hmac() const { return m_hmac; }                       // data
    // Constant-time check of a data datagram's HMAC with `key`.
    bool hmacMatches(const QByteArray &key) const;

private:
    Kind m_kind = Kind::Data;
    quint32 m_seq = 0;
    std::optional<quint64> m_protocol;
    QByteArray m_fingerprint;
    QByteArray m_certDer;
    QByteArray m_encrypted;
    QByteArray m_signature;
    QByteArray m_payload;
    QByteArray m_hmac;
};

} // namespace re6st
