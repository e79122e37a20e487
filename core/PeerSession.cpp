// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/PeerSession.h"
#include "core/Addressing.h"
#include "core/crypto/Digest.h"

#include <QDateTime>
#include <cstring>

namespace re6st {

namespace {

// §6.3: keys compare as byte strings ("new key > old key").
bool keyGreater(const QByteArray &a, const QByteArray &b)
{
    const qsizetype n = qMin(a.size(), b.size());
    const int c = n ? std::memcmp(a.constData(), b.constData(), size_t(n)) : 0;
    return c > 0 || (c == 0 && a.size() > b.size());
}

std::optional<PeerSession::Outcome> checkCertificate(const crypto::Certificate &cert,
                                                     const PeerContext &context,
                                                     PeerSession::VerifiedHello &out)
{
    using O = PeerSession::Outcome;
    // §6.3: like `openssl verify -CAfile CA` at the current time, then the CRL.
    if (context.ca.isNull() || !cert.isSignedBy(context.ca.publicKey())) return O::CertificateUntrusted;
    const qint64 now = context.now() / 1000;
    if (now < cert.notBefore()) return O::CertificateNotYetValid;
    if (now > cert.notAfter()) return O::CertificateExpired;
    bool ok = false;
    const qint64 serial = cert.serialDecimal().toLongLong(&ok);
    if (ok && context.crl.contains(serial)) return O::CertificateRevoked;
    const auto prefix = addressing::bitsFromCn(cert.commonName());
    if (!prefix || prefix->isEmpty()) return O::CertificateInvalid;
    out.certificate = cert;
    out.prefix = *prefix;
    out.serial = ok ? serial : -1;
    out.notAfter = cert.notAfter();
    return std::nullopt;
}

} // namespace

qint64 PeerContext::now() const
{
    return nowMs ? nowMs() : QDateTime::currentMSecsSinceEpoch();
}

QByteArray PeerContext::secret() const
{
    return newSecret ? newSecret() : PeerSession::generateSecret();
}

QByteArray PeerSession::makeSecret(quint64 unixMicros, quint64 random64, quint32 random32)
{
    QByteArray out(kKeySize, '\0');
    for (int k = 0; k < 8; ++k) {
        out[k] = char((unixMicros >> (8 * (7 - k))) & 0xff);
        out[8 + k] = char((random64 >> (8 * (7 - k))) & 0xff);
    }
    for (int k = 0; k < 4; ++k) out[16 + k] = char((random32 >> (8 * (3 - k))) & 0xff);
    return out;
}

QByteArray PeerSession::generateSecret()
{
    // registry-protocol.md §18.12: same layout as upstream, but a CSPRNG.
    const quint64 micros = quint64(QDateTime::currentMSecsSinceEpoch()) * 1000;
    QByteArray out = makeSecret(micros, 0, 0);
    out.replace(8, 12, crypto::randomBytes(12));
    return out;
}

QString PeerSession::outcomeText(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Accepted: return QStringLiteral("accepted");
    case Outcome::Malformed: return QStringLiteral("malformed datagram ignored");
    case Outcome::CertificateInvalid:
        return QStringLiteral("peer certificate unreadable or its CN is not a prefix: ignored");
    case Outcome::CertificateUntrusted:
        return QStringLiteral("peer certificate not signed by our CA: ignored (is the peer "
                              "in another re6st network?)");
    case Outcome::CertificateNotYetValid:
        return QStringLiteral("peer certificate not yet valid: ignored (check both clocks)");
    case Outcome::CertificateExpired:
        return QStringLiteral("peer certificate expired: ignored until the peer renews it");
    case Outcome::CertificateRevoked: return QStringLiteral("peer certificate revoked: ignored");
    case Outcome::ProtocolTooOld:
        return QStringLiteral("peer protocol below the network's minimum: ignored until it upgrades");
    case Outcome::CertificatePrefixMismatch:
        return QStringLiteral("certificate is for another prefix than this session");
    case Outcome::UnknownPeerCertificate:
        return QStringLiteral("session key before any hello from the peer: ignored");
    case Outcome::SignatureInvalid: return QStringLiteral("session key signature invalid: ignored");
    case Outcome::KeyUndecryptable:
        return QStringLiteral("session key does not decrypt with our key: ignored");
    case Outcome::StaleKey: return QStringLiteral("session key not newer than the current one: ignored");
    case Outcome::BadHmac: return QStringLiteral("data datagram with a wrong HMAC ignored");
    case Outcome::Replay: return QStringLiteral("data datagram replayed (seq not above the last one) ignored");
    case Outcome::OverBudget:
        return QStringLiteral("handshake over the private-key operation budget: ignored (flood or forged hellos?)");
    case Outcome::DuplicateNewSession: return QStringLiteral("session key datagram seen before: ignored");
    }
    return QStringLiteral("unknown outcome");
}

QString PeerSession::Result::message() const
{
    if (outcome == Outcome::Malformed && datagramError) return PeerDatagram::errorText(*datagramError);
    return outcomeText(outcome);
}

