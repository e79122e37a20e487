// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/FormCodec.h"
#include "core/HmacRatchet.h"
#include "core/crypto/Certificate.h"
#include "core/crypto/RsaKey.h"

#include <QList>
#include <QObject>
#include <QSslConfiguration>
#include <QUrl>
#include <functional>
#include <optional>

class QNetworkAccessManager;

namespace re6st {

// Asynchronous client of the registry HTTP API (registry-protocol.md §4.4, §5, §15).
// Unauthenticated calls run in parallel; authenticated ones (a non-empty `cn`
// parameter) are serialised because they share one HMAC ratchet.
// Callbacks are always invoked from the event loop, never from inside call().
class RegistryClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RegistryClient)

public:
    struct Result
    {
        enum class Kind {
            Body,      // 200: `body` (possibly empty)
            Empty,     // 204
            Forbidden, // 403: `message` says what was refused
            NoResult,  // transport failure, other HTTP status, bad MAC/signature: `message`
        };
        Kind kind = Kind::NoResult;
        QByteArray body;
        QString message;    // one line, for Forbidden and NoResult (with `explanation`, if any)
        QString explanation; // the registry's own words from its error page, sanitized; may be empty
        int httpStatus = 0; // 0 when no HTTP answer was received

        bool ok() const { return kind == Kind::Body || kind == Kind::Empty; }
        bool forbidden() const { return kind == Kind::Forbidden; }
        bool noResult() const { return kind == Kind::NoResult; }
    };
    using Callback = std::function<void(const Result &)>;
    using Params = formcodec::Params;

    static constexpr int kProtocol = 10;          // registry-protocol.md §17
    static constexpr int kDefaultTimeoutMs = 60000; // §1
    // Largest answer read (beyond: the call fails, the download is cut).
    // A registry's answers are small (§6: a PEM certificate, a compressed
    // network config of a few KB, a hello of 2·k bytes); versions and
    // topology list every node, and methods unknown here may be anything.
    // Without a bound, a server that streams made the daemon, which fetches
    // a CA for any local user (D-Bus FetchCa), buffer 918 MB in 8 s.
    static constexpr qint64 kMaxAnswerBytes = qint64(1) << 20;
    static constexpr qint64 kMaxListAnswerBytes = qint64(64) << 20; // versions, topology, unknown methods
    static qint64 maxAnswerBytes(const QByteArray &target);

    explicit RegistryClient(const QUrl &registry, QObject *parent = nullptr);
    ~RegistryClient() override;

    QUrl registry() const { return m_registry; }
    bool isValid() const { return m_urlError.isEmpty(); }
    QString urlError() const { return m_urlError; } // why the URL is unusable (calls then fail)

    // Node identity for authenticated calls: prefix bit string (the `cn` value),
    // node private key, CA certificate (verifies hello answers). Drops the session.
    void setIdentity(const QByteArray &prefixBits, const crypto::RsaKey &nodeKey,
                     const crypto::Certificate &ca);
    bool hasIdentity() const { return !m_nodeKey.isNull() && !m_ca.isNull(); }
    QByteArray prefix() const { return m_prefix; }
    void setTimeout(int msec) { m_timeoutMs = msec; }
    int timeout() const { return m_timeoutMs; }
    void setSslConfiguration(const QSslConfiguration &config) { m_ssl = config; }
    void dropSession() { m_ratchet.reset(); } // forget the cached HMAC key
    bool hasSession() const { return m_ratchet.has_value(); }

    // Generic call. For known methods, `params` may omit defaulted parameters and
    // be in any order: the query is rebuilt in the server's declaration order (§4.4).
    void call(const QString &method, const Params &params, Callback done);

    // Public methods (§6).
    void hello(const QByteArray &clientPrefix, Callback done, const QByteArray &protocol = QByteArray::number(kProtocol));
    void getCa(Callback done);
    void requestToken(const QString &email, Callback done);
    void requestCertificate(const QString &token, const QByteArray &csrPem, const QString &location,
                            const QString &ip, Callback done);
    void requestCertificate(const QString &token, const QByteArray &csrPem, const QString &location,
                            Callback done);
    // Authenticated with the identity (cn = prefix()).
    void renewCertificate(Callback done);
    void getDh(Callback done);
    void getNetworkConfig(Callback done);
    void getCountry(const QString &address, Callback done);
    void getBootstrapPeer(Callback done);
    // Private methods (registry-side origin check, §6.0).
    void isToken(const QString &token, Callback done);
    void addToken(const QString &email, const QString &token, Callback done);
    void deleteToken(const QString &token, Callback done);
    void revoke(const QString &cnOrSerial, Callback done);
    void updateHMAC(Callback done);
    void getNodePrefix(const QString &email, Callback done);
    void getIPv6Address(const QString &email, Callback done);
    void getIPv4Information(const QString &email, Callback done);
    void versions(Callback done);
    void topology(Callback done);

    // Wire helpers (exposed for tests).
    // Parameters of a known method in declaration order with defaults filled in;
    // unknown methods pass through unchanged. Nullopt + error on unknown/missing names.
    static std::optional<Params> normalizeParams(const QString &method, const Params &params,
                                                 QString *error = nullptr);
    // "/method" or "/method?query": what is sent after the base path and what is MACed.
    static QByteArray target(const QString &method, const Params &params);
    // "re6stnet/<version>, <platform>" (§4.4).
    static QByteArray userAgent();
    // The explanation in a registry's error page (§4.2: an HTML page), one line
    // of at most kMaxExplanation characters with markup, entities and invisible
    // characters (line breaks, terminal escapes) removed; empty if none.
    static constexpr int kMaxExplanation = 300;
    static constexpr int kMaxReason = 80; // HTTP reason phrases quoted in messages
    static QString errorExplanation(const QByteArray &body);
    // Whether `answer` shows the registry reachable: it answered, whatever the
    // status, but a proxy's 502 or 504 (the proxy could not reach it) is no answer.
    static bool reachedRegistry(bool replied, int httpStatus)
    {
        return replied && httpStatus != 502 && httpStatus != 504;
    }

