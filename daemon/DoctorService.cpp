// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/DoctorService.h"
#include "core/DoctorChecks.h"
#include "platform/DoctorProbe.h"

#include "doctor1adaptor.h"

#include <QDBusMessage>
#include <QDBusMetaType>
#include <QPointer>
#include <QThread>

#include <memory>

namespace re6st::daemon {

struct DoctorService::Inputs
{
    platform::DoctorProbe::Input probe;
};

DoctorService::DoctorService(const NodeOptions &options, StatusProvider status, QObject *parent)
    : QObject(parent), m_options(options), m_status(std::move(status))
{
    new Doctor1Adaptor(this);
}

DoctorService::~DoctorService()
{
    if (m_exported) m_bus.unregisterObject(QLatin1String(kObjectPath));
    if (m_worker) { // bounded by the probe's timeouts
        m_worker->wait();
        delete m_worker;
    }
}

bool DoctorService::registerOn(QDBusConnection bus, QString *error)
{
    qDBusRegisterMetaType<QList<QVariantMap>>();
    m_bus = bus;
    if (!m_bus.registerObject(QLatin1String(kObjectPath), this)) {
        if (error) *error = QStringLiteral("cannot export %1: %2").arg(QLatin1String(kObjectPath), m_bus.lastError().message());
        return false;
    }
    m_exported = true;
    return true;
}

DoctorService::Inputs DoctorService::inputs() const
{
    Inputs in;
    doctor::DoctorConfig &c = in.probe.config;
    c.registry = m_options.registry;
    c.ca = m_options.ca;
    c.cert = m_options.cert;
    c.key = m_options.key;
    c.run = m_options.run;
    c.interfaces = m_options.interfaces;
    for (const NodeOptions::PortProto &p : m_options.pp) c.pp.append({p.port, p.proto});
    // NodeOptions holds effective values: an empty list means nothing is disabled.
    c.disableProto = m_options.disableProto.isEmpty() ? QStringList{QStringLiteral("none")} : m_options.disableProto;
    c.client = m_options.client;
    c.clientCount = m_options.clientCount;
    c.maxClients = m_options.maxClients;
    c.gateway = m_options.gateway;

    const NodeStatus status = m_status ? m_status() : NodeStatus{};
    using State = NodeStatus::State;
    in.probe.nodeRunning = status.state != State::Stopped && status.state != State::Error;
    if (!status.registry.isEmpty()) c.registry = status.registry;
    if (status.state == State::Connected || status.state == State::Connecting || status.state == State::RegistryUnreachable) {
        in.probe.registryReachable = status.registryReachable;
        if (!status.registryReachable)
            in.probe.registryDetail = QStringLiteral("the daemon's last request to the registry failed%1")
                                          .arg(status.stateDetail.isEmpty() ? QString() : QStringLiteral(": ") + status.stateDetail);
    } else {
        in.probe.probeRegistry = true; // the node is stopped: ask the registry ourselves
    }
    if (m_networkManager && !m_networkManager()) {
        in.probe.networkManager = false;
    } else if (m_conflicts) {
        const std::optional<QList<QVariantMap>> conflicts = m_conflicts();
        if (conflicts) {
            in.probe.networkManager = true;
            in.probe.conflicts = conflicts;
        } else {
            in.probe.networkManagerSkip = QStringLiteral("NetworkManager is not on the system bus, or the daemon does not follow it");
        }
    } else {
        in.probe.networkManagerSkip = QStringLiteral("NetworkManager integration not available");
    }
    return in;
}

QList<doctor::DoctorFinding> DoctorService::runChecks() const
{
    return doctor::DoctorChecks::run(platform::DoctorProbe::gather(inputs().probe));
}

QList<QVariantMap> DoctorService::Run()
{
    const Inputs in = inputs(); // read on the event loop's thread
    if (!calledFromDBus()) return doctor::DoctorFinding::toVariantMaps(doctor::DoctorChecks::run(platform::DoctorProbe::gather(in.probe)));
    setDelayedReply(true);
    // One run at a time: callers that arrive while one runs share its findings (so a
    // busy caller cannot pile up probe threads).
    m_callers << message();
    if (m_worker) return {};
    QDBusConnection bus = connection();
    auto findings = std::make_shared<QList<QVariantMap>>();
    m_worker = QThread::create([in, findings] {
        *findings = doctor::DoctorFinding::toVariantMaps(doctor::DoctorChecks::run(platform::DoctorProbe::gather(in.probe)));
    });
    connect(m_worker, &QThread::finished, this, [this, bus, findings]() mutable {
        for (const QDBusMessage &call : std::as_const(m_callers))
            bus.send(call.createReply(QVariant::fromValue(*findings)));
        m_callers.clear();
        m_worker->deleteLater();
        m_worker = nullptr;
    });
    m_worker->start();
    return {};
}

} // namespace re6st::daemon