std::variant<PeerSession::VerifiedHello, PeerSession::Outcome>
PeerSession::verifyHello(const QByteArray &datagram, const PeerContext &context,
                         std::optional<PeerDatagram::Error> *datagramError,
                         const std::function<bool(const QByteArray &prefix)> &fitsSource)
{
    std::optional<Outcome> firstFailure;
    // §6.2: for seq 1, a certificate failure is retried once as the protocol-0 layout.
    for (const bool protocolField : {true, false}) {
        auto decoded = PeerDatagram::decode(datagram, protocolField);
        if (const auto *e = std::get_if<PeerDatagram::Error>(&decoded)) {
            if (firstFailure) return *firstFailure;
            if (datagramError) *datagramError = *e;
            return Outcome::Malformed;
        }
        const auto &d = std::get<PeerDatagram>(decoded);
        if (d.kind() != PeerDatagram::Kind::HelloNoCert && d.kind() != PeerDatagram::Kind::HelloWithCert)
            return Outcome::Malformed;
        VerifiedHello hello;
        hello.seq = d.seq();
        hello.protocol = d.protocol().value_or(0);
        hello.certificateDer = d.certificateDer();
        std::optional<Outcome> failure;
        if (const auto cert = crypto::Certificate::fromDer(d.certificateDer())) {
            const auto prefix = fitsSource ? addressing::bitsFromCn(cert->commonName()) : std::nullopt;
            if (prefix && !fitsSource(*prefix))
                failure = Outcome::CertificatePrefixMismatch;
            else
                failure = checkCertificate(*cert, context, hello);
        } else {
            failure = Outcome::CertificateInvalid;
        }
        if (!failure) {
            if (hello.seq == 1 && hello.protocol < context.minProtocol) return Outcome::ProtocolTooOld;
            hello.fingerprintMatches = hello.seq == 1
                && d.receiverFingerprint() == context.certificate.fingerprint("sha1").value_or(QByteArray());
            return hello;
        }
        if (!firstFailure) firstFailure = failure;
        if (d.seq() != 1 || !d.protocol()) break;
    }
    return *firstFailure;
}

PeerSession::PeerSession(const PeerContext &context, const QByteArray &prefix)
    : m_context(&context), m_prefix(prefix), m_key(context.initialKey)
{
}

PeerSession::Result PeerSession::receive(const QByteArray &datagram)
{
    Result r;
    auto decoded = PeerDatagram::decode(datagram);
    if (const auto *e = std::get_if<PeerDatagram::Error>(&decoded)) {
        r.outcome = Outcome::Malformed;
        r.datagramError = *e;
        return r;
    }
    const auto &d = std::get<PeerDatagram>(decoded);
    switch (d.kind()) {
    case PeerDatagram::Kind::NewSession: return acceptNewSession(d, datagram);
    case PeerDatagram::Kind::Data: return acceptData(d);
    case PeerDatagram::Kind::HelloNoCert:
    case PeerDatagram::Kind::HelloWithCert: break;
    }
    auto verified = verifyHello(datagram, *m_context, &r.datagramError);
    if (const auto *o = std::get_if<Outcome>(&verified)) {
        r.outcome = *o;
        return r;
    }
    const auto &hello = std::get<VerifiedHello>(verified);
    if (!m_prefix.isEmpty() && hello.prefix != m_prefix) {
        r.outcome = Outcome::CertificatePrefixMismatch;
        r.hello = hello;
        return r;
    }
    return acceptHello(hello);
}

PeerSession::Result PeerSession::acceptHello(const VerifiedHello &hello)
{
    Result r;
    r.hello = hello;
    if (!m_prefix.isEmpty() && hello.prefix != m_prefix) {
        r.outcome = Outcome::CertificatePrefixMismatch;
        return r;
    }
    // Signing a seq 2 is a private-key operation anyone can trigger with public data
    // (audit F1): over the budget the hello is dropped before any state changes.
    if (hello.fingerprintMatches && !admit(PrivateKeyBudget::Operation::Sign, hello.prefix)) {
        r.outcome = Outcome::OverBudget;
        return r;
    }
    m_prefix = hello.prefix;
    const bool hadCertificate = !m_certDer.isEmpty();
    m_cert = hello.certificate;
    m_certDer = hello.certificateDer;
    m_serial = hello.serial;
    m_stopDate = hello.notAfter;
    if (hello.fingerprintMatches) {
        // §6.3: the peer knows our current certificate: open a new session.
        m_protocol = hello.protocol;
        const QByteArray datagram = newSessionDatagram();
        if (!datagram.isEmpty()) r.replies.append(datagram);
    } else if (hello.seq == 0 && !hadCertificate) {
        // The peer lacks our certificate and we just learnt theirs: answer now
        // (seq 1) even if our own seq-0 hello crossed theirs. Waiting for the 60 s
        // limit stalled both sides for a minute; one reply per first hello costs
        // nothing (no amplification: their hello carries a certificate too).
        m_helloBlockUntilMs = m_context->now() + kHelloBlockMs;
        r.replies.append(helloDatagram());
    } else if (const QByteArray h = rateLimitedHello(); !h.isEmpty()) {
        r.replies.append(h);
    }
    return r;
}

