// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/RegistryClient.h"
#include "daemon/NodeIdentity.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <QVariantMap>
#include <functional>
#include <optional>

namespace re6st::daemon {

class PeerCache;

// What the node daemon does about the network configuration and its own
// certificate: node-protocol.md §7.3–7.7, §8, §1.1 (--dh), §2.3;
// registry-protocol.md §8.2–8.3, §9.
class NetworkConfigSync final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NetworkConfigSync)

public:
    struct Options
    {
        QString caPath, certPath; // rewritten atomically on renewal (§8)
        QString stateDir;         // <state>: dh.pem is stored there when fetched
        QString dhPath;           // --dh; empty = <state>/dh.pem fetched with getDh if missing
        int protocol = 10;
    };
    static constexpr qint64 kRenewPeriod = 30 * 86400;  // §8 RENEW_PERIOD
    static constexpr qint64 kRenewRetry = 86400;        // §8 "retry tomorrow"
    static constexpr int kRefetchRetryMs = 300 * 1000;  // §7.4.2
    static constexpr int kBackoffInitialMs = 1000;      // §7.4.1, §1.1 --dh
    static constexpr int kBackoffMaxMs = 60 * 1000;

    // `cache` may be null (nothing stored). The client gets our identity if it has none.
    NetworkConfigSync(Options options, const NodeIdentity &identity, PeerCache *cache, RegistryClient *client,
                      QObject *parent = nullptr);
    ~NetworkConfigSync() override;

    // §7.4.1 then §8: config (blocking back-off loop if the cached one is missing
    // or its version does not verify; one tolerated fetch if cached protocol <
    // ours or we are the registry node), then certificate/CA renewal. Ends with
    // exactly one of ready(), renewed(), fatal().
    void start();
    QVariantMap config() const { return m_config; }
    QByteArray version() const;
    bool isRegistryNode() const;

    // §7.4.2: fetch `delayMs` later; on failure retry every 300 s until it works.
    // No-op while a fetch is scheduled or running.
    void scheduleFetch(int delayMs = 1000);
    // §7.4.3 hourly self-check (ignored on the registry node).
    void periodicCheck(bool registryRouted, qint64 nowSecs);
    // Path of a usable DH file; fetches <state>/dh.pem with back-off if needed.
    void ensureDh(std::function<void(const QString &path)> done);
    // §8 next_renew (Unix seconds), known once start() finished its renewal step.
    qint64 nextRenewal() const { return m_nextRenewal; }
    QString dhStatePath() const;

    // Tests.
    void setBackoffForTests(int initialMs, int maxMs) { m_backoffInitialMs = initialMs; m_backoffMaxMs = maxMs; }
    void setRefetchRetryForTests(int ms) { m_refetchRetryMs = ms; }
    void setClockForTests(std::function<qint64()> now) { m_now = std::move(now); }
    int fetchAttempts() const { return m_fetchAttempts; } // getNetworkConfig calls made
    bool fetchPending() const { return m_fetchTimer.isActive() || m_fetchRunning; }

Q_SIGNALS:
    void ready(const QVariantMap &config);
    void renewed();
    void fatal(const QString &message);
    // A successful fetch changed something (the daemon applies RestartRules,
    // broadcasts the version and updates the CRL).
    void changed(const QVariantMap &config, const QStringList &changedKeys);
    // Every failed fetch attempt (start-up retries included); config unchanged.
    void fetchFailed(const QString &message);

private:
    enum class FetchMode {
        StartBlocking, // §7.4.1: back-off until it works
        StartOnce,     // §7.4.1: one tolerated attempt
        Refetch,       // §7.4.2: retry every 300 s
        Check,         // §7.4.3: one attempt
    };
    struct FetchOutcome
    {
        bool ok = false;
        QVariantMap config;
        QStringList changed;
        QString error;
    };
    void fetch(FetchMode mode);
    void onFetched(FetchMode mode, const FetchOutcome &outcome);
    FetchOutcome adopt(const RegistryClient::Result &result);
    void finishConfigStep();
    void renewCertificate(int round);
    void renewCa();
    void finishRenewal();
    void fetchDh();
    void warnProtocol() const;
    qint64 now() const { return m_now(); }
    int nextBackoff(int &current) const;

    Options m_options;
    NodeIdentity m_identity;
    PeerCache *m_cache = nullptr;
    RegistryClient *m_client = nullptr;
    QVariantMap m_config;

    std::function<qint64()> m_now;
    int m_backoffInitialMs = kBackoffInitialMs;
    int m_backoffMaxMs = kBackoffMaxMs;
    int m_refetchRetryMs = kRefetchRetryMs;

    QTimer m_fetchTimer;
    FetchMode m_timerMode = FetchMode::Refetch;
    bool m_fetchRunning = false;
    int m_startBackoffMs = 0;
    int m_fetchAttempts = 0;
    bool m_maybeOld = false; // result of the previous periodicCheck
    bool m_refetchRequested = false; // scheduleFetch() during a one-shot fetch

    bool m_starting = false;
    bool m_filesChanged = false;
    qint64 m_certNextRenewal = 0;
    qint64 m_caNextRenewal = 0;
    qint64 m_nextRenewal = 0;

    QTimer m_dhTimer;
    int m_dhBackoffMs = 0;
    bool m_dhRunning = false;
    QList<std::function<void(const QString &)>> m_dhWaiters;
};

} // namespace re6st::daemon
