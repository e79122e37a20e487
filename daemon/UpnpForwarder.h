// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/UpnpPlan.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>
#include <functional>
#include <memory>

class QThread;

namespace re6st::daemon {

class UpnpGateway;

// Port mappings of our IPv4 OpenVPN servers on the UPnP Internet Gateway Device
// (node-protocol.md §9.1, §9.2). start(): discover the IGD, map each rule to an
// external port of 32768–40959 (another one on a conflict, up to 15 tries or 1 s),
// then re-add them every 500 s; any error clears the mappings and everything is
// tried again 60 s later (also when no IGD answers). stop() deletes the mappings.
// The IGD's blocking calls run on a thread of this object, never on the caller's
// event loop; changed() reports what the node should advertise.
class UpnpForwarder final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UpnpForwarder)
public:
    struct Settings
    {
        QList<UpnpPlan::Rule> rules; // UpnpPlan::rules(--pp)
        int discoveryDelayMs = UpnpPlan::kDiscoveryDelayMs;
        int refreshMs = UpnpPlan::kRefreshMs;
        int retryMs = UpnpPlan::kRetryMs;
        quint32 portSeed = 0;     // 0: random
        // Makes the gateway client, on the forwarder's thread. Default: UpnpIgd (libminiupnpc).
        std::function<std::unique_ptr<UpnpGateway>()> gateway;
    };

    explicit UpnpForwarder(Settings settings, QObject *parent = nullptr);
    ~UpnpForwarder() override; // stop(), if not done

    void start();
    // Deletes our mappings on the gateway and ends the thread; blocks the caller at
    // most boundMs (exit path, node-protocol.md §2.6). Idempotent.
    void stop(int boundMs = 5000);

    // The gateway's external IPv4 (as it reports it) and our current mappings; both
    // empty while nothing is mapped.
    QString externalIp() const { return m_externalIp; }
    QList<UpnpPlan::Mapping> mappings() const { return m_mappings; }
    bool isMapped() const { return !m_mappings.isEmpty(); }
    int attempts() const { return m_attempts; } // establish attempts so far (tests, logs)

Q_SIGNALS:
    // externalIp() or mappings() changed (mapped, refreshed to another IP, or cleared).
    void changed();

private:
    struct Worker; // thread-side state: the gateway, the mappings it holds, the port sequence
    struct Outcome
    {
        bool ok = false;
        QString externalIp;
        QList<UpnpPlan::Mapping> mappings;
        QString lanAddress;
        QString error;
    };
    enum class Next { Establish, Refresh };
    void post(Next job);
    void onOutcome(Next job, const Outcome &outcome);
    void publish(const QString &externalIp, const QList<UpnpPlan::Mapping> &mappings);

    Settings m_settings;
    QThread *m_thread = nullptr;
    QObject *m_threadContext = nullptr; // lives on m_thread: queued jobs run there
    std::shared_ptr<Worker> m_worker;
    QTimer m_timer;
    Next m_next = Next::Establish;
    QString m_externalIp;
    QList<UpnpPlan::Mapping> m_mappings;
    int m_attempts = 0;
    int m_failuresInARow = 0;
    bool m_started = false, m_stopped = false;
};

} // namespace re6st::daemon