QByteArray PeerSession::newSessionDatagram()
{
    const QByteArray key = m_context->secret();
    const auto encrypted = m_cert.publicKey().encrypt(key);
    if (!encrypted) return {};
    const auto signature = m_context->key.signSha512(*encrypted);
    if (!signature) return {};
    m_key = key;
    m_i = m_j = 2;
    m_liveness = Liveness::Pending; // §6.3 asymmetry: not connected until data arrives
    m_waitingSinceMs = 0;
    return PeerDatagram::encodeNewSession(
        m_protocol ? std::optional<quint64>(m_context->protocol) : std::nullopt, *encrypted, *signature);
}

bool PeerSession::admit(PrivateKeyBudget::Operation operation, const QByteArray &prefix) const
{
    const auto &budget = m_context->privateKeyBudget;
    return !budget || budget->admit(operation, prefix, m_context->now());
}

PeerSession::Result PeerSession::acceptNewSession(const PeerDatagram &d, const QByteArray &datagram)
{
    Result r;
    if (!hasCertificate()) {
        r.outcome = Outcome::UnknownPeerCertificate;
        return r;
    }
    // Audit F4: a captured seq 2 verifies forever, and each costs a decrypt. An exact
    // copy of a recent one (E is randomly padded: never sent twice) is dropped first.
    const QByteArray digest = crypto::sha1(datagram);
    if (m_seenNewSessions.contains(digest)) {
        r.outcome = Outcome::DuplicateNewSession;
        return r;
    }
    if (!m_cert.publicKey().verifySha512(d.encryptedKey(), d.signature())) {
        r.outcome = Outcome::SignatureInvalid;
        return r;
    }
    // Only verified ones are kept: forged datagrams cannot push a capture out.
    if (m_seenNewSessions.size() == kSeenNewSessions) m_seenNewSessions.removeFirst();
    m_seenNewSessions.append(digest);
    // After the (cheap) verification: only the peer's key or a capture spends the
    // peer's budget, not garbage from its subnet.
    if (!admit(PrivateKeyBudget::Operation::Decrypt, m_prefix)) {
        r.outcome = Outcome::OverBudget;
        return r;
    }
    const auto key = m_context->key.decrypt(d.encryptedKey());
    if (!key || key->size() != kKeySize) {
        r.outcome = Outcome::KeyUndecryptable;
        return r;
    }
    if (!keyGreater(*key, m_key)) {
        r.outcome = Outcome::StaleKey;
        return r;
    }
    const quint64 protocol = d.protocol().value_or(0);
    if (protocol < m_context->minProtocol) {
        r.outcome = Outcome::ProtocolTooOld;
        return r;
    }
    m_key = *key;
    m_i = m_j = 2;
    m_liveness = Liveness::Fresh;
    m_lastReceivedMs = m_context->now();
    m_protocol = protocol;
    r.sessionOpened = true;
    // §6.3: announce our network version at once (code 0).
    if (!m_context->networkVersion.isEmpty()) {
        r.replies.append(send(QByteArray(1, '\0') + m_context->networkVersion));
        m_version = m_context->networkVersion;
    }
    return r;
}

PeerSession::Result PeerSession::acceptData(const PeerDatagram &d)
{
    Result r;
    if (!d.hmacMatches(m_key)) {
        r.outcome = Outcome::BadHmac;
        return r;
    }
    if (d.seq() <= m_i) {
        r.outcome = Outcome::Replay;
        return r;
    }
    m_i = d.seq();
    m_liveness = Liveness::Fresh;
    m_lastReceivedMs = m_context->now();
    r.payload = d.payload();
    return r;
}

QByteArray PeerSession::send(const std::optional<QByteArray> &payload)
{
    if (!isConnected()) return rateLimitedHello(); // §6.3: the data message is dropped
    if (!payload) return {};
    ++m_j;
    // §6.4: the first non-empty message sent starts the liveness timer.
    if (!payload->isEmpty() && m_liveness != Liveness::Waiting) {
        m_liveness = Liveness::Waiting;
        m_waitingSinceMs = m_context->now();
    }
    return PeerDatagram::encodeData(m_j, *payload, m_key);
}

QByteArray PeerSession::helloDatagram() const
{
    const QByteArray fingerprint =
        hasCertificate() ? crypto::sha1(m_certDer) : QByteArray();
    return PeerDatagram::encodeHello(m_context->protocol, fingerprint, m_context->certificate.toDer());
}

QByteArray PeerSession::rateLimitedHello()
{
    const qint64 now = m_context->now();
    if (now < m_helloBlockUntilMs) return {};
    m_helloBlockUntilMs = now + kHelloBlockMs;
    return helloDatagram();
}

bool PeerSession::isConnected() const
{
    switch (m_liveness) {
    case Liveness::Fresh: return true;
    case Liveness::Pending: return false;
    case Liveness::Waiting: return m_context->now() < m_waitingSinceMs + kLivenessMs;
    }
    return false;
}

bool PeerSession::isCertificateExpired() const
{
    return hasCertificate() && m_context->now() / 1000 > m_stopDate;
}

} // namespace re6st
