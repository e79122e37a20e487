// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/KeyedRateLimit.h"
#include "core/LogThrottle.h"
#include "core/crypto/Certificate.h"
#include "core/crypto/CertificateSigner.h"
#include "core/crypto/RsaKey.h"
#include "registry/CertificateIndex.h"
#include "registry/Communities.h"
#include "registry/HttpFront.h"
#include "registry/NetworkConfigBuilder.h"
#include "registry/RegistryOptions.h"
#include "registry/RegistryStore.h"
#include "registry/SessionTable.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QTimer>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <set>
#include <vector>

namespace re6st::registry {

class GeoIp;
class LocalNode;
class Mailer;

// Endpoint logic of re6st-registry (registry-protocol.md §5–§9): dispatch of
// "/<method>?<query>" targets, hello/HMAC sessions, enrollment, renewal,
// revocation, network configuration and its version, periodic cleanup.
class RegistryService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RegistryService)

public:
    static constexpr qint64 RenewPeriod = 30 * 86400;   // RENEW_PERIOD
    static constexpr qint64 CertDuration = 365 * 86400; // cert_duration
    static constexpr int Protocol = 10;                 // version.protocol
    static constexpr int BootstrapCacheSeconds = 60;
    static constexpr int LogIntervalSeconds = 10; // lines anyone can cause: one per kind per interval
    // hello costs a CA signature on the event loop: per origin (not for
    // authorized origins), HelloBurst at once, then HelloPerSecond.
    static constexpr int HelloBurst = 60;
    static constexpr int HelloPerSecond = 10;
    // ...and per site (a /48, an IPv4 /24, or one node of this network:
    // requesterSite), whatever its /64s: with SessionTable::PendingLifetime
    // (expiry every minute, so a secret lives at most two), one site leaves at
    // most 120 + 30 * 120 = 3,720 pending secrets in memory.
    static constexpr int HelloSiteBurst = 120;
    static constexpr int HelloSitePerSecond = 30;
    // requestToken: the token mails one address can get (not in upstream, §6.2
    // "no rate limiting"): one a minute, and at most 10 unused ones a day.
    static constexpr qint64 TokenMailInterval = 60;
    static constexpr int TokenMailsPerDay = 10;
    // ...and the token mails one requester (its /64, or IPv4 address; not
    // authorized origins) can cause, whatever the addresses: TokenMailBurst at
    // once (a class enrolling behind one NAT), then one per TokenMailInterval.
    static constexpr int TokenMailBurst = 20;
    // Addresses whose last token's mail failed, remembered by the token's date
    // (at most this many; forgetting one only brings the minute back): that
    // token stays valid (§18.13), but the address may ask again at once.
    static constexpr int MaxUnmailed = 1024;

    struct Dependencies
    {
        RegistryStore *store = nullptr;
        crypto::Certificate ca;
        crypto::RsaKey caKey;
        QByteArray dh;        // --dh file content; empty = getDh refused
        Communities communities;
        GeoIp *geoip = nullptr;       // optional
        LocalNode *localNode = nullptr; // optional (no node: 204 / empty answers)
        Mailer *mailer = nullptr;     // optional (requestToken needs it with --mailhost)
    };

    RegistryService(const RegistryOptions &options, Dependencies deps, QObject *parent = nullptr);
    ~RegistryService() override;

    // Tests set the clock (Unix seconds).
    void setClock(std::function<qint64()> now) { m_now = std::move(now); }
    qint64 now() const { return m_now(); }
    SessionTable &sessions() { return m_sessions; }
    // Tests: called on a worker thread just before a requestCertificate's
    // certificate (X.509 serial `serial`) is signed, its prefix reserved
    // (RegistryIssuance.cpp); it may block to hold that batch in flight.
    void setSigningHook(std::function<void(quint64 serial)> hook) { m_signingHook = std::move(hook); }
    QByteArray network() const { return m_network; }

    // §13 tail of the startup sequence: cleanup pass, then rebuild the network
    // configuration (prefix known) or draw a new babel_hmac0. False + *error
    // on a fatal condition (exit 1).
    bool start(QString *error);

    // One HTTP GET request; `reply` is called exactly once (maybe later).
    void handle(const HttpRequest &request, HttpFront::Responder reply);
    // Before exit: `idle` is called once no requestCertificate is queued or in
    // flight any more (at once if none is), so a stop answers those first.
    void whenIssuanceIdle(std::function<void()> idle);

    // §8.5. False when the registry's own certificate expired beyond the
    // grace period ("wrong clock?"), after emitting fatalError().
    bool runCleanup();
    qint64 nextCleanup() const { return m_nextCleanup; } // Unix time, 0 = none
    // Certificates signed since start (metrics): new nodes and renewals.
    struct Counters
    {
        quint64 certificatesRequested = 0; // requestCertificate
        quint64 certificatesRenewed = 0;   // renewCertificate (a new certificate was signed)
    };
    const Counters &counters() const { return m_counters; }
    // Summary of the stored certificates (public for tests).
    const CertificateIndex &certificateIndex() const { return m_index; }

    // §9.3 / §9.5 building blocks (public for tests). updateNetworkConfig()
    // retries on its own (every 60 s) while the new version cannot be stored.
    bool updateNetworkConfig();
    bool isNetworkConfigPending() const { return m_configRetryTimer.isActive(); }
    void setNetworkConfigRetryMs(int ms) { m_configRetryTimer.setInterval(ms); } // tests
    QJsonObject staticConfig() const { return m_staticConfig; }
    BabelHmacKeys babelHmacKeys() const;

