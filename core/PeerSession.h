// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/PeerDatagram.h"
#include "core/PrivateKeyBudget.h"
#include "core/crypto/Certificate.h"
#include "core/crypto/RsaKey.h"
#include <QByteArray>
#include <QList>
#include <QString>
#include <functional>
#include <memory>
#include <optional>
#include <variant>

namespace re6st {

// What every peer session of a node shares (node-protocol.md §6.3). Sessions keep a
// pointer to it: it must outlive them; the owner updates crl/networkVersion in place.
struct PeerContext final
{
    crypto::Certificate certificate; // our node certificate
    crypto::RsaKey key;              // its private key
    crypto::Certificate ca;
    QList<qint64> crl;               // revoked X.509 serials (network config "crl")
    quint64 protocol = 10;           // announced in hellos
    quint64 minProtocol = 0;         // peers announcing less are refused (0: accept all)
    QByteArray networkVersion;       // our version blob, sent as code 0 on session open
    QByteArray initialKey;           // key of new records, generated at daemon start
    std::function<qint64()> nowMs;   // wall clock (ms since epoch); default: system
    std::function<QByteArray()> newSecret; // 20-byte session keys; default: generateSecret
    // Bounds the signs and decrypts received datagrams trigger (audit F1, F4);
    // shared by the sessions, nullptr = unbounded.
    std::shared_ptr<PrivateKeyBudget> privateKeyBudget = std::make_shared<PrivateKeyBudget>();

    qint64 now() const;
    QByteArray secret() const;
};

// One peer's half of the UDP 326 protocol: handshake, session key, sequence numbers,
// HMAC, liveness (§6.3–6.5). Pure: returns datagrams to send, never touches sockets.
class PeerSession final
{
public:
    static constexpr qint64 kLivenessMs = 60000;  // §6.4
    static constexpr qint64 kHelloBlockMs = 60000; // §6.3: one hello0 per 60 s
    static constexpr int kKeySize = 20;
    static constexpr int kSeenNewSessions = 8; // seq 2 hashes kept against replays

    enum class Outcome {
        Accepted,
        Malformed,                 // see Result::datagramError
        CertificateInvalid,        // not a certificate, or CN is not a prefix
        CertificateUntrusted,      // not signed by our CA
        CertificateNotYetValid,
        CertificateExpired,
        CertificateRevoked,        // serial in the CRL
        ProtocolTooOld,            // below PeerContext::minProtocol
        CertificatePrefixMismatch, // certificate of another prefix than this session's
        UnknownPeerCertificate,    // seq 2 before we have the peer's certificate
        SignatureInvalid,          // seq 2: S does not verify with the peer's key
        KeyUndecryptable,          // seq 2: E does not decrypt to a 20-byte key
        StaleKey,                  // seq 2: key not greater than the current one
        BadHmac,
        Replay,                    // authentic data with seq <= last received
        OverBudget,                // a sign or decrypt over PrivateKeyBudget: not done
        DuplicateNewSession,       // seq 2 byte-identical to a recent one: no RSA done
    };
    static QString outcomeText(Outcome outcome);

    // A seq 0/1 hello whose certificate passed the checks (§6.3).
    struct VerifiedHello
    {
        quint32 seq = 0;
        crypto::Certificate certificate;
        QByteArray certificateDer;
        QByteArray prefix;          // bits from the certificate CN
        qint64 serial = -1;
        qint64 notAfter = 0;
        quint64 protocol = 0;       // 0 for seq 0 or the protocol-0 layout
        bool fingerprintMatches = false; // seq 1 names our current certificate
    };
    // `fitsSource`, if set, is asked first about the CN's prefix: false gives
    // CertificatePrefixMismatch before any RSA verification (audit F9).
    static std::variant<VerifiedHello, Outcome>
    verifyHello(const QByteArray &datagram, const PeerContext &context,
                std::optional<PeerDatagram::Error> *datagramError = nullptr,
                const std::function<bool(const QByteArray &prefix)> &fitsSource = {});
    // §6.1: a certificate for another prefix than guessed must cover the sender.
    static bool certificateFitsSource(const QByteArray &prefix, const QByteArray &senderBits)
    {
        return senderBits.startsWith(prefix);
    }

