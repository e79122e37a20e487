// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/PeerDatagram.h"
#include "core/PackInteger.h"
#include "core/crypto/Digest.h"

namespace re6st {

namespace {

QByteArray seqBytes(quint32 seq)
{
    QByteArray out(4, '\0');
    for (int k = 0; k < 4; ++k) out[k] = char((seq >> (8 * (3 - k))) & 0xff);
    return out;
}

quint32 readSeq(const QByteArray &data)
{
    quint32 seq = 0;
    for (int k = 0; k < 4; ++k) seq = (seq << 8) | quint8(data[k]);
    return seq;
}

} // namespace

std::variant<PeerDatagram, PeerDatagram::Error> PeerDatagram::decode(const QByteArray &datagram,
                                                                     bool protocolField)
{
    // node-protocol.md §6.1: datagrams of <= 4 bytes are ignored; reads are 64 KiB.
    if (datagram.size() <= 4) return Error::TooShort;
    if (datagram.size() > kMaxSize) return Error::Oversized;
    PeerDatagram d;
    d.m_seq = readSeq(datagram);
    QByteArray rest = datagram.mid(4);
    switch (d.m_seq) {
    case 0:
        d.m_kind = Kind::HelloNoCert;
        d.m_certDer = rest;
        return d;
    case 1:
        d.m_kind = Kind::HelloWithCert;
        if (protocolField) {
            // §6.2: unpackInt; too few bytes => protocol 0, nothing consumed.
            if (const auto p = unpackInteger(rest)) {
                d.m_protocol = p->first;
                rest = rest.mid(p->second);
            }
        }
        if (rest.size() < kFingerprintSize) return Error::MissingFingerprint;
        d.m_fingerprint = rest.left(kFingerprintSize);
        d.m_certDer = rest.mid(kFingerprintSize);
        if (d.m_certDer.isEmpty()) return Error::MissingCertificate;
        return d;
    case 2: {
        d.m_kind = Kind::NewSession;
        QByteArray halves = rest;
        if (const auto p = unpackInteger(rest)) {
            // Robustness over upstream: a protocol-less E||S (even length) whose first
            // byte happens to look like a packed integer would leave an odd remainder.
            if ((rest.size() - p->second) % 2 == 0 || rest.size() % 2 != 0) {
                d.m_protocol = p->first;
                halves = rest.mid(p->second);
            }
        }
        if (halves.isEmpty()) return Error::MissingSessionKey;
        if (halves.size() % 2 != 0) return Error::UnevenSessionHalves;
        d.m_encrypted = halves.left(halves.size() / 2);
        d.m_signature = halves.mid(halves.size() / 2);
        return d;
    }
    default:
        d.m_kind = Kind::Data;
        if (rest.size() < kHmacSize) return Error::MissingHmac;
        d.m_payload = rest.left(rest.size() - kHmacSize);
        d.m_hmac = rest.right(kHmacSize);
        return d;
    }
}

QString PeerDatagram::errorText(Error error)
{
    switch (error) {
    case Error::TooShort: return QStringLiteral("datagram of 4 bytes or less ignored");
    case Error::Oversized: return QStringLiteral("datagram larger than 65536 bytes ignored");
    case Error::MissingFingerprint:
        return QStringLiteral("hello without the 20-byte certificate fingerprint ignored");
    case Error::MissingCertificate: return QStringLiteral("hello without a certificate ignored");
    case Error::MissingSessionKey: return QStringLiteral("session hello without a key ignored");
    case Error::UnevenSessionHalves:
        return QStringLiteral("session hello whose key and signature differ in size ignored "
                              "(both peers need RSA keys of the same size)");
    case Error::MissingHmac: return QStringLiteral("data datagram shorter than its HMAC ignored");
    }
    return QStringLiteral("unknown datagram error");
}

QByteArray PeerDatagram::encodeHello(quint64 protocol, const QByteArray &receiverFingerprint,
                                     const QByteArray &senderCertDer)
{
    if (receiverFingerprint.isEmpty()) return seqBytes(0) + senderCertDer;
    return seqBytes(1) + packInteger(protocol).value_or(QByteArray()) + receiverFingerprint
        + senderCertDer;
}

QByteArray PeerDatagram::encodeNewSession(std::optional<quint64> protocol,
                                          const QByteArray &encryptedKey, const QByteArray &signature)
{
    QByteArray out = seqBytes(2);
    if (protocol) out += packInteger(*protocol).value_or(QByteArray());
    return out + encryptedKey + signature;
}

QByteArray PeerDatagram::dataHmac(quint32 seq, const QByteArray &payload, const QByteArray &key)
{
    return crypto::hmacSha1(key, seqBytes(seq) + payload);
}

QByteArray PeerDatagram::encodeData(quint32 seq, const QByteArray &payload, const QByteArray &key)
{
    const QByteArray head = seqBytes(seq) + payload;
    return head + crypto::hmacSha1(key, head);
}

bool PeerDatagram::hmacMatches(const QByteArray &key) const
{
    if (m_kind != Kind::Data || m_hmac.size() != kHmacSize) return false;
    const QByteArray expected = dataHmac(m_seq, m_payload, key);
    quint8 diff = 0;
    for (int k = 0; k < kHmacSize; ++k) diff |= quint8(expected[k] ^ m_hmac[k]);
    return diff == 0;
}

} // namespace re6st