Q_SIGNALS:
    void fatalError(const QString &message);

private:
    struct Call;          // registry/RegistryCall.h
    struct PendingIssue;  // registry/RegistryCall.h
    using Method = void (RegistryService::*)(Call &);
    struct MethodSpec;

    void dispatch(const HttpRequest &request, HttpFront::Responder reply);

    // Endpoints (§6), each answers through call.reply.
    void hello(Call &call);
    void getCa(Call &call);
    void requestToken(Call &call);
    void requestCertificate(Call &call); // registry/RegistryIssuance.cpp
    void renewCertificate(Call &call);
    void getDh(Call &call);
    void getNetworkConfig(Call &call);
    void getCountry(Call &call);
    void getBootstrapPeer(Call &call);
    void isToken(Call &call);
    void deleteToken(Call &call);
    void addToken(Call &call);
    void revoke(Call &call);
    void updateHMAC(Call &call);
    void getNodePrefix(Call &call);
    void getIPv6Address(Call &call);
    void getIPv4Information(Call &call);
    void versions(Call &call);
    void topology(Call &call);

    void sendBootstrapPeer(const QByteArray &cn, const crypto::RsaKey &key, int protocol,
                           const std::function<void(int, const QByteArray &)> &reply);
    std::optional<crypto::Certificate> storedCertificate(const QByteArray &prefix) const;
    QString newToken() const;
    // Stores a new random token for `email` (§7.1); false if the database refused.
    bool storeNewToken(const QString &email, qint64 date, QString *token);
    bool mayLog(const QString &key, QString *leftOut); // LogThrottle, LogIntervalSeconds per key
    static crypto::Subject renewedSubject(const crypto::Certificate &cert, const QByteArray &prefix);
    std::optional<QString> tokenMailRefusal(const QString &email) const; // why no mail now (null: none); nullopt: not read
    void noteUnmailed(const QString &email, qint64 date); // the mail of email's token of `date` failed
    // "<method>: database error (<why SQLite failed>), retry later" (500).
    QString databaseError(const char *method) const;
    // KeySource: crypto::CertificateRequest or crypto::Certificate, whose
    // SubjectPublicKeyInfo the new certificate copies byte for byte.
    template<typename KeySource>
    std::optional<crypto::Certificate> issue(const crypto::Subject &subject, const KeySource &keyFrom,
                                             qint64 notAfter, QString *error);
    // registry/RegistryIssuance.cpp: the requestCertificate calls queued
    // since the last event-loop pass form a batch, issued in phases
    // (CSRs read, prefixes reserved, certificates signed, stored); several
    // batches may be in flight, each phase off the event loop or short.
    struct IssueBatch;
    void processIssueBatch();
    void reserveIssues(IssueBatch &batch);
    void storeIssues(IssueBatch &batch);
    void finishIssueBatch(IssueBatch &batch);
    void notifyIfIssuanceIdle();
    template<typename Work>
    void runIssuePhase(IssueBatch &batch, Work work, void (RegistryService::*next)(IssueBatch &));
    void storeIssuingList(const std::set<QByteArray> &prefixes);
    void releaseReservations(const std::vector<QByteArray> &prefixes);
    bool recoverInterruptedIssuance(QString *error);
    bool bumpVersion();
    QByteArray registryPrefix() const;
    void scheduleCleanup(qint64 delaySeconds);
    // A token (date) or certificate (notAfter) was stored: the next cleanup
    // is due at most at `date` + grace period (§8.5).
    void cleanupAfterCreation(qint64 date);
    void forgetCertificate(const QByteArray &prefix);

    // Hot-path caches: the registry owns its DB while running (as upstream),
    // so config values are re-read only after our own writes (§9).
    struct ConfigCache
    {
        QByteArray registryPrefix;
        QByteArray version;               // "\0" when absent
        std::optional<double> validUntil;
        BabelHmacKeys hmacKeys;
    };
    void reloadConfigCache();

    RegistryOptions m_options;
    Dependencies m_deps;
    crypto::CertificateSigner m_signer; // issues with m_deps.ca and m_deps.caKey
    RegistryStore &m_store;
    QByteArray m_network;
    QByteArray m_caPem;
    QString m_caEmail;
    std::function<qint64()> m_now;
    std::function<void(quint64)> m_signingHook;
    SessionTable m_sessions;
    LogThrottle m_logThrottle{LogIntervalSeconds * 1000};
    KeyedRateLimit m_helloLimit{HelloBurst, HelloPerSecond, 4096};
    KeyedRateLimit m_helloSiteLimit{HelloSiteBurst, HelloSitePerSecond, 4096};
    KeyedRateLimit m_tokenMailLimit{TokenMailBurst, 1, TokenMailInterval * 1000, 4096};
    QHash<QString, qint64> m_unmailed; // email -> date of its latest token, whose mail failed
    QHash<QByteArray, const MethodSpec *> m_methods;
    QJsonObject m_staticConfig;
    QList<QByteArray> m_bootstrapPeers;
    qint64 m_bootstrapExpiry = 0;
    ConfigCache m_cache;
    // prefix -> (PEM, parsed) of recently used certificates. Kept because it
    // matters: an OpenSSL 3 PEM parse costs ~200 us (10,000 in 2 s at
    // startup) while a cached getNetworkConfig costs ~250 us in all. Bounded
    // to 256 entries (~1.5 MB at most); the PEM is compared with the row so a
    // renewed certificate is never served stale.
    static constexpr qsizetype CertCacheSize = 256;
    mutable QHash<QByteArray, std::pair<QByteArray, crypto::Certificate>> m_certCache;
    CertificateIndex m_index;
    Counters m_counters;
    std::vector<PendingIssue> m_pendingIssues; // requestCertificate batch (RegistryIssuance.cpp)
    // What the batches between their reserve and store phases hold.
    struct InFlight
    {
        QSet<QString> tokens;           // not deleted until stored
        std::set<int> subjectSerials;   // not in m_index yet
        std::set<QByteArray> prefixes;  // rows 'reserved', listed in config "issuing"
    };
    InFlight m_inFlight;
    std::list<std::unique_ptr<IssueBatch>> m_issueBatches;
    std::function<void()> m_onIssuanceIdle; // whenIssuanceIdle()
    QTimer m_cleanupTimer;
    // updateNetworkConfig() again while a changed configuration's version could not be stored.
    static constexpr int ConfigRetrySeconds = 60;
    QTimer m_configRetryTimer;
    QTimer m_sessionExpiryTimer; // SessionTable::expire, every PendingLifetime
    qint64 m_nextCleanup = 0;
};

} // namespace re6st::registry