    struct Result
    {
        Outcome outcome = Outcome::Accepted;
        std::optional<PeerDatagram::Error> datagramError;
        QList<QByteArray> replies;          // datagrams to send back to this peer
        std::optional<QByteArray> payload;  // accepted data: payload to process (may be empty)
        std::optional<VerifiedHello> hello; // set for verified hellos (routing by prefix)
        bool sessionOpened = false;         // we accepted a new key (seq 2)
        QString message() const;
    };

    // `prefix` may be empty until a hello fixes it from the certificate.
    PeerSession(const PeerContext &context, const QByteArray &prefix = {});

    // Dispatches any received datagram. A hello for another prefix than ours returns
    // CertificatePrefixMismatch with `hello` set: hand it to the right session's acceptHello.
    Result receive(const QByteArray &datagram);
    Result acceptHello(const VerifiedHello &hello);
    // sendto (§6.3): data when connected (nothing for nullopt), else a rate-limited
    // hello0 and the payload is dropped (callers retry later; check isConnected()
    // first to know which). Empty result: nothing to send.
    QByteArray send(const std::optional<QByteArray> &payload);
    QByteArray helloDatagram() const;
    // The last datagram from send() could not leave (no route yet): a hello0 it
    // carried does not count against the 60 s limit, so the next send retries.
    void sendFailed() { m_helloBlockUntilMs = 0; }

    bool isConnected() const;              // §6.4
    bool isCertificateExpired() const;     // §6.5: drop the record
    QByteArray prefix() const { return m_prefix; }
    bool hasCertificate() const { return !m_certDer.isEmpty(); }
    crypto::Certificate certificate() const { return m_cert; }
    qint64 serial() const { return m_serial; }
    qint64 stopDate() const { return m_stopDate; }
    QByteArray key() const { return m_key; }
    quint32 receivedSeq() const { return m_i; }
    quint32 sentSeq() const { return m_j; }
    quint64 protocol() const { return m_protocol; }
    qint64 lastReceivedMs() const { return m_lastReceivedMs; } // wall clock ms of the last valid datagram, 0 = none
    QByteArray peerVersion() const { return m_version; }
    void setPeerVersion(const QByteArray &version) { m_version = version; }

    // 20 bytes = uint64 µs since epoch || uint64 random || uint32 random (§6.3).
    static QByteArray makeSecret(quint64 unixMicros, quint64 random64, quint32 random32);
    static QByteArray generateSecret(); // system clock + CSPRNG

private:
    enum class Liveness { Fresh, Pending, Waiting }; // last = None / 0 / time
    Result acceptNewSession(const PeerDatagram &d, const QByteArray &datagram);
    Result acceptData(const PeerDatagram &d);
    QByteArray rateLimitedHello();
    QByteArray newSessionDatagram();
    bool admit(PrivateKeyBudget::Operation operation, const QByteArray &prefix) const;

    const PeerContext *m_context;
    QByteArray m_prefix;
    crypto::Certificate m_cert;
    QByteArray m_certDer;
    qint64 m_serial = -1;
    qint64 m_stopDate = 0;
    QByteArray m_key;
    quint32 m_i = 2;
    quint32 m_j = 2;
    Liveness m_liveness = Liveness::Pending;
    qint64 m_waitingSinceMs = 0; // Liveness::Waiting: when the unanswered message left
    qint64 m_lastReceivedMs = 0;
    qint64 m_helloBlockUntilMs = 0;
    quint64 m_protocol = 0;
    QByteArray m_version;
    QList<QByteArray> m_seenNewSessions; // SHA-1 of the last verified seq 2 datagrams
};

} // namespace re6st