Q_SIGNALS:
    // After each HTTP exchange (hello included), before its callback runs:
    // whether the registry answered (reachedRegistry). The daemon's
    // RegistryReachable follows it, whatever the method.
    void exchanged(bool reached);

private:
    struct Operation
    {
        QString method;
        QByteArray target; // MACed part, see target()
        QByteArray cn;     // non-empty: authenticated (§5.1)
        Callback done;
        bool usedCachedKey = false;
        bool retried = false;
    };
    struct Answer
    {
        bool replied = false; // an HTTP status line was received
        int status = 0;
        QByteArray reason;
        QByteArray body;
        QByteArray mac; // Re6stHMAC response header
        QString error;  // transport error text
        bool timedOut = false;
        qint64 tooLarge = 0; // the answer exceeded this many bytes: cut
    };
    void start(Operation op);
    void startAuthenticated(Operation op);
    void sendSigned(Operation op);
    void finishAuthenticated(const Operation &op, const Result &result);
    void pumpAuthenticated();
    void deliverLater(Callback done, Result result);
    void get(const QByteArray &target, const QByteArray &mac, std::function<void(const Answer &)> done);
    Result unauthenticatedResult(const QString &method, const Answer &answer) const;
    QString noAnswerMessage(const Answer &answer) const;
    void callWithCn(const QString &method, Params params, Callback done);

    QUrl m_registry;
    QString m_urlError;
    QByteArray m_base; // "scheme://host[:port]" + base path without trailing '/'
    QNetworkAccessManager *m_nam = nullptr;
    // Unset: Qt's default. Not QSslConfiguration::defaultConfiguration() here:
    // that loads the TLS backend (libssl, its plugin) into every process with a
    // client, even one that only ever talks plain HTTP.
    std::optional<QSslConfiguration> m_ssl;
    int m_timeoutMs = kDefaultTimeoutMs;

    QByteArray m_prefix;
    crypto::RsaKey m_nodeKey;
    crypto::Certificate m_ca;
    std::optional<HmacRatchet> m_ratchet;
    QList<Operation> m_authQueue;
    bool m_authBusy = false;
};

} // namespace re6st
