// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/UpnpForwarder.h"

#include "core/UpnpPortSequence.h"
#include "daemon/UpnpGateway.h"
#include "daemon/UpnpIgd.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QMutex>
#include <QRandomGenerator>
#include <QThread>

Q_LOGGING_CATEGORY(lcUpnp, "re6st.upnp")

namespace re6st::daemon {

namespace {
QString describe(const UpnpPlan::Mapping &m, const QString &lan)
{
    return QStringLiteral("%1 %2 -> %3:%4").arg(UpnpPlan::protocolName(m.rule)).arg(m.externalPort).arg(lan).arg(m.rule.port);
}
} // namespace

// Everything here runs on the forwarder's thread, one job at a time.
struct UpnpForwarder::Worker
{
    explicit Worker(const Settings &s)
        : rules(s.rules), discoveryDelayMs(s.discoveryDelayMs), makeGateway(s.gateway),
          ports(s.portSeed ? s.portSeed : QRandomGenerator::global()->generate())
    {
    }

    Outcome establish();
    Outcome refresh();
    void release();
    Outcome failure(const QString &error)
    {
        release();
        Outcome o;
        o.error = error;
        return o;
    }
    QString currentExternalIp();

    const QList<UpnpPlan::Rule> rules;
    const int discoveryDelayMs;
    const std::function<std::unique_ptr<UpnpGateway>()> makeGateway;
    UpnpPortSequence ports;
    std::unique_ptr<UpnpGateway> gateway;
    QList<UpnpPlan::Mapping> mappings;
    QString lan;
    // Set (under the lock) when stop() gave up waiting: results are no longer posted.
    QMutex lock;
    bool abandoned = false;
};

UpnpForwarder::Outcome UpnpForwarder::Worker::establish()
{
    release();
    gateway = makeGateway ? makeGateway() : std::make_unique<UpnpIgd>();
    QString error;
    if (!gateway->discover(discoveryDelayMs, &error)) return failure(error);
    lan = gateway->lanAddress();
    // Mappings of an earlier run that could not delete them (killed): ours, so ours to remove.
    for (const UpnpPlan::Entry &e : gateway->mappings()) {
        if (!UpnpPlan::isLeftOver(e, lan, rules)) continue;
        const UpnpGateway::Result r = gateway->deleteMapping(e.externalPort, e.protocol);
        qCInfo(lcUpnp).noquote() << QStringLiteral("UPnP: mapping %1 %2 -> %3:%4 left by an earlier run: %5")
                                        .arg(e.protocol).arg(e.externalPort).arg(e.internalClient).arg(e.internalPort)
                                        .arg(r.ok() ? QStringLiteral("deleted") : QStringLiteral("cannot delete it (%1)").arg(r.message));
    }
    const QString ip = currentExternalIp();
    for (const UpnpPlan::Rule &rule : rules) {
        QElapsedTimer elapsed;
        elapsed.start();
        for (int tries = 1;; ++tries) {
            const quint16 port = ports.next();
            const UpnpGateway::Result r =
                gateway->addMapping(port, UpnpPlan::protocolName(rule), lan, rule.port, UpnpPlan::description(rule));
            if (r.ok()) {
                mappings << UpnpPlan::Mapping{rule, port};
                break;
            }
            if (UpnpPlan::isConflict(r.code) && tries < UpnpPlan::kMaxTries && elapsed.elapsed() < UpnpPlan::kTryBoundMs)
                continue;
            return failure(QStringLiteral("the UPnP gateway did not map %1 port %2 to %3 (%4 tries, last answer: %5)")
                               .arg(UpnpPlan::protocolName(rule)).arg(rule.port).arg(lan).arg(tries).arg(r.message));
        }
    }
    Outcome o;
    o.ok = true;
    o.externalIp = ip;
    o.mappings = mappings;
    o.lanAddress = lan;
    return o;
}

UpnpForwarder::Outcome UpnpForwarder::Worker::refresh()
{
    if (!gateway) return failure(QStringLiteral("no UPnP gateway"));
    for (const UpnpPlan::Mapping &m : std::as_const(mappings)) {
        const UpnpGateway::Result r = gateway->addMapping(m.externalPort, UpnpPlan::protocolName(m.rule), lan, m.rule.port,
                                                          UpnpPlan::description(m.rule));
        if (!r.ok())
            return failure(QStringLiteral("the UPnP gateway refused to renew %1: %2").arg(describe(m, lan), r.message));
    }
    Outcome o;
    o.ok = true;
    o.externalIp = currentExternalIp();
    o.mappings = mappings;
    o.lanAddress = lan;
    return o;
}

QString UpnpForwarder::Worker::currentExternalIp()
{
    QString ip;
    const UpnpGateway::Result r = gateway->externalIp(&ip);
    if (!r.ok()) {
        qCInfo(lcUpnp).noquote() << "UPnP: the gateway does not tell its external address:" << r.message
                                 << "- learning it from peers";
        return {};
    }
    return ip.trimmed();
}

void UpnpForwarder::Worker::release()
{
    if (gateway) {
        for (const UpnpPlan::Mapping &m : std::as_const(mappings)) {
            const UpnpGateway::Result r = gateway->deleteMapping(m.externalPort, UpnpPlan::protocolName(m.rule));
            if (r.ok()) qCInfo(lcUpnp).noquote() << "UPnP: deleted mapping" << describe(m, lan);
            else qCWarning(lcUpnp).noquote() << "UPnP: cannot delete mapping" << describe(m, lan) << ":" << r.message;
        }
    }
    mappings.clear();
    gateway.reset();
}

UpnpForwarder::UpnpForwarder(Settings settings, QObject *parent)
    : QObject(parent), m_settings(std::move(settings)), m_worker(std::make_shared<Worker>(m_settings))
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, [this] { post(m_next); });
}

UpnpForwarder::~UpnpForwarder()
{
    stop();
}

void UpnpForwarder::start()
{
    if (m_started || m_stopped) return;
    m_started = true;
    if (m_settings.rules.isEmpty()) return;
    m_thread = new QThread;
    m_thread->setObjectName(QStringLiteral("re6st-upnp"));
    m_threadContext = new QObject;
    m_threadContext->moveToThread(m_thread);
    m_thread->start();
    post(Next::Establish);
}

void UpnpForwarder::post(Next job)
{
    if (m_stopped || !m_threadContext) return;
    if (job == Next::Establish) ++m_attempts;
    std::shared_ptr<Worker> worker = m_worker;
    QMetaObject::invokeMethod(
        m_threadContext,
        [this, worker, job] {
            const Outcome outcome = job == Next::Establish ? worker->establish() : worker->refresh();
            const QMutexLocker locked(&worker->lock);
            if (!worker->abandoned)
                QMetaObject::invokeMethod(this, [this, job, outcome] { onOutcome(job, outcome); }, Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void UpnpForwarder::onOutcome(Next job, const Outcome &outcome)
{
    if (m_stopped) return;
    if (outcome.ok) {
        const QString &lan = outcome.lanAddress;
        if (job == Next::Establish || m_failuresInARow > 0) {
            QStringList list;
            for (const UpnpPlan::Mapping &m : outcome.mappings) list << describe(m, lan);
            qCInfo(lcUpnp).noquote() << "UPnP: gateway" << (outcome.externalIp.isEmpty() ? QStringLiteral("(external address unknown)") : outcome.externalIp)
                                     << "maps" << list.join(QStringLiteral(", "));
        } else if (outcome.externalIp != m_externalIp) {
            qCInfo(lcUpnp).noquote() << "UPnP: the gateway's external address is now" << outcome.externalIp;
        }
        m_failuresInARow = 0;
        publish(outcome.externalIp, outcome.mappings);
        m_next = Next::Refresh;
        m_timer.start(m_settings.refreshMs);
        return;
    }
    ++m_failuresInARow;
    const QString in = m_settings.retryMs >= 1000 ? QStringLiteral("%1 s").arg(m_settings.retryMs / 1000)
                                                  : QStringLiteral("%1 ms").arg(m_settings.retryMs);
    const QString text = QStringLiteral("UPnP: %1; trying again in %2 (meanwhile our IPv4 is learnt from peers)")
                             .arg(outcome.error, in);
    if (m_failuresInARow == 1) qCWarning(lcUpnp).noquote() << text;
    else qCDebug(lcUpnp).noquote() << text;
    publish({}, {});
    m_next = Next::Establish;
    m_timer.start(m_settings.retryMs);
}

void UpnpForwarder::publish(const QString &externalIp, const QList<UpnpPlan::Mapping> &mappings)
{
    if (externalIp == m_externalIp && mappings == m_mappings) return;
    m_externalIp = externalIp;
    m_mappings = mappings;
    Q_EMIT changed();
}

void UpnpForwarder::stop(int boundMs)
{
    if (m_stopped) return;
    m_stopped = true;
    m_timer.stop();
    m_externalIp.clear();
    m_mappings.clear();
    if (!m_thread) return;
    std::shared_ptr<Worker> worker = m_worker;
    // After whatever job is running: delete our mappings, then end the thread.
    QMetaObject::invokeMethod(
        m_threadContext,
        [worker] {
            worker->release();
            QThread::currentThread()->quit();
        },
        Qt::QueuedConnection);
    if (m_thread->wait(QDeadlineTimer(boundMs))) {
        delete m_threadContext;
        delete m_thread;
    } else {
        // A gateway that does not answer: leave the thread to finish on its own (the
        // process is exiting); its results are dropped, its objects are not ours to free.
        qCWarning(lcUpnp) << "UPnP: the gateway did not answer within" << boundMs
                          << "ms: our port mappings may stay on it until it restarts";
        const QMutexLocker locked(&worker->lock);
        worker->abandoned = true;
    }
    m_thread = nullptr;
    m_threadContext = nullptr;
}

} // namespace re6st::daemon
